"""PostgreSQL (a private cluster) is stopped under the site and started again, through nginx.

While it is down a send is refused with an error the page understands (an `error` frame
with code `unavailable` on the socket, which then closes with 1013 "try again later";
HTTP 503 `unavailable` from the fallback) and nothing is stored; once it is back, the
page's retry with the same client_id stores the message exactly once, and a second retry
stores nothing more."""

from __future__ import annotations

import asyncio
import time
import uuid

from tests.scale.clients import Person, customer_and_manager, post_message
from tests.scale.conftest import seed, stored
from tests.scale.test_02_live_chat import wait_for

SCENARIO = "PostgreSQL restart"


async def error_for(person: Person, client_id: str, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in person.errors:
            if frame.get("client_id") == client_id:
                return frame
        await asyncio.sleep(0.02)
    raise AssertionError(f"no error frame for {client_id}: {person.errors}")


def test_a_postgres_restart_refuses_sends_and_a_retry_stores_one(
    fault_site, private_postgres, figures
):
    site = fault_site
    data = seed(site, 1, "pg")
    room = data["rooms"][0]
    port = site.nginx.port

    async def scenario():
        customer, manager = await customer_and_manager(site, room)
        await wait_for(manager, await customer.send("before the restart"))

        await asyncio.to_thread(private_postgres.stop)
        stopped = time.monotonic()
        by_socket = await customer.send("while the database is down")
        by_http = str(uuid.uuid4())
        manager.sent.append(by_http)

        def timed_post():
            began = time.monotonic()
            answer = post_message(port, room["id"], room["manager"], "down too", by_http)
            return answer, time.monotonic() - began

        # Both wait for the pool's timeout (DATABASE_POOL_TIMEOUT): side by side.
        by_http_task = asyncio.create_task(asyncio.to_thread(timed_post))
        refusal = await error_for(customer, by_socket)
        socket_refused_in = time.monotonic() - stopped
        answer, http_refused_in = await by_http_task

        await asyncio.to_thread(private_postgres.start)
        started = time.monotonic()
        # The page retries the fallback until it is stored.
        while True:
            retried = await asyncio.to_thread(
                post_message, port, room["id"], room["manager"], "down too", by_http
            )
            if retried.status != 503 or time.monotonic() - started > 60:
                break
            await asyncio.sleep(0.5)
        stored_after = time.monotonic() - started
        again = await asyncio.to_thread(
            post_message, port, room["id"], room["manager"], "down too", by_http
        )
        # The refused send also closed the socket with 1013 (try again later): the page
        # reconnects and sends its outbox again (the same client_id), then once more.
        await asyncio.wait_for(customer.closed.wait(), 30)
        await customer.reconnect(timeout=60)
        await wait_for(manager, by_socket, timeout=30)
        await customer.send("while the database is down", by_socket)
        await asyncio.sleep(1)
        await customer.close()
        await manager.close()
        return (customer, manager, refusal, answer, retried, again) + (
            socket_refused_in,
            http_refused_in,
            stored_after,
        )

    (customer, manager, refusal, answer, retried, again, socket_in, http_in, stored_after) = (
        asyncio.run(scenario())
    )
    database = stored(site, [room["id"]])
    room_stored = database["by_request"][str(room["id"])]

    figures.add(SCENARIO, "socket send while down", f"error {refusal['code']} in {socket_in:.1f} s")
    figures.add(SCENARIO, "HTTP send while down", f"{answer.status} in {http_in:.1f} s")
    figures.add(SCENARIO, "retry stored after PostgreSQL start s", stored_after)
    figures.add(SCENARIO, "retry / second retry", f"{retried.status} / {again.status}")
    figures.add(
        SCENARIO,
        "messages sent / stored",
        f"{len(customer.sent) + len(manager.sent)} / {len(room_stored)}",
    )

    assert refusal["code"] == "unavailable", refusal
    assert 1013 in customer.closes, customer.closes
    assert answer.status == 503 and answer.json()["error"]["code"] == "unavailable"
    assert retried.status == 201, retried.body[:300]
    assert again.status == 200  # already stored: the same message, not a second one
    assert sorted(room_stored) == sorted(customer.sent + manager.sent)
    assert len(room_stored) == 3 and database["doubled"] == []
    assert customer.duplicates == 0 and manager.duplicates == 0
