"""The load: a separate process that drives chat sockets and measures from outside.

    python -m bench.load < spec.json > result.json

Open loop: messages are sent at fixed times (`rate` per second over all rooms, in turn),
whatever the server does; a late answer counts from the time the message was due, so a
slow server cannot slow the sender and hide its own delay. Each room has two members (a
customer and a manager); both sides send. A message's receiver acknowledges it the way
the chat page does (`message.delivered`, batched for 50 ms).

Figures: ack latency (sent → the sender's own copy back, i.e. stored and broadcast),
delivery latency (sent → the other member has it), counts of sent / acknowledged /
delivered / receipts, duplicates, messages out of order, sockets closed by the server,
error frames by code, and the CPU seconds the given server pids, this process and (spec
"postgres") the PostgreSQL backends of the stack's database used during the measured window
(from /proc; PostgresBackends).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

ACK_BATCH_SECONDS = 0.05
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (0 if it is gone)."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def all_postgres_cpu_seconds() -> float:
    """CPU of every PostgreSQL process on this machine: every database's, every test run's.
    Only a diagnostic beside PostgresBackends (what the old figure counted)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    if comm.read().strip() == "postgres":
                        total += cpu_seconds(int(entry))
            except OSError:
                continue
    return total


class PostgresBackends:
    """CPU of the PostgreSQL backends serving one database, and of no other process.

    `list_pids` answers the pids connected to that database now (pg_stat_activity, see
    `connect`). A backend lives and dies with its connection, so the list is sampled at the
    start, every POLL_SECONDS and at the end: a backend seen at the start counts from its
    CPU then, one that appeared later from zero (it was forked meanwhile), one that ended
    up to its last sample. A process is known by its pid and start time (/proc/<pid>/stat),
    so a reused pid is another backend, and only processes named postgres count.

    Not counted: the server's shared processes (WAL writer, checkpointer, the stats and
    autovacuum launchers), which work for every database on the server; and a backend's
    CPU between its last sample and its end (the stack keeps its connections: the HTTP
    pool and the sockets' database threads; `gone` says how many ended meanwhile)."""

    POLL_SECONDS = 0.25

    def __init__(self, list_pids, *, proc: str = "/proc", close=lambda: None):
        self.list_pids = list_pids
        self.proc = proc
        self.close = close
        self.first: dict[tuple[int, int], float] = {}  # (pid, start time) → CPU at first sight
        self.last: dict[tuple[int, int], float] = {}
        self.alive: set[tuple[int, int]] = set()
        self.appeared: set[tuple[int, int]] = set()
        self.missing: set[int] = set()  # listed pids with no postgres process in /proc
        self.sampled = False

    @classmethod
    def connect(cls, server_url: str, database: str) -> PostgresBackends:
        """Backends of `database`, listed through a connection to `server_url`'s own
        database (the `postgres` one), which is therefore never among them."""
        import psycopg

        conn = psycopg.connect(server_url, autocommit=True)

        def list_pids() -> list[int]:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", [database]
            ).fetchall()
            return [row[0] for row in rows]

        return cls(list_pids, close=conn.close)

    def stat(self, pid: int) -> tuple[int, float] | None:
        """(start time, CPU seconds) of a postgres process; None if gone or another program."""
        try:
            with open(f"{self.proc}/{pid}/stat") as stat:
                text = stat.read()
        except OSError:
            return None
        name, _, rest = text.partition("(")[2].rpartition(")")
        if name != "postgres":
            return None
        fields = rest.split()
        return int(fields[19]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def sample(self) -> None:
        """Reads the CPU of the database's backends now and of every backend seen before."""
        listed = set(self.list_pids())
        alive = set()
        for pid in listed | {pid for pid, _start in self.first}:
            found = self.stat(pid)
            if found is None:
                if pid in listed:  # not a postgres process of this machine (another pid space)
                    self.missing.add(pid)
                continue
            key = (pid, found[0])
            if key not in self.first:
                if pid not in listed:
                    continue  # a known backend's pid, now another process's
                self.first[key] = found[1] if not self.sampled else 0.0
                if self.sampled:
                    self.appeared.add(key)
            self.last[key] = found[1]
            alive.add(key)
        self.alive = alive
        self.sampled = True

    def seconds(self) -> float:
        """CPU seconds the database's backends used since the first sample."""
        return sum(self.last[key] - self.first[key] for key in self.first)

    def counts(self) -> dict:
        return {
            "backends": len(self.first),
            "appeared": len(self.appeared),
            "gone": len(set(self.first) - self.alive),
            "not_found": len(self.missing),
        }


def rss_kib(pid: int) -> int:
    for line in open(f"/proc/{pid}/status"):  # noqa: SIM115
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class Sent:
    due: float  # monotonic time it was due to go
    room: int
    sender: int  # index of the sending socket
    measured: bool  # inside the measured window (not warm-up)
    acked: float | None = None
    delivered: float | None = None


@dataclass
class Member:
    index: int
    room: int
    ws: object = None
    # The newest id received from each sender (the index of the member who sent it).
    last_id_from: dict = field(default_factory=dict)
    out_of_order: int = 0
    # Messages that arrived after one with a higher id from another sender (or the
    # member's own copy): people on different workers interleaving, see on_frame.
    interleaved: int = 0
    duplicates: int = 0
    closed_by_server: bool = False
    seen: set = field(default_factory=set)
    pending_acks: list = field(default_factory=list)

    @property
    def last_id(self) -> int:
        """The newest id received from anyone."""
        return max(self.last_id_from.values(), default=0)


class Load:
    def __init__(self, spec: dict):
        self.spec = spec
        self.members: list[Member] = []
        self.by_room: dict[int, list[Member]] = {}
        self.sent: dict[str, Sent] = {}
        self.receipts = 0
        self.errors: Counter = Counter()
        self.stopping = False

    async def open(self) -> float:
        """Connect every member (`concurrency` at a time); returns the seconds it took.

        The members of a room go to `ws_bases` in turn: with two workers a room's customer
        lands on one and its manager on the other."""
        bases = self.spec["ws_bases"]
        limit = asyncio.Semaphore(self.spec.get("concurrency", 50))
        joining = []
        for room in self.spec["rooms"]:
            for position, cookie in enumerate(room["cookies"]):
                member = Member(index=len(self.members), room=room["id"])
                self.members.append(member)
                self.by_room.setdefault(room["id"], []).append(member)
                joining.append((member, cookie, bases[position % len(bases)]))

        async def open_one(member: Member, cookie: str, base: str):
            async with limit:
                member.ws = await connect(
                    f"{base}/ws/request/{member.room}/?lang=en",
                    origin=base.replace("ws://", "http://", 1),
                    additional_headers={"Cookie": f"sessionid={cookie}"},
                    open_timeout=60,
                    ping_interval=None,
                    max_queue=None,
                    compression=self.spec.get("compression", "deflate"),
                )

        started = time.monotonic()
        await asyncio.gather(*(open_one(*joining_one) for joining_one in joining))
        return time.monotonic() - started

    async def read(self, member: Member) -> None:
        try:
            async for raw in member.ws:
                self.on_frame(member, json.loads(raw))
        except ConnectionClosed:
            pass
        if not self.stopping:
            member.closed_by_server = True

    def on_frame(self, member: Member, frame: dict) -> None:
        kind = frame.get("type")
        if kind == "message":
            message = frame["message"]
            key = message.get("client_id") or message["id"]
            if key in member.seen:
                member.duplicates += 1
                return
            member.seen.add(key)
            sent = self.sent.get(message.get("client_id"))
            if sent is None:
                return
            # The order kept is each sender's: their messages arrive in the order stored.
            # Messages of people on different workers may interleave a few ms apart from
            # their ids (each worker broadcasts its own); the page sorts by id. Only a
            # server with one id sequence (Tenant Desk's database) has an order to keep.
            last, newest = member.last_id_from.get(sent.sender, 0), member.last_id
            if self.spec.get("ordered_ids") and message["id"] < last:
                member.out_of_order += 1
            if self.spec.get("ordered_ids") and message["id"] < newest:
                member.interleaved += 1
            member.last_id_from[sent.sender] = max(last, message["id"])
            now = time.monotonic()
            if member.index == sent.sender:
                sent.acked = sent.acked or now
            else:
                sent.delivered = sent.delivered or now
                member.pending_acks.append(message["id"])
        elif kind == "receipt":
            self.receipts += 1
        elif kind == "error":
            self.errors[frame.get("code")] += 1

    async def acknowledge(self, member: Member) -> None:
        """As the page does: delivered ids batched, then one message.delivered frame."""
        while not self.stopping:
            await asyncio.sleep(ACK_BATCH_SECONDS)
            if member.pending_acks:
                ids, member.pending_acks = member.pending_acks, []
                try:
                    await member.ws.send(json.dumps({"type": "message.delivered", "ids": ids}))
                except ConnectionClosed:
                    return

    async def drive(self) -> dict:
        """Send for warm-up + duration seconds at the rate, then wait until every message
        is answered (or nothing moves for 3 s). Latencies count the measured window only;
        CPU counts from the first send to the end, per message answered."""
        rate, warmup, duration = self.spec["rate"], self.spec["warmup"], self.spec["duration"]
        readers = [asyncio.create_task(self.read(m)) for m in self.members]
        ackers = [asyncio.create_task(self.acknowledge(m)) for m in self.members]
        pids = self.spec.get("pids", [])
        postgres = self.postgres()
        start = time.monotonic()
        measured_from = start + warmup
        cpu_before = self.cpu(pids)
        stop_polling = asyncio.Event()
        polling = asyncio.create_task(self.poll(postgres, stop_polling)) if postgres else None
        pending_sends = set()
        text = self.spec.get("text", "bench")
        for number in range(int(rate * (warmup + duration))):
            due = start + number / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            member = self.members[number % len(self.members)]
            client_id = str(uuid.uuid4())
            self.sent[client_id] = Sent(due, member.room, member.index, due >= measured_from)
            frame = json.dumps({"type": "message.send", "client_id": client_id, "text": text})
            task = asyncio.create_task(self.send(member, frame))
            pending_sends.add(task)
            task.add_done_callback(pending_sends.discard)
        late_by = time.monotonic() - (start + warmup + duration)
        await self.drain()
        cpu_after = self.cpu(pids)
        if postgres:
            stop_polling.set()
            await polling  # a sample under way ends first: one sample at a time
            postgres.sample()
            cpu_after["postgres"] = postgres.seconds()
            postgres.close()
        await self.close_all(readers, ackers)
        report = self.report(cpu_before, cpu_after)
        report["sender_late_s"] = late_by  # > 0: the load itself could not keep the rate
        if postgres:
            report["postgres_backends"] = postgres.counts()
        return report

    def postgres(self) -> PostgresBackends | None:
        """The backends of the stack's database (spec "postgres": server and database),
        sampled once: the CPU they used so far is the baseline."""
        if not self.spec.get("postgres"):
            return None
        backends = PostgresBackends.connect(
            self.spec["postgres"]["server"], self.spec["postgres"]["database"]
        )
        backends.sample()
        return backends

    async def poll(self, postgres: PostgresBackends, stop: asyncio.Event) -> None:
        """Samples the backends until `stop` (in a thread: the query blocks)."""
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), PostgresBackends.POLL_SECONDS)
            except TimeoutError:
                await asyncio.to_thread(postgres.sample)

    async def close_all(self, readers: list, ackers: list) -> None:
        """Stop acknowledging, close every socket and let the readers end."""
        self.stopping = True
        for task in ackers:
            task.cancel()
        await asyncio.gather(*(m.ws.close() for m in self.members), return_exceptions=True)
        await asyncio.gather(*readers, return_exceptions=True)

    async def drain(self, quiet: float = 3.0, longest: float = 30.0) -> None:
        began = last_change = time.monotonic()
        answered = -1
        while time.monotonic() - began < longest:
            now_answered = sum(1 for s in self.sent.values() if s.acked and s.delivered)
            if now_answered == len(self.sent):
                await asyncio.sleep(ACK_BATCH_SECONDS * 4)  # let the last receipts come in
                return
            if now_answered != answered:
                answered, last_change = now_answered, time.monotonic()
            elif time.monotonic() - last_change > quiet:
                return
            await asyncio.sleep(0.1)

    async def send(self, member: Member, frame: str) -> None:
        try:
            await member.ws.send(frame)
        except ConnectionClosed:
            self.errors["send_on_closed"] += 1

    def cpu(self, pids: list[int]) -> dict:
        """CPU seconds so far; "postgres" (the stack's database's backends) is set by
        drive from PostgresBackends, "all_postgres" is every postgres process's here."""
        return {
            "servers": sum(cpu_seconds(pid) for pid in pids),
            "load": cpu_seconds(os.getpid()),
            "postgres": 0.0,
            "all_postgres": all_postgres_cpu_seconds() if self.spec.get("postgres") else 0.0,
        }

    def report(self, before: dict, after: dict) -> dict:
        measured = [s for s in self.sent.values() if s.measured]
        ack = [(s.acked - s.due) * 1000 for s in measured if s.acked]
        delivery = [(s.delivered - s.due) * 1000 for s in measured if s.delivered]
        answered = max(1, sum(1 for s in self.sent.values() if s.acked))
        used = {key: after[key] - before[key] for key in after}
        return {
            "rate": self.spec["rate"],
            "sent": len(self.sent),
            "acked": sum(1 for s in self.sent.values() if s.acked),
            "delivered": sum(1 for s in self.sent.values() if s.delivered),
            "measured": len(measured),
            "receipts": self.receipts,
            "duplicates": sum(m.duplicates for m in self.members),
            "out_of_order": sum(m.out_of_order for m in self.members),
            "interleaved": sum(m.interleaved for m in self.members),
            "closed_by_server": sum(m.closed_by_server for m in self.members),
            "errors": dict(self.errors),
            "ack_ms": {p: percentile(ack, p / 100) for p in (50, 95, 99)},
            "delivery_ms": {p: percentile(delivery, p / 100) for p in (50, 95, 99)},
            "cpu_seconds": used,
            "cpu_ms_per_message": {key: value * 1000 / answered for key, value in used.items()},
        }


async def idle(spec: dict) -> dict:
    """Many signed-in sockets: handshakes per second, memory per socket, one message's
    latency with all of them connected, and whether all are still open after `hold` s."""
    load = Load(spec)
    pids = spec.get("pids", [])
    rss_before = sum(rss_kib(pid) for pid in pids)
    cpu_before = load.cpu(pids)
    seconds = await load.open()
    cpu_after = load.cpu(pids)
    await asyncio.sleep(2)
    rss_after = sum(rss_kib(pid) for pid in pids)
    readers = [asyncio.create_task(load.read(m)) for m in load.members]
    await asyncio.sleep(spec["hold"])
    # One message with everyone connected: from the first room's first member to its second.
    first, second = load.by_room[spec["rooms"][0]["id"]][:2]
    client_id = str(uuid.uuid4())
    load.sent[client_id] = Sent(time.monotonic(), first.room, first.index, True)
    await first.ws.send(json.dumps({"type": "message.send", "client_id": client_id, "text": "hi"}))
    await asyncio.sleep(2)
    sent = load.sent[client_id]
    still_open = sum(1 for m in load.members if not m.closed_by_server)
    load.stopping = True
    await asyncio.gather(*(m.ws.close() for m in load.members), return_exceptions=True)
    await asyncio.gather(*readers, return_exceptions=True)
    count = len(load.members)
    return {
        "sockets": count,
        "handshakes_per_s": count / seconds,
        "cpu_ms_per_handshake": (cpu_after["servers"] - cpu_before["servers"]) * 1000 / count,
        "kib_per_socket": (rss_after - rss_before) / count,
        "still_open": still_open,
        "latency_ms": (sent.delivered - sent.due) * 1000 if sent.delivered else None,
    }


def main() -> None:
    spec = json.load(sys.stdin)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if spec.get("mode") == "idle":
        result = asyncio.run(idle(spec))
    else:

        async def chat():
            load = Load(spec)
            await load.open()
            return await load.drive()

        result = asyncio.run(chat())
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
