"""The benchmark's baselines answer the chat's protocol, so the figures compare like with
like (the benchmark itself runs with `make bench`, never in the test suite)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from channels.testing import WebsocketCommunicator

from bench.load import percentile
from bench.raw_app import app as raw_app

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
