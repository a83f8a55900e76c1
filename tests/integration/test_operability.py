"""Operability of the production shape: probes, request ids in the JSON logs, and a
graceful restart (SIGTERM) that closes sockets with 1012 for the page to reconnect."""

from __future__ import annotations

import asyncio
import json
import signal
import time
import urllib.error
import urllib.request

import pytest
from websockets.exceptions import ConnectionClosed

from tests.integration.stack import (
    SEED_CHAT,
    private_redis,
    production_stack,
    ws_connect,
    ws_next,
    ws_reconnect,
    ws_send_text,
)

pytestmark = pytest.mark.services

CLOSE_SERVICE_RESTART = 1012  # RFC 6455: "the service is restarting"


@pytest.fixture(scope="module")
def redis(tmp_path_factory):
    redis = private_redis(tmp_path_factory.mktemp("redis"))
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture(scope="module")
def stack(tmp_path_factory, redis):
    with production_stack(tmp_path_factory.mktemp("stack"), redis=redis.url, workers=1) as stack:
        yield stack


def get(port: int, path: str, headers: dict | None = None):
    """(status, headers, body) of a GET straight to a worker."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_probes_answer_with_every_production_dependency(stack):
    port = stack.workers[0].port
    status, _headers, body = get(port, "/healthz")
    assert (status, body) == (200, b"ok\n")
    status, _headers, body = get(port, "/readyz")
    answer = json.loads(body)
    assert status == 200, answer
    assert set(answer["checks"]) == {"database", "cache", "channel_layer", "storage"}
    assert answer["failing"] == []


def test_readyz_names_redis_parts_while_redis_is_down(stack, redis):
    port = stack.workers[0].port
    redis.stop()
    try:
        started = time.monotonic()
        status, _headers, body = get(port, "/readyz")
        assert time.monotonic() - started < 10
        answer = json.loads(body)
        assert status == 503, answer
        # The cache (the send limit's count) and the channel layer live in Redis; the
        # database and the storage do not.
        assert set(answer["failing"]) == {"cache", "channel_layer"}, answer
        assert get(port, "/healthz")[0] == 200  # alive all the same: nothing to restart
    finally:
        redis.start()
    deadline = time.monotonic() + 30
    while get(port, "/readyz")[0] != 200:
        assert time.monotonic() < deadline, "readyz did not come back after Redis did"
        time.sleep(0.5)


def test_the_worker_logs_json_lines_with_nginx_request_id(stack):
    port = stack.workers[0].port
    # A JSON client: its 404 needs no page (this stack collected no static files).
    sent = {"X-Request-ID": "a1b2c3d4e5f60718", "Accept": "application/json"}
    status, headers, _body = get(port, "/no-such-page", sent)
    assert status == 404
    assert headers["X-Request-ID"] == "a1b2c3d4e5f60718"
    log = stack.workers[0].log()
    lines = [line for line in log.splitlines() if line.strip()]
    # Every line, uvicorn's and the Redis outage of the test before included.
    assert lines and all(line.startswith("{") for line in lines), log[-3000:]
    lines = [json.loads(line) for line in lines]
    [not_found] = [line for line in lines if line["request_id"] == "a1b2c3d4e5f60718"]
    assert not_found["logger"] == "django.request"
    assert not_found["message"] == "Not Found: /no-such-page"
    assert {"time", "level"} <= set(not_found)


def test_sigterm_closes_sockets_with_1012_and_the_page_catches_up(stack):
    data = stack.python(SEED_CHAT)
    worker = stack.workers[0]

    async def scenario():
        socket = await ws_connect(worker.port, data["request"], data["customer"])
        await ws_send_text(socket, "before the restart")
        await ws_next(socket, "message")

        worker.signal(signal.SIGTERM)
        with pytest.raises(ConnectionClosed):
            while True:
                await asyncio.wait_for(socket.recv(), 10)
        assert socket.close_code == CLOSE_SERVICE_RESTART
        # The worker ends once its sockets are closed, without waiting for the clients.
        await asyncio.to_thread(worker.process.wait, 15)

        worker.start()  # systemd's Restart=always, or the next worker behind nginx
        socket = await ws_reconnect(worker.port, data["request"], data["customer"])
        try:
            await socket.send(json.dumps({"type": "sync", "after_id": 0}))
            caught_up = await ws_next(socket, "sync")
            texts = [message["text"] for message in caught_up["messages"]]
            assert texts.count("before the restart") == 1
        finally:
            await socket.close()

    try:
        asyncio.run(scenario())
    except BaseException as error:
        raise AssertionError(f"{error!r}\n{stack.logs()}") from error
    assert worker.process.returncode is None  # the restarted worker runs on
