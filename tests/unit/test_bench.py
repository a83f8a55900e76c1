"""The benchmark's baselines answer the chat's protocol, so the figures compare like with
like (the benchmark itself runs with `make bench`, never in the test suite)."""

import http.client
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from channels.testing import WebsocketCommunicator

from bench import servers
from bench.load import percentile
from bench.raw_app import app as raw_app
from harness.ports import OwnPortWorker, owns_port

ROOT = Path(__file__).resolve().parents[2]


async def test_the_raw_app_echoes_a_message_to_the_room_and_receipts_back():
    first = WebsocketCommunicator(raw_app, "/ws/request/7/")
    second = WebsocketCommunicator(raw_app, "/ws/request/7/")
    assert (await first.connect())[0] and (await second.connect())[0]
    await first.send_to(json.dumps({"type": "message.send", "client_id": "a", "text": "hi"}))
    for member in (first, second):
        frame = json.loads(await member.receive_from())
        assert frame["type"] == "message" and frame["message"]["client_id"] == "a"
    message_id = frame["message"]["id"]
    await second.send_to(json.dumps({"type": "message.delivered", "ids": [message_id]}))
    assert json.loads(await first.receive_from()) == {"type": "receipt", "id": message_id}
    await first.disconnect()
    await second.disconnect()


def test_the_bare_consumer_starts_on_its_own_settings():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.bare_settings", "REDIS_URL": ""}
    result = subprocess.run(
        [sys.executable, "-c", "import bench.bare_asgi; print(bench.bare_asgi.application)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "ProtocolTypeRouter" in result.stdout


def test_percentiles_are_taken_from_the_sorted_values():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 51.0
    assert percentile(values, 0.99) == 100.0
    assert percentile([], 0.5) is None


# --- the workers: the unit's environment, ports of their own ----------------------------------


def unit_lines() -> dict:
    unit = (ROOT / "deploy" / "systemd" / "tenantdesk@.service").read_text()
    pairs = [
        line.removeprefix("Environment=").split("=", 1)
        for line in unit.splitlines()
        if line.startswith("Environment=")
    ]
    return {name: value for name, value in pairs if name != "DJANGO_SETTINGS_MODULE"}


def test_every_worker_runs_with_the_units_allocator_settings_and_no_other(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)  # the embedded shape: no services needed
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")  # the caller's shell, not production
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "4096")
    unit = unit_lines()
    assert unit["MALLOC_MMAP_THRESHOLD_"] == "1048576"
    workers = [
        *servers.tenant_desk(tmp_path, workers=1).workers,
        servers.raw_app(tmp_path),
        *servers.bare_consumers(tmp_path, workers=1),
    ]
    for worker in workers:
        allocator = {k: v for k, v in worker.env.items() if k.startswith("MALLOC_")}
        assert allocator == {k: v for k, v in unit.items() if k.startswith("MALLOC_")}, worker.app


def test_a_worker_whose_port_was_taken_serves_on_another_port_of_its_own(tmp_path):
    # Another process took the port between free_port() and the worker's bind: here this
    # test's own listener, which would answer a connection to it.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert owns_port(os.getpid(), port)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        worker = OwnPortWorker(env, port, tmp_path, app="bench.raw_app:app")
        try:
            worker.start()
            assert worker.port != port
            assert owns_port(worker.pid, worker.port) and not owns_port(worker.pid, port)
            assert "address already in use" in (tmp_path / f"worker-{port}.log").read_text()
            connection = http.client.HTTPConnection("127.0.0.1", worker.port, timeout=10)
            connection.request("GET", "/")
            assert connection.getresponse().status == 200
            connection.close()
        finally:
            worker.stop()
