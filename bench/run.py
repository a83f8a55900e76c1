"""`make bench`: Tenant Desk in the production shape measured beside its floors.

    python -m bench.run [--runs 3] [--quick] [--only chat,idle,pages,send,photo]

Starts on 127.0.0.1, each with the production worker's command line (harness.stack):
Tenant Desk (config.settings.production on PostgreSQL and Redis when DATABASE_URL and
REDIS_URL name them, else the embedded defaults, and the table says which), a raw ASGI app
speaking the chat's protocol (bench/raw_app.py) and a bare Channels consumer on the same
channel layer (bench/bare_asgi.py). Seeds Tenant Desk's database (bench/seed.py), then
runs every scenario for each server in turn, round after round (A B C A B C …), so that
whatever else the machine does falls on all of them alike. The load is a separate
process (bench/load.py, open loop); pages are fetched with wrk. Prints one table: each
figure's median over the rounds with its spread, beside the raw and bare figures and
the ratio, with the load average, and writes it to bench/results/latest.md, the same
figures for programs to bench/results/latest.json (bench/figures.py). Everything it starts
it stops, also on failure.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import re
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench import figures, pages_audit, servers
from bench.load import cpu_seconds, rss_kib

ROOT = Path(__file__).resolve().parents[1]
RATES = [50, 100, 200, 400, 800]
P99_LIMIT_MS = 100


# --- helpers ------------------------------------------------------------------------------


def run_load(spec: dict) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "bench.load"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"load failed: {result.stderr[-3000:]}")
    return json.loads(result.stdout)


def median_spread(values: list[float]) -> tuple[float, float, float] | None:
    values = [v for v in values if v is not None]
    if not values:
        return None
    return statistics.median(values), min(values), max(values)


def fmt(stat, unit: str = "", digits: int = 1) -> str:
    if stat is None:
        return "–"
    middle, low, high = stat
    text = f"{middle:.{digits}f}{unit}"
    if high - low > 0 and len({low, high}) > 1:
        text += f" ({low:.{digits}f}–{high:.{digits}f})"
    return text


def ratio(ours, floor) -> str:
    if ours is None or floor is None or not floor[0]:
        return "–"
    return f"{ours[0] / floor[0]:.1f}×"


# --- the bench ---------------------------------------------------------------------------


class Bench:
    def __init__(self, directory: Path, *, quick: bool):
        self.quick = quick
        self.production = servers.production_configured()
        self.td = servers.tenant_desk(directory / "td", workers=2)
        self.raw = servers.raw_app(directory)
        self.bare = servers.bare_consumers(directory, workers=2)
        self.data: dict = {}
        self.rounds: list[dict] = []

    def start(self) -> None:
        (self.td.tmp_path).mkdir(parents=True, exist_ok=True)
        self.td.start(static=True)
        # A year of a company's data (SPEC "Data volume") for the pages, then the rooms and
        # sessions of the chat and idle scenarios beside it (bench/seed.py).
        volume = self.td.python(
            "from bench.seed import volume\nprint(json.dumps(volume()))", timeout=1800
        )
        self.data = self.td.python("from bench.seed import seed\nprint(json.dumps(seed()))")
        self.data.update(volume)
        self.raw.start()
        for worker in self.bare:
            worker.start()

    def stop(self) -> None:
        for process in [self.raw, *self.bare]:
            process.stop()
        self.td.stop()

    # --- chat ------------------------------------------------------------------------------

    def _rooms(self, fake: bool) -> list[dict]:
        if not fake:
            return self.data["rooms"]
        return [{"id": n + 1, "cookies": ["-", "-"]} for n in range(len(self.data["rooms"]))]

    def chat(self, kind: str, rate: int, workers: int, marker: str) -> dict:
        procs = {"td": self.td.workers, "raw": [self.raw], "bare": self.bare}[kind][:workers]
        spec = {
            "ws_bases": [f"ws://127.0.0.1:{p.port}" for p in procs],
            "rooms": self._rooms(fake=kind != "td"),
            "rate": rate,
            "warmup": 2 if self.quick else 3,
            "duration": 5 if self.quick else 10,
            "drain": 3,
            "pids": [p.process.pid for p in procs],
            # The CPU of the stack's own database's backends only (bench.load.PostgresBackends).
            "postgres": (
                {"server": servers.postgres_admin_url(), "database": self.td.database.name}
                if kind == "td" and self.production
                else None
            ),
            "ordered_ids": kind == "td",
            "text": marker,
        }
        result = run_load(spec)
        if kind == "td":
            result["stored"] = self.td.python(
                "from tenantdesk.chat.models import Message\n"
                f"print(json.dumps(Message.objects.filter(text={marker!r}).count()))"
            )
        else:
            result["stored"] = result["acked"]
        per_message = result["cpu_ms_per_message"]
        result["pg_ms_per_message"] = per_message["postgres"]
        result["load_ms_per_message"] = per_message["load"]
        result["cpu_ms_per_message"] = per_message["servers"]
        if spec["postgres"]:
            # What the stack's backends used beside what every postgres process of the machine
            # did (the figure before PostgresBackends, other people's databases included).
            print(
                f"  td {rate} msg/s, {workers} worker(s): PostgreSQL CPU per message "
                f"{per_message['postgres']:.2f} ms for {spec['postgres']['database']}'s "
                f"backends {result['postgres_backends']}, {per_message['all_postgres']:.2f} ms "
                "for every postgres process here",
                file=sys.stderr,
                flush=True,
            )
        result["sustained"] = (
            result["delivered"] == result["sent"] == result["stored"]
            and not result["errors"]
            and result["delivery_ms"]["99"] is not None
            and result["delivery_ms"]["99"] < P99_LIMIT_MS
        )
        return result

    # --- idle sockets ------------------------------------------------------------------------

    def idle(self, kind: str) -> dict:
        rooms: dict[int, list[str]] = {}
        for pair in self.data["idle"]:
            rooms.setdefault(pair["id"], []).append(pair["cookie"] if kind == "td" else "-")
        worker = {"td": self.td.workers[0], "raw": self.raw, "bare": self.bare[0]}[kind]
        spec = {
            "mode": "idle",
            "ws_bases": [f"ws://127.0.0.1:{worker.port}"],
            "rooms": [{"id": rid, "cookies": cookies} for rid, cookies in rooms.items()],
            "hold": 10 if self.quick else 60,
            "concurrency": 50,
            "pids": [worker.process.pid],
        }
        return run_load(spec)

    # --- pages ---------------------------------------------------------------------------------

    def page(self, kind: str, path: str, cookie: str | None, connections: int) -> dict:
        worker = self.td.workers[0] if kind == "td" else self.raw
        seconds = 3 if self.quick else 8
        command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s"]
        if cookie:
            command += ["-H", f"Cookie: sessionid={cookie}"]
        command.append(f"http://127.0.0.1:{worker.port}{path}")
        before = cpu_seconds(worker.process.pid)
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        used = cpu_seconds(worker.process.pid) - before
        done = int(re.search(r"(\d+) requests in", output)[1])
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
        return {
            "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
            "cpu_ms": used * 1000 / max(done, 1),
            "bad": int(errors[1]) if errors else 0,
        }

    def audit(self) -> list[dict]:
        """Every page of both roles on the volume data, in the stack's own settings
        (bench/pages_audit.py): server time, SQL statements, messages read."""
        script = (
            "from dataclasses import asdict\n"
            "from bench.pages_audit import audit\n"
            "print(json.dumps([asdict(r) for r in audit(rounds=3, host='127.0.0.1')]))"
        )
        return self.td.python(script, timeout=1200)

    # --- HTTP send and the photo --------------------------------------------------------------

    def http_send(self, kind: str, count: int) -> dict:
        worker = self.td.workers[0] if kind == "td" else self.raw
        room = self.data["rooms"][0]
        path = f"/chat/{room['id']}/messages" if kind == "td" else "/"
        csrf = secrets.token_hex(16)
        conn = http.client.HTTPConnection("127.0.0.1", worker.port, timeout=60)
        before = cpu_seconds(worker.process.pid)
        started = time.monotonic()
        statuses = []
        for n in range(count):
            body = f"text=bench+http+send+{n}&client_id={uuid.uuid4()}"
            conn.request(
                "POST",
                path,
                body=body,
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": f"sessionid={room['cookies'][0]}; csrftoken={csrf}",
                    "X-CSRFToken": csrf,
                    "Accept": "application/json",
                },
            )
            response = conn.getresponse()
            response.read()
            statuses.append(response.status)
        elapsed = time.monotonic() - started
        used = cpu_seconds(worker.process.pid) - before
        conn.close()
        return {
            "cpu_ms": used * 1000 / count,
            "wall_ms": elapsed * 1000 / count,
            "ok": statuses.count(201) == count,
        }

    def photo(self, image: bytes) -> dict:
        """POST /request/new with a 12 MP phone photo as a customer's browser does, on the
        worker the idle sockets and pages did not use (its memory is the photo's)."""
        worker = self.td.workers[-1]
        cookie = self.data["customer_cookie"]
        csrf = secrets.token_hex(16)
        boundary = uuid.uuid4().hex
        fields = {
            "type": "electrical",
            "title": "Bench photo",
            "description": "A photo as phones take them.",
            "office": "101",
            "submission_key": str(uuid.uuid4()),
        }
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="IMG.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n".encode()
            + image
            + f"\r\n--{boundary}--\r\n".encode()
        )
        conn = http.client.HTTPConnection("127.0.0.1", worker.port, timeout=120)
        rss_before = rss_kib(worker.process.pid) / 1024
        before = cpu_seconds(worker.process.pid)
        started = time.monotonic()
        conn.request(
            "POST",
            "/request/new",
            body=b"".join(parts),
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Cookie": f"sessionid={cookie}; csrftoken={csrf}",
                "X-CSRFToken": csrf,
                "Host": "127.0.0.1",
            },
        )
        response = conn.getresponse()
        response.read()
        elapsed = time.monotonic() - started
        conn.close()
        time.sleep(0.5)
        return {
            "status": response.status,
            "ms": elapsed * 1000,
            "cpu_ms": (cpu_seconds(worker.process.pid) - before) * 1000,
            "rss_mib_before": rss_before,
            "rss_mib_after": rss_kib(worker.process.pid) / 1024,
        }


def phone_photo() -> tuple[bytes, float]:
    """A 12 MP JPEG like a phone's (4000×3000, photo-like noise), and what Pillow alone takes
    to decode it, re-encode it and make a 480 px thumbnail (the floor of the photo path)."""
    from PIL import Image

    coarse = Image.merge("RGB", [Image.effect_noise((250, 188), 40) for _ in range(3)]).resize(
        (4000, 3000), Image.Resampling.BICUBIC
    )
    grain = Image.merge("RGB", [Image.effect_noise((4000, 3000), 12)] * 3)
    buffer = io.BytesIO()
    Image.blend(coarse, grain, 0.3).save(buffer, format="JPEG", quality=90)
    data = buffer.getvalue()
    started = time.monotonic()
    with Image.open(io.BytesIO(data)) as image:
        image.load()
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=88)
        image.thumbnail((480, 480))
        image.save(io.BytesIO(), format="JPEG", quality=80)
    return data, (time.monotonic() - started) * 1000


# --- the table --------------------------------------------------------------------------------


def collect(bench: Bench, runs: int, only: set[str]) -> dict:
    results: dict = {"chat": {}, "chat2": {}, "idle": {}, "pages": {}, "send": {}, "photo": []}
    image, pillow_ms = phone_photo() if "photo" in only else (b"", None)
    results["pillow_ms"] = pillow_ms
    for round_number in range(runs):
        print(f"round {round_number + 1}/{runs}", file=sys.stderr, flush=True)
        if "chat" in only:
            for rate in RATES:
                for kind in ("td", "raw", "bare"):
                    marker = f"bench-{round_number}-{rate}-{kind}-1"
                    result = bench.chat(kind, rate, 1, marker)
                    results["chat"].setdefault((kind, rate), []).append(result)
                for kind in ("td", "bare") if bench.production else ():
                    marker = f"bench-{round_number}-{rate}-{kind}-2"
                    result = bench.chat(kind, rate, 2, marker)
                    results["chat2"].setdefault((kind, rate), []).append(result)
        if "idle" in only:
            for kind in ("td", "raw", "bare"):
                results["idle"].setdefault(kind, []).append(bench.idle(kind))
        if "pages" in only:
            pages = [
                ("manager list", "td", "/request/list", bench.data["volume_manager_cookie"]),
                ("customer list", "td", "/request/list", bench.data["volume_customer_cookie"]),
                (
                    "request page",
                    "td",
                    f"/request/{bench.data['volume_longest_chat']}",
                    bench.data["volume_customer_cookie"],
                ),
                ("trivial view", "td", "/", None),  # the signed-out home page
                ("trivial view", "raw", "/", None),
            ]
            for name, kind, path, cookie in pages:
                for connections in (1, 8):
                    result = bench.page(kind, path, cookie, connections)
                    results["pages"].setdefault((name, kind, connections), []).append(result)
        if "send" in only:
            for kind in ("td", "raw"):
                results["send"].setdefault(kind, []).append(
                    bench.http_send(kind, 100 if bench.quick else 300)
                )
        if "photo" in only:
            results["photo"].append(bench.photo(image))
    if "pages" in only:
        results["audit"] = bench.audit()
    return results


def table(bench: Bench, results: dict, runs: int, started: float) -> str:
    mode = (
        "production shape: config.settings.production, uvicorn, PostgreSQL, Redis"
        if bench.production
        else "embedded defaults: SQLite, in-memory channel layer (set DATABASE_URL and REDIS_URL for the production shape)"
    )
    lines = [
        f"Tenant Desk benchmark, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, {mode};",
        f"{runs} round(s), medians (min–max); load average at the end {os.getloadavg()[0]:.2f}, "
        f"{(time.monotonic() - started) / 60:.1f} min.",
        "",
        "| figure | Tenant Desk | bare Channels consumer | raw ASGI app | Tenant Desk / raw |",
        "|---|---|---|---|---|",
    ]

    def row(name, td, bare, raw, unit="", digits=1):
        lines.append(
            f"| {name} | {fmt(td, unit, digits)} | {fmt(bare, unit, digits)} | {fmt(raw, unit, digits)} | {ratio(td, raw)} |"
        )

    chat = results["chat"]

    def integrity(table, rate) -> str:
        # Late: not delivered live before the drain ended (an overloaded server's backlog).
        runs_ = table.get(("td", rate), [])
        if not runs_:
            return "–"
        late = sum(r["sent"] - r["delivered"] for r in runs_)
        twice = sum(r["duplicates"] for r in runs_)
        return f"{late} / {twice} / {sum(r['out_of_order'] for r in runs_)}"

    if chat:

        def stat(kind, rate, key, sub=None, table=chat):
            runs_ = table.get((kind, rate), [])
            return median_spread([(r[key][sub] if sub else r[key]) for r in runs_])

        row(
            "server CPU per message at 50 msg/s",
            stat("td", 50, "cpu_ms_per_message"),
            stat("bare", 50, "cpu_ms_per_message"),
            stat("raw", 50, "cpu_ms_per_message"),
            " ms",
            2,
        )
        if bench.production:
            row(
                "PostgreSQL CPU per message at 50 msg/s (the stack's database's backends)",
                stat("td", 50, "pg_ms_per_message"),
                None,
                None,
                " ms",
                2,
            )
        for rate in RATES:
            for name, key, sub, unit, digits in (
                (f"delivery p50 / p99 at {rate} msg/s (ms)", "delivery_ms", "50", "", 1),
                (f"  p99 at {rate} msg/s", "delivery_ms", "99", "", 1),
                (f"  CPU per message at {rate} msg/s", "cpu_ms_per_message", None, " ms", 2),
            ):
                row(
                    name,
                    *(stat(kind, rate, key, sub) for kind in ("td", "bare", "raw")),
                    unit,
                    digits,
                )
            lines.append(
                f"|   Tenant Desk at {rate} msg/s, late or lost / twice / out of order: 1 worker; "
                f"2 workers | {integrity(chat, rate)}; {integrity(results['chat2'], rate)} | | | |"
            )

        def best(kind, table=chat):
            rate = figures.highest_rate(table, kind)
            return (rate,) * 3 if rate else None

        row(
            "highest rate with p99 < 100 ms, nothing lost (1 worker)",
            best("td"),
            best("bare"),
            best("raw"),
            " msg/s",
            0,
        )
        if results["chat2"]:
            row(
                "  the same with 2 workers (a room's two sockets on different workers)",
                best("td", results["chat2"]),
                best("bare", results["chat2"]),
                None,
                " msg/s",
                0,
            )
        for kind, name in (("td", "Tenant Desk"), ("bare", "bare consumer"), ("raw", "raw app")):
            runs_ = [r for (k, _rate), rs in chat.items() if k == kind for r in rs]
            runs_ += [r for (k, _rate), rs in results["chat2"].items() if k == kind for r in rs]
            totals = {
                key: sum(r[key] for r in runs_)
                for key in ("sent", "stored", "delivered", "duplicates", "out_of_order")
            }
            lines.append(
                f"| {name}, all chat runs: sent / stored / delivered live / twice / out of "
                f"order | {totals['sent']} / {totals['stored']} / {totals['delivered']} / "
                f"{totals['duplicates']} / {totals['out_of_order']} | | | |"
            )
        row(
            "load generator CPU per message at the highest rate",
            stat("td", RATES[-1], "load_ms_per_message"),
            stat("bare", RATES[-1], "load_ms_per_message"),
            stat("raw", RATES[-1], "load_ms_per_message"),
            " ms",
            2,
        )
    idle = results["idle"]
    if idle:

        def istat(kind, key):
            return median_spread([r[key] for r in idle.get(kind, [])])

        count = idle["td"][0]["sockets"]
        row(
            f"handshakes/s, {count} signed-in sockets",
            istat("td", "handshakes_per_s"),
            istat("bare", "handshakes_per_s"),
            istat("raw", "handshakes_per_s"),
            "/s",
            0,
        )
        row(
            "  CPU per handshake",
            istat("td", "cpu_ms_per_handshake"),
            istat("bare", "cpu_ms_per_handshake"),
            istat("raw", "cpu_ms_per_handshake"),
            " ms",
            2,
        )
        row(
            "memory per idle socket",
            istat("td", "kib_per_socket"),
            istat("bare", "kib_per_socket"),
            istat("raw", "kib_per_socket"),
            " KiB",
            0,
        )
        row(
            "a message's latency with all connected",
            istat("td", "latency_ms"),
            istat("bare", "latency_ms"),
            istat("raw", "latency_ms"),
            " ms",
            1,
        )
        row(
            "sockets still open after the hold",
            istat("td", "still_open"),
            istat("bare", "still_open"),
            istat("raw", "still_open"),
            "",
            0,
        )
    pages = results["pages"]
    if pages:
        for name in ("manager list", "customer list", "request page", "trivial view"):
            for connections in (1, 8):
                td = pages.get((name, "td", connections), [])
                raw = pages.get(("trivial view", "raw", connections), [])
                refused = sum(r["bad"] for r in td)
                row(
                    f"{name}: req/s at {connections} connection(s)"
                    + (f" ({refused} answers not 2xx/3xx)" if refused else ""),
                    median_spread([r["rps"] for r in td]),
                    None,
                    median_spread([r["rps"] for r in raw]),
                    "",
                    0,
                )
            td = pages.get((name, "td", 1), [])
            raw = pages.get(("trivial view", "raw", 1), [])
            row(
                f"  {name}: CPU per request",
                median_spread([r["cpu_ms"] for r in td]),
                None,
                median_spread([r["cpu_ms"] for r in raw]),
                " ms",
                2,
            )
    audit = results.get("audit")
    if audit:
        lines += ["", f"Every page on the volume data ({bench.data['volume_sizes']}):", ""]
        lines.append(pages_audit.table([pages_audit.PageResult(**r) for r in audit]))
    send = results["send"]
    if send:
        row(
            "HTTP send of one message: CPU",
            median_spread([r["cpu_ms"] for r in send["td"]]),
            None,
            median_spread([r["cpu_ms"] for r in send["raw"]]),
            " ms",
            2,
        )
    if results["photo"]:
        photos = results["photo"]
        pillow = results["pillow_ms"]
        row(
            "12 MP photo through /request/new",
            median_spread([r["ms"] for r in photos]),
            None,
            (pillow, pillow, pillow),
            " ms",
            0,
        )
        lines.append(
            "| (raw column: Pillow alone decoding, re-encoding and thumbnailing it) | | | | |"
        )
        for when in ("before", "after"):
            row(
                f"  worker RSS {when} it",
                median_spread([r[f"rss_mib_{when}"] for r in photos]),
                None,
                None,
                " MiB",
                0,
            )
        bad = [r["status"] for r in photos if r["status"] != 302]
        if bad:
            lines.append(f"| photo uploads refused | {bad} | | | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1 round, short windows")
    parser.add_argument("--only", default="chat,idle,pages,send,photo")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("make bench needs wrk (Debian: apt-get install wrk)")
    runs = 1 if args.quick else args.runs
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 2,000 sockets per worker
    started, load_at_start = time.monotonic(), os.getloadavg()
    scenarios = set(args.only.split(","))
    with tempfile.TemporaryDirectory(prefix="tenantdesk-bench-") as directory:
        bench = Bench(Path(directory), quick=args.quick)
        try:
            bench.start()
            results = collect(bench, runs, scenarios)
        finally:
            bench.stop()
    report = table(bench, results, runs, started)
    print(report)
    meta = figures.metadata(
        ROOT,
        production=bench.production,
        rounds=runs,
        quick=args.quick,
        scenarios=scenarios,
        load_at_start=load_at_start,
        minutes=(time.monotonic() - started) / 60,
    )
    data = {**figures.figures(results), "meta": meta}
    figures.write(ROOT / "bench" / "results", table=report, data=data)


if __name__ == "__main__":
    main()
