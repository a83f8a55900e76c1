"""The servers a benchmark compares, all started with the production worker's command line
(harness.stack.worker_command): Tenant Desk, a raw ASGI app and a bare Channels consumer."""

from __future__ import annotations

import os
import secrets
import uuid
from pathlib import Path

from harness import stack as shape

# What the benchmark relaxes for loopback, besides what harness.stack relaxes (no TLS):
# the per-person send limit, which a load of 100 people sending 4 messages a second each
# would otherwise hit by design.
BENCH_ENV = {"CHAT_SEND_RATE": "1000000"}


def production_configured() -> bool:
    """PostgreSQL and Redis named in the environment: the production shape can run."""
    try:
        shape.postgres_url()
        shape.redis_url()
    except shape.Unavailable:
        return False
    return True


class EmbeddedStack(shape.Stack):
    """Tenant Desk on the embedded defaults (SQLite, in-memory layer): one worker only."""

    def __init__(self, tmp_path: Path, *, extra_env=None):
        self.tmp_path = tmp_path
        self.database = None
        self.env = {
            **os.environ,
            **shape.unit_environment(),
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
        self.workers = [shape.Worker(self.env, shape.free_port(), tmp_path)]


def tenant_desk(tmp_path: Path, *, workers: int) -> shape.Stack:
    if production_configured():
        return shape.Stack(tmp_path, workers=workers, extra_env=BENCH_ENV)
    return EmbeddedStack(tmp_path, extra_env=BENCH_ENV)


def raw_app(tmp_path: Path) -> shape.Worker:
    env = {**os.environ, "PYTHONPATH": str(shape.ROOT)}
    return shape.Worker(env, shape.free_port(), tmp_path, app="bench.raw_app:app")


def bare_consumers(tmp_path: Path, *, workers: int) -> list[shape.Worker]:
    """Bare consumers on the channel layer production uses (Redis when configured)."""
    env = {
        **os.environ,
        "PYTHONPATH": str(shape.ROOT),
        "DJANGO_SETTINGS_MODULE": "bench.bare_settings",
        "CHANNELS_PREFIX": f"td-bench-bare-{uuid.uuid4().hex[:6]}",
    }
    if not production_configured():
        env["REDIS_URL"] = ""
        workers = 1  # the in-memory layer cannot join two processes
    return [
        shape.Worker(env, shape.free_port(), tmp_path, app="bench.bare_asgi:application")
        for _ in range(workers)
    ]
