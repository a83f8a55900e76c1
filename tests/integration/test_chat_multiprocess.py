"""Two real server processes share one Redis channel layer and one database.

A customer on one process and a manager on the other talk in real time; the manager's
process is killed and restarted while the manager is connected, and after reconnecting
`sync` returns exactly the messages it missed: none lost, none twice.

The servers are separate Daphne processes of config.asgi on their own database (a
PostgreSQL database next to the test one when DATABASE_URL points at PostgreSQL, else a
SQLite file), set up and inspected through small Django scripts run as subprocesses.
Redis comes from REDIS_URL, else the local default; without Redis the test cannot run.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import closing
from pathlib import Path
from urllib.parse import urlparse

import pytest
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.services

SETUP_SCRIPT = r"""
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0, interactive=False)
from django.contrib.auth.models import Group
from django.test import Client
from tenantdesk.core.permissions import MANAGER_GROUP
from tests.factories import CustomerFactory, ManagerFactory
from tests.unit.chat.helpers import make_service_request
Group.objects.get_or_create(name=MANAGER_GROUP)
customer = CustomerFactory()
manager = ManagerFactory()
service_request = make_service_request(customer)
def cookie(user):
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value
print(json.dumps({"request": service_request.pk, "customer": cookie(customer),
                  "manager": cookie(manager)}))
"""

COUNT_SCRIPT = r"""
import json, django
django.setup()
from tenantdesk.chat.models import Message
rows = list(Message.objects.order_by("pk").values_list("pk", "text"))
print(json.dumps(rows))
"""


def _redis_url() -> str:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    parsed = urlparse(url)
    try:
        with closing(socket.create_connection((parsed.hostname, parsed.port or 6379), 2)):
            pass
    except OSError:
        skip_or_fail(f"Redis is not reachable at {url}: start redis-server or set REDIS_URL")
    return url


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server_env(tmp_path):
    """Environment for the server processes, with a database of their own."""
    redis_url = _redis_url()
    database_url = os.environ.get("DATABASE_URL", "")
    drop = None
    if database_url.startswith(("postgres://", "postgresql://", "pgsql://")):
        import psycopg

        parsed = urlparse(database_url)
        base = os.environ.get("TEST_DATABASE_NAME", "test_tenantdesk")
        name = f"{base}_chat_mp"
        admin = parsed._replace(path="/postgres").geturl().replace("pgsql://", "postgresql://")
        admin = admin.replace("postgres://", "postgresql://", 1)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        server_db = parsed._replace(path=f"/{name}").geturl()

        def drop():
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        server_db = f"sqlite:///{tmp_path / 'chat-mp.sqlite3'}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": server_db,
        "REDIS_URL": redis_url,
        "CHANNELS_PREFIX": f"td-chat-mp-{os.getpid()}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "TEST_MEDIA_ROOT": str(tmp_path / "media"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    yield env
    if drop is not None:
        drop()


def _run_script(script: str, env: dict) -> object:
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


class Server:
    """One Daphne process of config.asgi on a fixed port (so it can come back on it)."""

    def __init__(self, env: dict, port: int, log_dir: Path):
        self.env = env
        self.port = port
        self.log_path = log_dir / f"daphne-{port}.log"
        self.process: subprocess.Popen | None = None

    def start(self):
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port)]
            + ["config.asgi:application"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            try:
                with closing(socket.create_connection(("127.0.0.1", self.port), 0.5)):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start in 30 s")

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def servers(server_env, tmp_path):
    started = [Server(server_env, _free_port(), tmp_path) for _ in range(2)]
    for server in started:
        server.start()
    yield started
    for server in started:
        server.stop()


async def _connect(port: int, request_id: int, cookie: str):
    from websockets.asyncio.client import connect

    return await connect(
        f"ws://127.0.0.1:{port}/ws/request/{request_id}/?lang=en",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"sessionid={cookie}"},
        open_timeout=5,
    )


async def _next(ws, frame_type: str, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        frame = json.loads(await asyncio.wait_for(ws.recv(), max(remaining, 0.01)))
        if frame["type"] == frame_type:
            return frame


async def _send(ws, text: str, client_id: str | None = None) -> str:
    client_id = client_id or str(uuid.uuid4())
    await ws.send(json.dumps({"type": "message.send", "client_id": client_id, "text": text}))
    return client_id


async def _reconnect_with_backoff(port, request_id, cookie, timeout=30.0):
    delay = 0.1
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await _connect(port, request_id, cookie)
        except (OSError, InvalidHandshake):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


def test_messages_cross_processes_and_survive_a_server_restart(servers, server_env):
    data = _run_script(SETUP_SCRIPT, server_env)
    server_a, server_b = servers
    request_id = data["request"]

    async def scenario():
        customer = await _connect(server_a.port, request_id, data["customer"])
        manager = await _connect(server_b.port, request_id, data["manager"])
        try:
            # 1. A message crosses from process A to process B, and the receipt comes back.
            client_id = await _send(customer, "hello from A")
            sent = (await _next(customer, "message"))["message"]
            seen = (await _next(manager, "message"))["message"]
            assert seen["id"] == sent["id"] and seen["text"] == "hello from A"
            await manager.send(json.dumps({"type": "message.delivered", "ids": [seen["id"]]}))
            receipt = await _next(customer, "receipt")
            assert receipt["id"] == sent["id"] and receipt["status"] == "delivered"

            # And back from B to A.
            await _send(manager, "reply from B")
            reply = (await _next(customer, "message"))["message"]
            assert reply["text"] == "reply from B"
            assert (await _next(manager, "message"))["message"]["id"] == reply["id"]
            last_seen = max(seen["id"], reply["id"])

            # 2. Process B dies under the connected manager.
            server_b.kill()
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(manager.recv(), 5)

            missed_texts = [f"while B was down {i}" for i in range(3)]
            missed_ids = []
            for text in missed_texts:
                await _send(customer, text)
                missed_ids.append((await _next(customer, "message"))["message"]["id"])

            # 3. B comes back; the manager reconnects and syncs from the last id it saw.
            restart = asyncio.to_thread(server_b.start)
            await restart
            manager2 = await _reconnect_with_backoff(server_b.port, request_id, data["manager"])
            try:
                await manager2.send(json.dumps({"type": "sync", "after_id": last_seen}))
                synced = await _next(manager2, "sync")
                assert [m["id"] for m in synced["messages"]] == missed_ids
                assert [m["text"] for m in synced["messages"]] == missed_texts
                assert synced["has_more"] is False

                # Live again, exactly once.
                await _send(customer, "after the restart")
                await _next(customer, "message")
                live = (await _next(manager2, "message"))["message"]
                assert live["text"] == "after the restart"
                assert await _quiet(manager2)

                # A retry of the first message through the other process is stored once.
                customer_b = await _connect(server_b.port, request_id, data["customer"])
                await _send(customer_b, "hello from A", client_id=client_id)
                retried = (await _next(customer_b, "message"))["message"]
                await customer_b.close()
                assert retried["id"] == sent["id"]
            finally:
                await manager2.close()
        finally:
            await customer.close()
            await manager.close()

    try:
        asyncio.run(scenario())
    except BaseException as error:
        # The servers' own logs say why a socket closed with 1011 and the like.
        logs = "\n".join(
            f"--- {server.log_path.name}\n{_interesting(server.log_path)}" for server in servers
        )
        raise AssertionError(f"{error!r}\n{logs}") from error

    stored = _run_script(COUNT_SCRIPT, server_env)
    texts = [text for _pk, text in stored]
    assert texts == [
        "hello from A",
        "reply from B",
        "while B was down 0",
        "while B was down 1",
        "while B was down 2",
        "after the restart",
    ]


def _interesting(path: Path) -> str:
    lines = [
        line
        for line in path.read_text(errors="replace").splitlines()
        if " INFO " not in line and "HTTP " not in line and "WSCONNECT" not in line
    ]
    return "\n".join(lines[-80:])


async def _quiet(ws, seconds: float = 0.5) -> bool:
    """True when nothing else arrives (no duplicate)."""
    try:
        frame = json.loads(await asyncio.wait_for(ws.recv(), seconds))
    except TimeoutError:
        return True
    return frame["type"] != "message"
