"""The servers a benchmark compares, all started with the production worker's command line
(harness.stack.worker_command) and environment: Tenant Desk, a raw ASGI app and a bare
Channels consumer. Each on a port it holds itself (harness.ports.OwnPortWorker): read
`worker.port` after `start()`."""

from __future__ import annotations

import os
import secrets
import uuid
from pathlib import Path
from urllib.parse import urlparse

from harness import stack as shape
from harness.ports import OwnPortWorker

# What the benchmark relaxes for loopback, besides what harness.stack relaxes (no TLS):
# the per-person send limit, which a load of 100 people sending 4 messages a second each
# would otherwise hit by design.
BENCH_ENV = {"CHAT_SEND_RATE": "1000000"}

# Variables that tune the allocator: a worker gets the unit's (deploy/systemd) and none
# from the shell that ran the benchmark, so the figures are production's allocator's.
ALLOCATOR_VARIABLES = ("MALLOC_", "GLIBC_TUNABLES", "LD_PRELOAD", "PYTHONMALLOC")


def production_configured() -> bool:
    """PostgreSQL and Redis named in the environment: the production shape can run."""
    try:
        shape.postgres_url()
        shape.redis_url()
    except shape.Unavailable:
        return False
    return True


def postgres_admin_url() -> str:
    """DATABASE_URL's server, its `postgres` database (where the load's own monitoring
    connection goes, so it is never counted among the stack's database's backends)."""
    parsed = urlparse(shape.postgres_url())
    return "postgresql://" + parsed._replace(path="/postgres").geturl().split("://", 1)[1]


def worker_environment(env: dict) -> dict:
    """`env` with the unit's Environment= lines (over any variable of the same name) and
    no allocator tuning but theirs: what the calling shell sets (MALLOC_TRIM_THRESHOLD_, a
    preloaded allocator…) is dropped, so the workers' memory is production's."""
    kept = {name: value for name, value in env.items() if not name.startswith(ALLOCATOR_VARIABLES)}
    return {**kept, **shape.unit_environment()}


class BenchStack(shape.Stack):
    """harness.stack.Stack with the benchmark's environment and workers on ports of their own."""

    def __init__(self, tmp_path: Path, *, workers: int, extra_env=None):
        super().__init__(tmp_path, workers=workers, extra_env=extra_env)
        self.env = worker_environment(self.env)
        self.workers = [
            OwnPortWorker(self.env, shape.free_port(), tmp_path) for _ in range(workers)
        ]


class EmbeddedStack(shape.Stack):
    """Tenant Desk on the embedded defaults (SQLite, in-memory layer): one worker only."""

    def __init__(self, tmp_path: Path, *, extra_env=None):
        self.tmp_path = tmp_path
        self.database = None
        self.env = worker_environment(
            {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "config.settings.local",
                "DJANGO_DEBUG": "false",
                "DEMO_DATA": "false",
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}",
                "REDIS_URL": "",
                "MEDIA_ROOT": str(tmp_path / "media"),
                "STATIC_ROOT": str(tmp_path / "static"),
                "PYTHONPATH": str(shape.ROOT),
                "LOG_LEVEL": "WARNING",
                **(extra_env or {}),
            }
        )
        self.workers = [OwnPortWorker(self.env, shape.free_port(), tmp_path)]


def tenant_desk(tmp_path: Path, *, workers: int) -> shape.Stack:
    if production_configured():
        return BenchStack(tmp_path, workers=workers, extra_env=BENCH_ENV)
    return EmbeddedStack(tmp_path, extra_env=BENCH_ENV)


def raw_app(tmp_path: Path) -> shape.Worker:
    env = worker_environment({**os.environ, "PYTHONPATH": str(shape.ROOT)})
    return OwnPortWorker(env, shape.free_port(), tmp_path, app="bench.raw_app:app")


def bare_consumers(tmp_path: Path, *, workers: int) -> list[shape.Worker]:
    """Bare consumers on the channel layer production uses (Redis when configured)."""
    env = worker_environment(
        {
            **os.environ,
            "PYTHONPATH": str(shape.ROOT),
            "DJANGO_SETTINGS_MODULE": "bench.bare_settings",
            "CHANNELS_PREFIX": f"td-bench-bare-{uuid.uuid4().hex[:6]}",
        }
    )
    if not production_configured():
        env["REDIS_URL"] = ""
        workers = 1  # the in-memory layer cannot join two processes
    return [
        OwnPortWorker(env, shape.free_port(), tmp_path, app="bench.bare_asgi:application")
        for _ in range(workers)
    ]
