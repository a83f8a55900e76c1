"""What the live list's socket costs, measured on the production shape (harness.stack: one
uvicorn worker with the unit's flags, config.settings.production, PostgreSQL, Redis).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python -m bench.inbox_sockets [--sockets 1000]

For each kind of socket (the inbox socket /ws/inbox/ and the chat socket /ws/request/<id>/),
on a fresh worker: N signed-in sockets opened 50 at a time (handshakes per second, worker
CPU per handshake), the worker's RSS growth per socket once they are all open; then what
a page does on an event: GET /live/unread (the badge) and GET /request/list (a manager's
list of 50 requests, re-fetched by the list page), worker CPU per request. Prints a table
(docs/live-updates.md keeps the figures and the decision they support).
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import tempfile
import time
from pathlib import Path

from bench.load import cpu_seconds, rss_kib
from harness.stack import Stack

SEED = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
from datetime import timedelta
from tenantdesk.accounts.models import Organisation, User
from tenantdesk.accounts.roles import MANAGER_GROUP
from tenantdesk.service_requests.models import ServiceRequest

organisation = Organisation.objects.create(name="Measure LLC", address="1", phone="+79090951670")
customer = User.objects.create(username="c", organisation=organisation)
manager = User.objects.create(username="m")
manager.groups.add(Group.objects.get(name=MANAGER_GROUP))
requests = [
    ServiceRequest.objects.create(
        organisation=organisation, author=customer, type="plumbing", title=f"Leak {n}",
        description="Water.", office=str(n), photo="x.jpg", photo_thumbnail="x.jpg",
    )
    for n in range(50)
]
def session(user):
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "tenantdesk.accounts.backends.PeopleBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key
print(json.dumps({"customer": session(customer), "manager": session(manager),
                  "request": requests[0].pk}))
"""


async def open_sockets(port: int, path: str, cookie: str, count: int, batch: int = 50):
    from websockets.asyncio.client import connect

    async def one():
        return await connect(
            f"ws://127.0.0.1:{port}{path}",
            origin=f"http://127.0.0.1:{port}",
            additional_headers={"Cookie": f"sessionid={cookie}"},
            open_timeout=30,
            ping_interval=None,
        )

    sockets = []
    for start in range(0, count, batch):
        sockets += await asyncio.gather(*(one() for _ in range(min(batch, count - start))))
    return sockets


def measure_sockets(worker, path: str, cookie: str, count: int) -> dict:
    async def run():
        warm = await open_sockets(worker.port, path, cookie, 5)
        for socket in warm:
            await socket.close()
        await asyncio.sleep(1)
        rss_before, cpu_before = rss_kib(worker.pid), cpu_seconds(worker.pid)
        started = time.monotonic()
        sockets = await open_sockets(worker.port, path, cookie, count)
        elapsed = time.monotonic() - started
        cpu = cpu_seconds(worker.pid) - cpu_before
        await asyncio.sleep(3)  # let the worker settle before reading its memory
        rss = rss_kib(worker.pid) - rss_before
        for socket in sockets:
            await socket.close()
        return {
            "handshakes_per_s": count / elapsed,
            "cpu_ms_per_handshake": cpu * 1000 / count,
            "kib_per_socket": rss / count,
        }

    return asyncio.run(run())


def measure_page(worker, path: str, cookie: str, count: int = 100) -> float:
    """Worker CPU per GET, milliseconds (one keep-alive connection, sequential)."""
    connection = http.client.HTTPConnection("127.0.0.1", worker.port)
    headers = {"Cookie": f"sessionid={cookie}", "Host": "127.0.0.1"}

    def get():
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        assert response.status == 200, (path, response.status)

    for _ in range(10):
        get()
    before = cpu_seconds(worker.pid)
    for _ in range(count):
        get()
    return (cpu_seconds(worker.pid) - before) * 1000 / count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--pages-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        stack = Stack(Path(directory), workers=1)
        try:
            stack.start(static=True)
            seeded = stack.python(SEED)
            worker = stack.workers[0]
            rows = {}
            kinds = (
                ("inbox", "/ws/inbox/?lang=en"),
                ("chat", f"/ws/request/{seeded['request']}/?lang=en"),
            )
            for name, path in () if args.pages_only else kinds:
                worker.stop()
                worker.start()  # a fresh worker for each kind: memory is not given back
                rows[name] = measure_sockets(worker, path, seeded["manager"], args.sockets)
            pages = {
                "/live/unread": measure_page(worker, "/live/unread", seeded["manager"]),
                "/request/list": measure_page(worker, "/request/list", seeded["manager"]),
            }
        finally:
            stack.stop()
    print(f"{args.sockets} signed-in sockets of each kind, one worker (a manager's session)")
    print("| socket | handshakes/s | worker CPU per handshake | memory per idle socket |")
    print("|---|---|---|---|")
    for name, row in rows.items():
        print(
            f"| {name} | {row['handshakes_per_s']:.0f} | {row['cpu_ms_per_handshake']:.2f} ms "
            f"| {row['kib_per_socket']:.1f} KiB |"
        )
    print("| request | worker CPU per request |")
    print("|---|---|")
    for path, ms in pages.items():
        print(f"| GET {path} | {ms:.2f} ms |")


if __name__ == "__main__":
    main()
