"""Redis (a private redis-server) is stopped under the site and started again, through nginx.

Live sockets lose their channel layer and are closed with a code that says "come back"
(1011/1013); sends over HTTP (POST /chat/<id>/messages, the page's fallback) keep being
stored meanwhile, answered 201, never 500. When Redis is back the sockets reconnect, `sync`
brings what was sent meanwhile, and live delivery between the workers resumes."""

from __future__ import annotations

import asyncio
import time
import uuid

from tests.scale.clients import customer_and_manager, post_message
from tests.scale.conftest import seed, stored
from tests.scale.test_02_live_chat import wait_for

SCENARIO = "Redis restart"


def test_a_redis_restart_keeps_http_sends_and_live_delivery_comes_back(
    fault_site, private_redis, figures
):
    site = fault_site
    data = seed(site, 1, "redis")
    room = data["rooms"][0]
    first, second = site.workers
    port = site.nginx.port
    requests_before = len(site.nginx.access_log())

    async def scenario():
        customer, manager = await customer_and_manager(site, room)
        await wait_for(manager, await customer.send("before the outage"))

        private_redis.stop()
        stopped = time.monotonic()
        await asyncio.wait_for(asyncio.gather(customer.closed.wait(), manager.closed.wait()), 30)
        closed_in = time.monotonic() - stopped
        answers = []
        for n, (person, cookie) in enumerate(
            [(customer, room["customer"]), (manager, room["manager"])] * 3
        ):
            client_id = str(uuid.uuid4())
            person.sent.append(client_id)
            answer = await asyncio.to_thread(
                post_message, port, room["id"], cookie, f"during the outage {n}", client_id
            )
            answers.append(answer.status)

        private_redis.start()
        started = time.monotonic()
        await customer.reconnect(worker_port=first.port)
        await manager.reconnect(worker_port=second.port)
        reconnected = time.monotonic() - started
        live = await wait_for(manager, await customer.send("after the outage"))
        live_after = time.monotonic() - started
        await wait_for(customer, await manager.send("and back"))
        await asyncio.sleep(0.5)
        await customer.close()
        await manager.close()
        return customer, manager, answers, closed_in, reconnected, live, live_after

    customer, manager, answers, closed_in, reconnected, live, live_after = asyncio.run(scenario())
    database = stored(site, [room["id"]])
    room_stored = database["by_request"][str(room["id"])]
    codes = sorted({str(code) for p in (customer, manager) for code in p.closes[:1]})

    figures.add(SCENARIO, "socket close codes when Redis went", ",".join(codes))
    figures.add(SCENARIO, "sockets closed after Redis stopped s", closed_in)
    figures.add(SCENARIO, "HTTP sends during the outage", " ".join(map(str, answers)))
    figures.add(SCENARIO, "reconnect after Redis start s (both)", reconnected)
    figures.add(SCENARIO, "live delivery back after Redis start s", live_after)
    figures.add(
        SCENARIO,
        "messages sent / stored",
        f"{len(customer.sent) + len(manager.sent)} / {len(room_stored)}",
    )
    figures.add(
        SCENARIO,
        "sync after reconnect: messages / missed ones",
        f"{len(customer.synced) + len(manager.synced)} / "
        f"{len(customer.brought) + len(manager.brought)}",
    )

    assert set(codes) <= {"1011", "1013"}, codes
    assert answers == [201] * 6, answers
    assert sorted(room_stored) == sorted(customer.sent + manager.sent)
    for person in (customer, manager):
        assert sorted(person.received.values()) == sorted(room_stored), person.name
        assert person.duplicates == 0
    # Nothing answered 5xx through nginx, and no worker logged a server error.
    new_lines = site.nginx.access_log()[requests_before:]
    assert not [line for line in new_lines if '" 5' in line], new_lines
    for worker in site.workers:
        assert "Internal Server Error" not in worker.log(), worker.log()[-3000:]
