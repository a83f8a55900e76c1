"""Soak through nginx: 200 signed-in sockets over 100 requests (a customer and a manager
each), 50 messages a second for 80 s, every socket also idle for 40 s in a stretch.
Beside them, one more request's two chat sockets and its customer's inbox socket (the live
list's) stay silent for the whole soak, as tabs nobody touches; then a message must reach
both of the customer's sockets. This is the suite's only soak: the integration tests' idle
sockets of half a minute and a minute moved here (they cost CI a minute and a half).

The load is bench.load's open-loop client (messages go out at fixed times whatever the
server does; each receiver acknowledges as the page does), on a schedule of two phases:
the rooms are in two groups and each group is silent for one whole phase, so every socket
holds an idle stretch of 40 s (nothing sent, nothing received) between busy ones. Then:
sent = stored = received by the other member, none twice, none out of order (each sender's
messages in the order stored), none refused,
no socket closed by the server (each proves it is still open with a last `sync`, which
must also bring nothing it had missed)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest
from websockets.asyncio.client import connect

from bench.load import ACK_BATCH_SECONDS, Load, Sent
from harness.wsclient import ws_connect, ws_next, ws_send_text
from tests.scale.conftest import seed, stored

SCENARIO = "soak"
ROOMS = 100
RATE = 50  # messages per second, over all rooms
DURATION = 80  # seconds
GROUPS = 2  # each silent for one phase of DURATION / GROUPS seconds
IDLE_AT_LEAST = 30


class Soak(Load):
    def __init__(self, spec: dict):
        super().__init__(spec)
        self.activity: dict[int, list[float]] = {}
        self.probes: dict[int, asyncio.Future] = {}

    def touch(self, member) -> None:
        self.activity.setdefault(member.index, []).append(time.monotonic())

    def on_frame(self, member, frame: dict) -> None:
        self.touch(member)
        if frame.get("type") == "sync" and member.index in self.probes:
            self.probes[member.index].set_result(frame)
        super().on_frame(member, frame)

    async def send(self, member, frame: str) -> None:
        self.touch(member)
        await super().send(member, frame)

    async def acknowledge(self, member) -> None:
        while not self.stopping:
            await asyncio.sleep(ACK_BATCH_SECONDS)
            if member.pending_acks:
                ids, member.pending_acks = member.pending_acks, []
                await self.send(member, json.dumps({"type": "message.delivered", "ids": ids}))

    async def run(self) -> dict:
        opened_in = await self.open()
        opened_at = time.monotonic()
        for member in self.members:
            self.activity[member.index] = [opened_at]
        readers = [asyncio.create_task(self.read(m)) for m in self.members]
        ackers = [asyncio.create_task(self.acknowledge(m)) for m in self.members]
        groups = {room["id"]: n % GROUPS for n, room in enumerate(self.spec["rooms"])}
        phase_seconds = DURATION / GROUPS
        # In phase p every group but p talks; its members take turns.
        speakers = [[m for m in self.members if groups[m.room] != p] for p in range(GROUPS)]
        turns = [0] * GROUPS
        pids = self.spec["pids"]
        cpu_before = self.cpu(pids)
        start = time.monotonic()
        for number in range(RATE * DURATION):
            due = start + number / RATE
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            phase = min(int((due - start) / phase_seconds), GROUPS - 1)
            member = speakers[phase][turns[phase] % len(speakers[phase])]
            turns[phase] += 1
            client_id = str(uuid.uuid4())
            self.sent[client_id] = Sent(due, member.room, member.index, True)
            frame = json.dumps({"type": "message.send", "client_id": client_id, "text": "soak"})
            asyncio.create_task(self.send(member, frame))  # noqa: RUF006 (drained below)
        late_by = time.monotonic() - (start + DURATION)
        await self.drain(quiet=5, longest=60)
        cpu_after = self.cpu(pids)
        gaps = {index: self.longest_gap(times) for index, times in self.activity.items()}
        probes = await self.probe()
        await self.close_all(readers, ackers)
        report = self.report(cpu_before, cpu_after)
        report.update(
            opened_in=opened_in,
            sender_late_s=late_by,
            gaps=gaps,
            probes=probes,
        )
        return report

    @staticmethod
    def longest_gap(times: list[float]) -> float:
        moments = sorted(times) + [time.monotonic()]
        return max(b - a for a, b in zip(moments, moments[1:], strict=False))

    async def probe(self) -> dict:
        """A `sync` from each socket's last message: answered (still open), nothing missed."""
        loop = asyncio.get_running_loop()
        for member in self.members:
            self.probes[member.index] = loop.create_future()
            await self.send(member, json.dumps({"type": "sync", "after_id": member.last_id}))
        answered, missed = 0, 0
        for member in self.members:
            try:
                frame = await asyncio.wait_for(self.probes[member.index], 20)
            except TimeoutError:
                continue
            answered += 1
            missed += len(frame["messages"])
        return {"answered": answered, "missed": missed}


class IdleTabs:
    """A request's chat open in the customer's and the manager's tab, and the customer's
    list (the inbox socket), none of them sending or receiving anything for the soak."""

    def __init__(self, port: int, room: dict):
        self.port, self.room = port, room

    async def open(self) -> None:
        port, room = self.port, self.room
        self.manager = await ws_connect(port, room["id"], room["manager"])
        self.customer = await ws_connect(port, room["id"], room["customer"])
        self.inbox = await connect(
            f"ws://127.0.0.1:{port}/ws/inbox/?lang=en",
            origin=f"http://127.0.0.1:{port}",
            additional_headers={"Cookie": f"sessionid={room['customer']}"},
            open_timeout=10,
            ping_interval=None,  # as idle as a list page nobody touches
        )
        self.opened_at = time.monotonic()

    async def prove_still_open(self) -> float:
        """The seconds they stayed silent; then the manager's message reaches the
        customer's chat and list. A socket the server closed meanwhile raises here."""
        idle = time.monotonic() - self.opened_at
        for socket in (self.manager, self.customer, self.inbox):
            with pytest.raises(TimeoutError):  # nothing came (a close would raise instead)
                await asyncio.wait_for(socket.recv(), 0.2)
        await ws_send_text(self.manager, "after a quiet soak")
        frame = await ws_next(self.customer, "message", timeout=10)
        assert frame["message"]["text"] == "after a quiet soak"
        frame = await ws_next(self.inbox, "request.message", timeout=10)
        assert frame["service_request_id"] == self.room["id"]
        for socket in (self.manager, self.customer, self.inbox):
            await socket.close()
        return idle


async def soak_beside_idle_tabs(load: Soak, idle: IdleTabs) -> tuple[dict, float]:
    await idle.open()
    report = await load.run()
    return report, await idle.prove_still_open()


def test_soak_200_sockets_50_messages_a_second_with_idle_stretches(site, figures):
    data = seed(site, ROOMS, "soak")
    quiet = seed(site, 1, "soak-idle")["rooms"][0]
    spec = {
        "ws_bases": [f"ws://127.0.0.1:{site.nginx.port}"],
        "rooms": [{"id": r["id"], "cookies": [r["customer"], r["manager"]]} for r in data["rooms"]],
        "rate": RATE,
        "ordered_ids": True,
        "compression": None,
        "concurrency": 20,
        "pids": [w.pid for w in site.workers],
        "postgres": False,
    }
    load = Soak(spec)
    rss_before = site.figures()["workers"]
    report, idle_seconds = asyncio.run(
        soak_beside_idle_tabs(load, IdleTabs(site.nginx.port, quiet))
    )
    rss_after = site.figures()["workers"]
    database = stored(site, [room["id"] for room in data["rooms"]])
    gaps = sorted(report["gaps"].values())

    add = lambda what, value: figures.add(SCENARIO, what, value)  # noqa: E731
    add("sockets (rooms)", f"{len(load.members)} ({ROOMS})")
    add("sockets opened in s", report["opened_in"])
    add("messages sent", report["sent"])
    add("messages stored", database["total"])
    add("received by the other member", report["delivered"])
    add("own copies back (stored + broadcast)", report["acked"])
    add("receipts received", report["receipts"])
    add("duplicates / out of order", f"{report['duplicates']} / {report['out_of_order']}")
    # Not an error: the other member's message and one's own copy come from two workers,
    # each broadcasting after its own commit; the page places messages by id.
    add("own copy and the other's interleaved (ids)", report["interleaved"])
    add("sockets closed by the server", report["closed_by_server"])
    add("error frames", report["errors"] or 0)
    add("delivery ms p50/p95/p99", "/".join(f"{v:.0f}" for v in report["delivery_ms"].values()))
    add("ack ms p50/p95/p99", "/".join(f"{v:.0f}" for v in report["ack_ms"].values()))
    add("sender late at the end s", report["sender_late_s"])
    add("longest idle stretch held s (max)", gaps[-1])
    add("shortest of the sockets' longest idle s", gaps[0])
    add("silent chat and list sockets held s", idle_seconds)
    add(
        "final sync answered / brought missed",
        f"{report['probes']['answered']} / {report['probes']['missed']}",
    )
    add("worker CPU ms per message", report["cpu_ms_per_message"]["servers"])
    for before, after in zip(rss_before, rss_after, strict=True):
        add(
            f"worker :{after['port']} RSS MiB before/after",
            f"{before['rss_mib']:.0f}/{after['rss_mib']:.0f}",
        )

    sent = set(load.sent)
    assert report["sent"] == RATE * DURATION
    assert database["doubled"] == []
    stored_ids = {c for ids in database["by_request"].values() for c in ids}
    assert stored_ids == sent, (len(stored_ids), len(sent))
    assert database["total"] == len(sent)
    assert report["delivered"] == report["acked"] == len(sent)
    # Each sender's messages reach the other member in the order they were stored.
    assert report["out_of_order"] == 0
    assert report["duplicates"] == 0
    assert report["errors"] == {}
    assert report["closed_by_server"] == 0
    assert report["probes"] == {"answered": len(load.members), "missed": 0}
    assert gaps[0] >= IDLE_AT_LEAST, gaps[:5]
    assert idle_seconds >= DURATION
