"""Clients of the site through nginx: HTTP from a chosen source address, and chat people who
behave like the chat page (an outbox resent with the same client_id after a reconnect,
`sync` from the last message seen)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from http.client import HTTPConnection

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

SETTLE_SECONDS = 10  # store.js's SETTLE_MS


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


def request(
    port: int,
    method: str,
    path: str,
    *,
    cookie: str | None = None,
    body: bytes | None = None,
    headers: dict | None = None,
    source: str = "127.0.0.1",
    timeout: float = 60,
) -> Answer:
    """One request to nginx on 127.0.0.1 from `source` (127.0.0.2 is another client)."""
    connection = HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    csrf = secrets.token_hex(16)  # any 32-character secret: the cookie and the field agree
    cookies = f"csrftoken={csrf}" + (f"; sessionid={cookie}" if cookie else "")
    all_headers = {"Cookie": cookies, "X-CSRFToken": csrf, "User-Agent": "scale-test"}
    all_headers.update(headers or {})
    try:
        connection.request(method, path, body=body, headers=all_headers)
        response = connection.getresponse()
        return Answer(
            response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        )
    finally:
        connection.close()


def multipart(fields: dict, files: list[tuple[str, str, str, bytes]] = ()) -> tuple[bytes, str]:
    """A multipart/form-data body: fields, and files as (field, file name, type, bytes)."""
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        disposition = f'Content-Disposition: form-data; name="{name}"'
        parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
    for name, filename, content_type, data in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post_message(port: int, request_id: int, cookie: str, text: str, client_id: str, files=()):
    """POST /chat/<id>/messages, as the chat page's fallback does."""
    body, content_type = multipart({"text": text, "client_id": client_id}, files)
    return request(
        port,
        "POST",
        f"/chat/{request_id}/messages",
        cookie=cookie,
        body=body,
        headers={"Content-Type": content_type, "Accept": "application/json"},
    )


def sign_in(port: int, username: str, password: str, *, source: str, forged: str | None = None):
    """POST the sign-in form from `source`, optionally with a forged X-Forwarded-For."""
    csrf = secrets.token_hex(16)
    form = f"csrfmiddlewaretoken={csrf}&username={username}&password={password}".encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"csrftoken={csrf}",
    }
    if forged:
        headers["X-Forwarded-For"] = forged
    return request(port, "POST", "/accounts/login", body=form, headers=headers, source=source)


async def ws_open(port: int, request_id: int, cookie: str):
    return await connect(
        f"ws://127.0.0.1:{port}/ws/request/{request_id}/?lang=en",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"sessionid={cookie}"},
        open_timeout=20,
        ping_interval=None,  # as the page: an idle socket sends nothing
        max_queue=None,
    )


def upstream_of(ws) -> str:
    """The worker that took this socket (the harness adds X-Upstream-Addr); nginx lists
    every worker it tried, the one that answered last."""
    return ws.response.headers["X-Upstream-Addr"].split(",")[-1].strip()


async def ws_open_on(port: int, request_id: int, cookie: str, worker_port: int, wait=20.0):
    """A socket that landed on the given worker: nginx takes workers in turn, so a socket
    that landed elsewhere is closed and the next one lands on the next worker."""
    deadline = time.monotonic() + wait
    while True:
        ws = await ws_open(port, request_id, cookie)
        if upstream_of(ws) == f"127.0.0.1:{worker_port}":
            return ws
        await ws.close()
        if time.monotonic() > deadline:
            raise AssertionError(f"no socket landed on worker {worker_port} in {wait} s")
        await asyncio.sleep(0.2)


@dataclass
class Person:
    """One chat tab: what it sent, what it has, and how its socket fared."""

    name: str
    port: int
    request_id: int
    cookie: str
    ws: object = None
    received: dict = field(default_factory=dict)  # message id -> client_id
    live_ids: list = field(default_factory=list)
    synced: list = field(default_factory=list)  # ids returned by sync, every page
    duplicates: int = 0  # a message had twice, other than the answer to a resend
    resent: set = field(default_factory=set)  # client_ids written more than once
    outbox: dict = field(default_factory=dict)  # client_id -> text, until stored
    sent: list = field(default_factory=list)  # client ids in the order they were written
    closes: list = field(default_factory=list)  # close codes seen (None: no close frame)
    errors: list = field(default_factory=list)  # error frames
    upstreams: list = field(default_factory=list)
    arrived: dict = field(default_factory=dict)  # message id -> when it came
    dropped_at: float = 0.0
    brought: list = field(default_factory=list)  # ids sync brought that were not had
    reader: asyncio.Task | None = None
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def last_id(self) -> int:
        return max(self.received, default=0)

    async def connect(self, worker_port: int | None = None) -> None:
        if worker_port is None:
            self.ws = await ws_open(self.port, self.request_id, self.cookie)
        else:
            self.ws = await ws_open_on(self.port, self.request_id, self.cookie, worker_port)
        self.upstreams.append(upstream_of(self.ws))
        self.closed = asyncio.Event()
        self._sync_page = asyncio.Queue()
        self.reader = asyncio.create_task(self._read(self.ws))

    async def _read(self, ws) -> None:
        try:
            async for raw in ws:
                self._on_frame(json.loads(raw))
        except ConnectionClosed:
            pass
        finally:
            received = ws.protocol.close_rcvd  # None: dropped without a close frame
            self.closes.append(received.code if received is not None else None)
            self.dropped_at = time.monotonic()
            self.closed.set()

    def _take(self, message: dict) -> bool:
        """Records a message; False if it was had already."""
        if message["id"] in self.received:
            return False
        self.received[message["id"]] = message.get("client_id")
        self.arrived[message["id"]] = time.monotonic()
        if message.get("client_id") in self.outbox:  # client ids are this sender's own
            del self.outbox[message["client_id"]]
        return True

    def _on_frame(self, frame: dict) -> None:
        if frame["type"] == "message":
            message = frame["message"]
            # A resend of a stored message is answered with it (the page drops the copy).
            if not self._take(message) and message.get("client_id") not in self.resent:
                self.duplicates += 1
            self.live_ids.append(message["id"])
        elif frame["type"] == "sync":
            self._sync_page.put_nowait(frame)
        elif frame["type"] == "error":
            self.errors.append(frame)

    async def send(self, text: str, client_id: str | None = None) -> str:
        client_id = client_id or str(uuid.uuid4())
        if client_id in self.sent:
            self.resent.add(client_id)
        else:
            self.sent.append(client_id)
        self.outbox[client_id] = text
        frame = json.dumps({"type": "message.send", "client_id": client_id, "text": text})
        # On a closed socket it stays in the outbox: sent again after the reconnect.
        with contextlib.suppress(ConnectionClosed):
            await self.ws.send(frame)
        return client_id

    def settled_id(self) -> int:
        """As the page (store.js): the catch-up starts below whatever came in the last
        SETTLE_SECONDS before the drop, since a message stored earlier may have been on
        its way from another worker."""
        cutoff = self.dropped_at - SETTLE_SECONDS
        return max((i for i, at in self.arrived.items() if at <= cutoff), default=0)

    async def sync(self, after: int | None = None) -> list[int]:
        """Everything after `after` (the last message seen), page by page; returns the ids."""
        ids = []
        after = self.last_id if after is None else after
        while True:
            await self.ws.send(json.dumps({"type": "sync", "after_id": after}))
            page = await asyncio.wait_for(self._sync_page.get(), 20)
            for message in page["messages"]:
                ids.append(message["id"])
                if self._take(message):
                    self.brought.append(message["id"])
                after = max(after, message["id"])
            if not page["has_more"]:
                break
        self.synced.extend(ids)
        return ids

    async def reconnect(self, timeout: float = 30, worker_port: int | None = None) -> float:
        """As the page: connect again with growing pauses, sync, resend the outbox.
        Returns the seconds until the socket was open again."""
        started = time.monotonic()
        delay = 0.05
        while True:
            try:
                await self.connect(worker_port)
                if self.ws.close_code is not None:  # accepted, then closed at once
                    raise OSError(f"closed with {self.ws.close_code}")
                break
            except (OSError, InvalidHandshake, TimeoutError):
                if time.monotonic() - started > timeout:
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
        seconds = time.monotonic() - started
        await self.sync(self.settled_id())
        for client_id, text in list(self.outbox.items()):
            await self.send(text, client_id)
        return seconds

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await asyncio.gather(self.reader, return_exceptions=True)


async def settle(people: list[Person], seconds: float = 15) -> None:
    """Wait until every outbox is empty (everything sent was stored and came back)."""
    deadline = time.monotonic() + seconds
    while any(p.outbox for p in people) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.5)  # the other side's copies are a broadcast behind


async def customer_and_manager(site, room: dict) -> tuple[Person, Person]:
    """The room's customer connected to the first worker and its manager to the second,
    both through nginx: every message between them crosses the channel layer."""
    first, second = site.workers
    customer = Person("customer", site.nginx.port, room["id"], room["customer"])
    manager = Person("manager", site.nginx.port, room["id"], room["manager"])
    await customer.connect(worker_port=first.port)
    await manager.connect(worker_port=second.port)
    return customer, manager
