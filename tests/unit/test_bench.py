"""The benchmark's parts (the benchmark itself runs with `make bench`, never in the test
suite): the baselines answer the chat's protocol, so the figures compare like with like;
PostgreSQL's CPU is the stack's database's backends' only; latest.json holds every figure;
the workers run with the unit's environment, on ports of their own."""

import http.client
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from channels.testing import WebsocketCommunicator

from bench import figures, servers
from bench.load import CLOCK_TICKS, PostgresBackends, percentile
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


# --- the PostgreSQL CPU of the stack's own database (bench.load.PostgresBackends) -----------


class FakeProc:
    """A /proc of a few processes: name, start time and CPU ticks each."""

    def __init__(self, root: Path):
        self.root = root

    def set(self, pid: int, *, name="postgres", start=1000, ticks=0) -> None:
        # /proc/<pid>/stat: after "(comm)", field 14/15 (utime, stime) and 22 (starttime).
        fields = ["S"] + ["0"] * 10 + [str(ticks), "0"] + ["0"] * 6 + [str(start), "0"]
        (self.root / str(pid)).mkdir(exist_ok=True)
        (self.root / str(pid) / "stat").write_text(f"{pid} ({name}) {' '.join(fields)}\n")

    def end(self, pid: int) -> None:
        (self.root / str(pid) / "stat").unlink()


def backends_of(proc: FakeProc, listed: list[int]) -> PostgresBackends:
    return PostgresBackends(lambda: list(listed), proc=str(proc.root))


def ticks(seconds: float) -> int:
    return round(seconds * CLOCK_TICKS)


def test_only_the_backends_of_the_stacks_database_count(tmp_path):
    proc = FakeProc(tmp_path)
    proc.set(101, ticks=ticks(5))  # a backend of the stack's database
    proc.set(102, ticks=ticks(5))  # another database's backend, on the same server
    backends = backends_of(proc, [101])
    backends.sample()
    proc.set(101, ticks=ticks(7))
    proc.set(102, ticks=ticks(50))
    backends.sample()
    assert backends.seconds() == pytest.approx(2.0)
    assert backends.counts() == {"backends": 1, "appeared": 0, "gone": 0, "not_found": 0}


def test_backends_that_come_and_go_count_while_they_serve_the_database(tmp_path):
    proc = FakeProc(tmp_path)
    listed = [101]
    proc.set(101, ticks=ticks(5))
    backends = backends_of(proc, listed)
    backends.sample()
    # A pool connection opened meanwhile: all its CPU was used after the first sample.
    proc.set(103, start=2000, ticks=ticks(1))
    listed.append(103)
    backends.sample()
    proc.set(103, start=2000, ticks=ticks(3))
    backends.sample()
    # 101 disconnects: what it used up to its last sample stays counted.
    proc.set(101, ticks=ticks(6))
    backends.sample()
    proc.end(101)
    listed.remove(101)
    backends.sample()
    assert backends.seconds() == pytest.approx(1.0 + 3.0)
    assert backends.counts() == {"backends": 2, "appeared": 1, "gone": 1, "not_found": 0}


def test_a_reused_pid_is_another_process(tmp_path):
    proc = FakeProc(tmp_path)
    listed = [101]
    proc.set(101, ticks=ticks(5))
    backends = backends_of(proc, listed)
    backends.sample()
    proc.end(101)
    listed.remove(101)
    backends.sample()
    # The pid comes back as another database's backend: not ours.
    proc.set(101, start=3000, ticks=ticks(40))
    backends.sample()
    assert backends.seconds() == 0.0
    # ...then as a backend of ours again: counted from zero.
    listed.append(101)
    proc.set(101, start=4000, ticks=ticks(2))
    backends.sample()
    assert backends.seconds() == pytest.approx(2.0)


def test_a_listed_pid_that_is_no_postgres_process_here_is_reported_not_counted(tmp_path):
    # PostgreSQL in another pid namespace (a container): its pids name other processes here.
    proc = FakeProc(tmp_path)
    proc.set(101, name="python3", ticks=ticks(5))
    backends = backends_of(proc, [101, 102])
    backends.sample()
    proc.set(101, name="python3", ticks=ticks(9))
    backends.sample()
    assert backends.seconds() == 0.0
    assert backends.counts()["not_found"] == 2


@pytest.mark.services  # so CI's PostgreSQL stage runs it (tests/conftest.py, --services-only)
def test_the_monitoring_connection_finds_a_busy_backend_of_the_database():
    """Against DATABASE_URL's PostgreSQL server when there is one (else skipped): the
    pg_stat_activity query and /proc agree on a backend that works."""
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        pytest.skip("needs DATABASE_URL naming PostgreSQL")
    import psycopg

    server = servers.postgres_admin_url()
    with psycopg.connect(server, autocommit=True) as busy:
        pid = busy.execute("SELECT pg_backend_pid()").fetchone()[0]
        backends = PostgresBackends.connect(server, "postgres")
        try:
            backends.sample()
            busy.execute("SELECT count(*) FROM generate_series(1, 3000000)").fetchone()
            backends.sample()
        finally:
            backends.close()
    busy_cpu = [backends.last[key] - backends.first[key] for key in backends.first if key[0] == pid]
    assert busy_cpu and busy_cpu[0] > 0


# --- latest.json (bench.figures) -------------------------------------------------------------


def chat_run(cpu, p50, p99, *, sustained=True, sent=100, stored=100, delivered=100, dup=0):
    return {
        "cpu_ms_per_message": cpu,
        "pg_ms_per_message": cpu / 4,
        "postgres_backends": {"backends": 9},
        "delivery_ms": {"50": p50, "95": p99, "99": p99},
        "sustained": sustained,
        "sent": sent,
        "stored": stored,
        "delivered": delivered,
        "duplicates": dup,
    }


def three_rounds_of_results() -> dict:
    chat: dict = {}
    for kind, base in (("td", 4.0), ("bare", 1.5), ("raw", 0.3)):
        chat[(kind, 50)] = [chat_run(base + d, 5 + d, 20 + d) for d in (1.0, -1.0, 0.0)]
        chat[(kind, 100)] = [chat_run(base, 8, 60) for _ in range(3)]
        chat[(kind, 200)] = [chat_run(base, 9, 90), chat_run(base, 9, 150, sustained=False)]
        chat[(kind, 200)].append(chat_run(base, 9, 90))
    chat[("td", 100)][1] = chat_run(4.0, 8, 60, stored=97, delivered=95, dup=2)
    chat2 = {
        ("td", 50): [chat_run(5.0, 6, 30) for _ in range(3)],
        ("td", 100): [chat_run(5.0, 6, 300, sustained=False) for _ in range(3)],
        ("bare", 50): [chat_run(2.0, 3, 9) for _ in range(3)],
    }
    idle = {
        kind: [{"handshakes_per_s": h, "cpu_ms_per_handshake": 1.0, "kib_per_socket": 30.0 + h}]
        for kind, h in (("td", 90.0), ("bare", 350.0), ("raw", 380.0))
    }
    pages = {
        (name, "td", connections): [{"cpu_ms": 10.0 * (n + 1), "rps": 50.0, "bad": 0}]
        for n, name in enumerate(figures.PAGES)
        for connections in (1, 8)
    }
    pages[("trivial view", "raw", 1)] = [{"cpu_ms": 0.2, "rps": 900.0, "bad": 0}]
    send = {"td": [{"cpu_ms": 12.0}], "raw": [{"cpu_ms": 0.4}]}
    return {
        "chat": chat,
        "chat2": chat2,
        "idle": idle,
        "pages": pages,
        "send": send,
        "photo": [],
        "pillow_ms": None,
    }


def test_latest_json_has_every_figure_of_the_issue_as_medians_of_the_rounds(tmp_path):
    meta = figures.metadata(
        ROOT,
        production=True,
        rounds=3,
        quick=False,
        scenarios={"chat", "idle", "pages", "send"},
        load_at_start=(1.0, 2.0, 3.0),
        minutes=12.0,
    )
    figures.write(
        tmp_path,
        table="| a | table |",
        data={**figures.figures(three_rounds_of_results()), "meta": meta},
    )
    data = json.loads((tmp_path / "latest.json").read_text())
    assert (tmp_path / "latest.md").read_text() == "| a | table |\n"
    three = {"td", "bare", "raw"}
    expected_servers = {
        "chat.cpu_ms_per_message": three,
        "chat.pg_cpu_ms_per_message": {"td"},
        "chat.p50_ms_at_50": three,
        "chat.p99_ms_at_50": three,
        "chat.max_rate_1_worker": three,
        "chat.max_rate_2_workers": {"td", "bare"},
        "chat.lost": three,
        "chat.late": three,
        "chat.duplicated": three,
        "idle.handshakes_per_s": three,
        "idle.cpu_ms_per_handshake": three,
        "idle.kib_per_socket": three,
        "pages.cpu_ms.manager_list": {"td"},
        "pages.cpu_ms.customer_list": {"td"},
        "pages.cpu_ms.request_page": {"td"},
        "pages.cpu_ms.trivial": {"td", "raw"},
        "send.cpu_ms": {"td", "raw"},
    }
    assert {key: set(value) for key, value in data.items() if key != "meta"} == expected_servers
    for key, value in data.items():
        if key != "meta":
            assert all(isinstance(v, int | float) for v in value.values()), key
    # Medians of the three rounds (5.0, 3.0, 4.0 for Tenant Desk at 50 msg/s).
    assert data["chat.cpu_ms_per_message"] == {"td": 4.0, "bare": 1.5, "raw": 0.3}
    assert data["chat.p99_ms_at_50"]["td"] == 20.0
    # 200 msg/s failed in one round of three: 100 is the highest every round sustained.
    assert data["chat.max_rate_1_worker"]["td"] == 100
    assert data["chat.max_rate_2_workers"] == {"td": 50, "bare": 50}
    # Counts are totals over every run: the one round that lost 3 and doubled 2.
    assert data["chat.lost"] == {"td": 3, "bare": 0, "raw": 0}
    assert data["chat.late"]["td"] == 5
    assert data["chat.duplicated"]["td"] == 2
    assert data["pages.cpu_ms.trivial"] == {"td": 40.0, "raw": 0.2}
    assert data["send.cpu_ms"]["td"] == 12.0
    assert (
        data["meta"]["commit"]
        == subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    )
    assert data["meta"]["mode"] == "production" and data["meta"]["rounds"] == 3
    assert data["meta"]["load_average_at_start"] == [1.0, 2.0, 3.0]
    assert len(data["meta"]["load_average"]) == 3 and data["meta"]["date"]


def test_a_rate_no_round_sustained_is_zero_and_a_scenario_not_run_has_no_keys():
    results = three_rounds_of_results()
    for key in list(results["chat"]):
        results["chat"][key] = [{**r, "sustained": False} for r in results["chat"][key]]
    results["idle"] = results["pages"] = results["send"] = {}
    data = figures.figures(results)
    assert data["chat.max_rate_1_worker"] == {"td": 0, "bare": 0, "raw": 0}
    assert not [key for key in data if not key.startswith("chat.")]


def test_the_readme_documents_every_key_of_latest_json():
    readme = (ROOT / "bench" / "README.md").read_text()
    keys = set(figures.figures(three_rounds_of_results())) | {"photo.ms", "photo.rss_mib_after"}
    assert not [key for key in keys if f"`{key}`" not in readme]


# --- the data (bench.seed) ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_chat_rooms_are_seeded_beside_other_data_in_the_database():
    """`make bench` seeds the pages' year of data (seed.volume) first, in the same database:
    the rooms and idle sockets are made of the bench's own organisations all the same."""
    from bench.seed import CHAT_ROOMS, SESSIONS, seed
    from tenantdesk.service_requests.models import ServiceRequest
    from tests.factories import CustomerFactory

    other = CustomerFactory()
    ServiceRequest.objects.create(
        organisation=other.organisation,
        author=other,
        type=ServiceRequest.Type.values[0],
        title="Someone else's request",
        description="Not the bench's.",
        office="1",
        photo="bench/none.jpg",
        photo_thumbnail="bench/none_thumb.jpg",
    )
    data = seed()
    rooms = ServiceRequest.objects.filter(pk__in=[room["id"] for room in data["rooms"]])
    assert len(data["rooms"]) == CHAT_ROOMS and len(data["idle"]) == SESSIONS
    assert not rooms.filter(organisation=other.organisation).exists()


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
