"""bench/results/latest.json: the run's figures for a program to read, beside the table.

Flat dotted keys, one a figure (`"chat.p99_ms_at_50"`, `"pages.cpu_ms.trivial"`), each
mapping the servers it was measured on ("td": Tenant Desk, "bare": the bare Channels
consumer, "raw": the raw ASGI app) to the figure's median over the rounds; counts of
messages lost, late or duplicated are totals over every chat run instead (a message lost
in one round of three is not a median's business). `null`: measured, no value (e.g. no
message delivered). A scenario left out (`--only`) leaves its keys out. "meta" says which
run: date, commit, mode, rounds, load average. bench/README.md lists the keys.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from pathlib import Path

SERVERS = ("td", "bare", "raw")
LOWEST_RATE = 50  # msg/s: the chat figures "at 50"
PAGES = {  # the table's names → the keys'
    "manager list": "manager_list",
    "customer list": "customer_list",
    "request page": "request_page",
    "trivial view": "trivial",
}


def median(values) -> float | None:
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def highest_rate(runs: dict, kind: str) -> int | None:
    """The highest offered rate every round of `kind` sustained (bench.run: p99 below the
    limit, nothing lost, no error): 0 if none did, None if `kind` was not run."""
    rates = sorted(rate for (k, rate) in runs if k == kind)
    if not rates:
        return None
    passing = [rate for rate in rates if all(r["sustained"] for r in runs[(kind, rate)])]
    return max(passing, default=0)


def figures(results: dict) -> dict:
    """{dotted figure name: {server: value}} from bench.run.collect's results."""
    out: dict[str, dict] = {}
    chat, chat2 = results.get("chat") or {}, results.get("chat2") or {}
    if chat:

        def at_lowest(pick, kinds=SERVERS) -> dict:
            return {k: median(pick(r) for r in chat.get((k, LOWEST_RATE), [])) for k in kinds}

        out["chat.cpu_ms_per_message"] = at_lowest(lambda r: r["cpu_ms_per_message"])
        if any("postgres_backends" in r for r in chat.get(("td", LOWEST_RATE), [])):
            out["chat.pg_cpu_ms_per_message"] = at_lowest(lambda r: r["pg_ms_per_message"], ["td"])
        out["chat.p50_ms_at_50"] = at_lowest(lambda r: r["delivery_ms"]["50"])
        out["chat.p99_ms_at_50"] = at_lowest(lambda r: r["delivery_ms"]["99"])
        out["chat.max_rate_1_worker"] = {k: highest_rate(chat, k) for k in SERVERS}
        if chat2:  # the production shape only: the in-memory layer cannot join 2 processes
            out["chat.max_rate_2_workers"] = {k: highest_rate(chat2, k) for k in ("td", "bare")}
        every = {
            kind: [
                r
                for table in (chat, chat2)
                for (k, _), rs in table.items()
                if k == kind
                for r in rs
            ]
            for kind in SERVERS
        }
        # Lost: never stored (Tenant Desk: not in the database after the run; a floor, which
        # stores nothing: never echoed back). Late: not delivered live to the other member by
        # the end of the run's drain (an overloaded server's backlog, or a missed delivery).
        for key, count in (
            ("chat.lost", lambda r: r["sent"] - r["stored"]),
            ("chat.late", lambda r: r["sent"] - r["delivered"]),
            ("chat.duplicated", lambda r: r["duplicates"]),
        ):
            out[key] = {kind: sum(count(r) for r in runs) for kind, runs in every.items() if runs}
    idle = results.get("idle") or {}
    if idle:
        for key in ("handshakes_per_s", "cpu_ms_per_handshake", "kib_per_socket"):
            out[f"idle.{key}"] = {k: median(r[key] for r in idle.get(k, [])) for k in SERVERS}
    pages = results.get("pages") or {}
    if pages:
        for name, key in PAGES.items():
            figure = {"td": median(r["cpu_ms"] for r in pages.get((name, "td", 1), []))}
            if (name, "raw", 1) in pages:
                figure["raw"] = median(r["cpu_ms"] for r in pages[(name, "raw", 1)])
            out[f"pages.cpu_ms.{key}"] = figure
    send = results.get("send") or {}
    if send:
        out["send.cpu_ms"] = {k: median(r["cpu_ms"] for r in runs) for k, runs in send.items()}
    if results.get("photo"):
        photos = results["photo"]
        out["photo.ms"] = {
            "td": median(r["ms"] for r in photos),
            "raw": median([results["pillow_ms"]]),
        }
        out["photo.rss_mib_after"] = {"td": median(r["rss_mib_after"] for r in photos)}
    return out


def git(root: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=30, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip()


def metadata(
    root: Path, *, production: bool, rounds: int, quick: bool, scenarios, load_at_start, minutes
) -> dict:
    """Which run the figures are of: the checkout (commit and whether files differed from
    it), the mode, the rounds and how busy the machine was (load averages 1/5/15 min)."""
    status = git(root, "status", "--porcelain", "--untracked-files=no")
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "commit": git(root, "rev-parse", "HEAD"),
        "uncommitted_changes": None if status is None else bool(status),
        "mode": "production" if production else "embedded",
        "rounds": rounds,
        "quick": quick,
        "scenarios": sorted(scenarios),
        "cores": os.cpu_count(),
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "load_average_at_start": [round(v, 2) for v in load_at_start],
        "minutes": round(minutes, 1),
    }


def write(directory: Path, *, table: str, data: dict) -> None:
    """latest.md and latest.json, each replaced whole (a reader never sees half a file)."""
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n"
    for name, content in (("latest.md", table + "\n"), ("latest.json", text)):
        partial = directory / f".{name}.partial"
        partial.write_text(content)
        os.replace(partial, directory / name)
