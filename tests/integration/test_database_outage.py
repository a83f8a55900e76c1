"""A PostgreSQL outage under the production shape (uvicorn, production settings, the
connection pool), from outside: pages and JSON answer 503 with Retry-After, sockets close
with 1013, the probes tell the truth, and everything answers again once PostgreSQL does.

The workers reach PostgreSQL through a TCP proxy of the test's own (tcp_proxy.py): cutting
it is their outage alone; the machine's shared server is never stopped.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from urllib.parse import urlparse

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from harness.stack import postgres_url
from tests.integration.stack import (
    SEED_CHAT,
    STORED_TEXTS,
    production_stack,
    skip_or_fail,
    ws_connect,
    ws_next,
    ws_send_text,
)
from tests.integration.tcp_proxy import TcpProxy

pytestmark = pytest.mark.services

# How long a request waits for a connection from the pool (production: 5 s), shortened
# so the test's outage answers sooner; the answer is the same.
POOL_TIMEOUT = "2"


def http_get(port: int, path: str, cookie: str | None = None, accept: str = "text/html"):
    """(status, headers, body) of a GET, errors included."""
    headers = {"Accept": accept, "Accept-Language": "en"}
    if cookie:
        headers["Cookie"] = f"sessionid={cookie}"
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode(errors="replace")


async def close_code(ws, timeout: float = 30.0) -> int | None:
    """The code the server closed the socket with (frames before it are skipped)."""
    deadline = time.monotonic() + timeout
    try:
        while True:
            await asyncio.wait_for(ws.recv(), max(deadline - time.monotonic(), 0.01))
    except ConnectionClosed:
        return ws.protocol.close_rcvd.code if ws.protocol.close_rcvd else None


async def inbox_connect(port: int, cookie: str):
    return await connect(
        f"ws://127.0.0.1:{port}/ws/inbox/?lang=en",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"sessionid={cookie}"},
        open_timeout=30,
        ping_interval=None,
    )


@pytest.fixture
def proxy():
    try:
        server = urlparse(postgres_url())
    except Exception as error:  # harness.stack.Unavailable
        skip_or_fail(str(error), needs="services")
    proxy = TcpProxy(server.hostname or "127.0.0.1", server.port or 5432)
    proxy.start()
    yield proxy
    proxy.stop()


@pytest.fixture
def stack(tmp_path, proxy):
    server = urlparse(postgres_url())
    user = server.username or "postgres"
    through_proxy = server._replace(netloc=f"{user}@127.0.0.1:{proxy.port}")
    with production_stack(
        tmp_path,
        workers=1,
        static=True,  # the error page's layout names hashed static files
        database_server=through_proxy.geturl(),
        extra_env={"DATABASE_POOL_TIMEOUT": POOL_TIMEOUT},
    ) as stack:
        try:
            yield stack
        finally:
            proxy.restore()  # a test that failed mid-outage: the database is dropped after


def test_a_database_outage_answers_503_and_1013_and_recovers(stack, proxy):
    data = stack.python(SEED_CHAT)
    port = stack.workers[0].port
    page = f"/request/{data['request']}"  # the request's page, with its chat
    messages = f"/chat/{data['request']}/messages"

    async def scenario():
        chat = await ws_connect(port, data["request"], data["customer"])
        inbox = await inbox_connect(port, data["manager"])
        assert http_get(port, page, data["customer"])[0] == 200

        proxy.cut()  # PostgreSQL is gone for these workers

        status, headers, body = await asyncio.to_thread(http_get, port, page, data["customer"])
        assert status == 503, body[:500]
        assert headers["Retry-After"] == "5"
        assert "We will be back in a moment" in body and "Traceback" not in body

        status, headers, body = await asyncio.to_thread(
            http_get, port, messages, data["customer"], "application/json"
        )
        assert status == 503 and headers["Retry-After"] == "5", body[:500]
        assert json.loads(body)["error"]["code"] == "unavailable"

        # The process is alive (a restart would not help); it is not ready.
        assert (await asyncio.to_thread(http_get, port, "/healthz"))[0] == 200
        status, _headers, body = await asyncio.to_thread(http_get, port, "/readyz")
        assert status == 503 and "database" in json.loads(body)["failing"], body

        # An open socket whose frame meets the outage: told, then closed with 1013.
        client_id = await ws_send_text(chat, "while the database is away")
        refusal = await ws_next(chat, "error", timeout=30)
        assert refusal["code"] == "unavailable" and refusal["client_id"] == client_id
        assert await close_code(chat) == 1013
        # Sockets opening meanwhile: accepted, then closed with 1013.
        opening = await ws_connect(port, data["request"], data["customer"])
        assert await close_code(opening) == 1013
        opening_inbox = await inbox_connect(port, data["manager"])
        assert await close_code(opening_inbox) == 1013
        await inbox.close()

        proxy.restore()  # PostgreSQL answers again

        deadline = time.monotonic() + 30
        while (await asyncio.to_thread(http_get, port, page, data["customer"]))[0] != 200:
            assert time.monotonic() < deadline, "the page did not recover"
            await asyncio.sleep(0.5)
        assert (await asyncio.to_thread(http_get, port, "/readyz"))[0] == 200
        chat = await ws_connect(port, data["request"], data["customer"])
        await ws_send_text(chat, "after the outage", client_id)  # the page's resend
        frame = await ws_next(chat, "message", timeout=10)
        assert frame["message"]["client_id"] == client_id
        await chat.close()
        inbox = await inbox_connect(port, data["manager"])
        await inbox.close()

    try:
        asyncio.run(scenario())
    except BaseException as error:
        raise AssertionError(f"{error!r}\n{stack.logs()}") from error
    assert stack.python(STORED_TEXTS) == ["after the outage"]
    log = stack.workers[0].log()
    assert "Exception in ASGI application" not in log
    assert "the database is unavailable" in log and "Traceback" not in log
