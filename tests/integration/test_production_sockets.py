"""Chat sockets under the production shape through a Redis outage (a private redis-server
the test stops and starts again) and a revocation on every worker. Sockets idle for long
stretches are the scale test's soak (tests/scale/test_03_soak.py)."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
import urllib.error
import urllib.request
import uuid

import pytest
from websockets.exceptions import ConnectionClosed

from tests.integration.stack import (
    SEED_CHAT,
    STORED_TEXTS,
    private_redis,
    production_stack,
    ws_connect,
    ws_next,
    ws_send_text,
)

pytestmark = pytest.mark.services


def http_send(port: int, request_id: int, cookie: str, text: str, client_id: str):
    """POST /chat/<id>/messages as the chat page's fallback does; returns (status, body)."""
    csrf = secrets.token_hex(16)  # any 32-character secret: cookie and header must agree
    boundary = uuid.uuid4().hex
    fields = {"text": text, "client_id": client_id}
    body = (
        "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            for name, value in fields.items()
        )
        + f"--{boundary}--\r\n"
    )
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/chat/{request_id}/messages",
        data=body.encode(),
        method="POST",
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Cookie": f"sessionid={cookie}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Accept": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


@pytest.fixture
def own_redis(tmp_path):
    redis = private_redis(tmp_path / "redis")
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def stack_on_own_redis(tmp_path, own_redis):
    with production_stack(tmp_path, redis=own_redis.url, workers=1) as stack:
        yield stack


def test_a_redis_restart_loses_nothing_and_sockets_come_back(stack_on_own_redis, own_redis):
    stack = stack_on_own_redis
    data = stack.python(SEED_CHAT)
    port = stack.workers[0].port
    request_id = data["request"]

    async def scenario():
        manager = await ws_connect(port, request_id, data["manager"])
        await ws_send_text(manager, "before the outage")
        last_seen = (await ws_next(manager, "message"))["message"]["id"]

        own_redis.stop()
        # The socket cannot reach the channel layer any more: it is closed cleanly, with
        # a code that tells the page to come back later, not dropped.
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(manager.recv(), 20)
        assert closed.value.rcvd is not None, "closed without a close frame"
        assert closed.value.rcvd.code in (1011, 1013)

        # Sending over HTTP keeps working: the message is stored and answered 201.
        missed = []
        for number in range(3):
            status, body = await asyncio.to_thread(
                http_send, port, request_id, data["customer"], f"during {number}", str(uuid.uuid4())
            )
            assert status == 201, body
            missed.append(body["message"]["id"])

        own_redis.start()
        # The first connection after the restart succeeds: no stale pooled connection
        # turns it into a 500.
        again = await ws_connect(port, request_id, data["manager"])
        try:
            await again.send(json.dumps({"type": "sync", "after_id": last_seen}))
            synced = await ws_next(again, "sync")
            assert [m["id"] for m in synced["messages"]] == missed
            # And live delivery is back.
            customer = await ws_connect(port, request_id, data["customer"])
            await ws_send_text(customer, "after the outage")
            live = await ws_next(again, "message")
            assert live["message"]["text"] == "after the outage"
            await customer.close()
        finally:
            await again.close()

    try:
        asyncio.run(scenario())
    except BaseException as error:
        raise AssertionError(f"{error!r}\n{stack.logs()}") from error
    assert stack.python(STORED_TEXTS) == [
        "before the outage",
        "during 0",
        "during 1",
        "during 2",
        "after the outage",
    ]
    log = stack.workers[0].log()
    assert " 500 " not in log and "Internal Server Error" not in log, log[-4000:]


@pytest.fixture
def two_workers(tmp_path):
    with production_stack(tmp_path, workers=2) as stack:
        yield stack


def test_a_revoked_user_loses_sockets_on_every_worker_within_two_seconds(two_workers):
    stack = two_workers
    data = stack.python(SEED_CHAT)
    worker_a, worker_b = stack.workers

    async def scenario():
        on_a = await ws_connect(worker_a.port, data["request"], data["manager"])
        on_b = await ws_connect(worker_b.port, data["request"], data["manager"])
        bystander = await ws_connect(worker_b.port, data["request"], data["customer"])
        # Deactivated in another process, as an administrator would in the admin site.
        deactivation = asyncio.to_thread(
            stack.python,
            "import time\n"
            "from tenantdesk.accounts.models import User\n"
            f"user = User.objects.get(pk={data['manager_id']})\n"
            "user.is_active = False\n"
            "user.save()\n"
            "print(json.dumps(time.time()))\n",
        )
        closes = [asyncio.wait_for(socket.recv(), 60) for socket in (on_a, on_b)]
        results = await asyncio.gather(deactivation, *closes, return_exceptions=True)
        closed_at = time.time()
        committed_at, *outcomes = results
        for outcome in outcomes:
            assert isinstance(outcome, ConnectionClosed), outcome
            assert outcome.rcvd.code == 4401
        reaction = closed_at - committed_at
        assert reaction < 2, reaction
        # The customer's socket is untouched.
        await ws_send_text(bystander, "still talking")
        assert (await ws_next(bystander, "message"))["message"]["text"] == "still talking"
        await bystander.close()
        return reaction

    try:
        reaction = asyncio.run(scenario())
    except BaseException as error:
        raise AssertionError(f"{error!r}\n{stack.logs()}") from error
    print(f"revocation reached both workers' sockets in {reaction:.2f} s")
