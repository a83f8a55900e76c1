"""The whole production site on 127.0.0.1: nginx (the shipped site file) in front of uvicorn
workers (harness.stack), PostgreSQL, Redis and an S3 bucket (moto). For `make scale-test`.

What is relaxed for plain-HTTP loopback, on top of harness.stack's
DJANGO_SECURE_SSL_REDIRECT=false: nothing in the app. The site's origin on loopback is
http://127.0.0.1:<nginx port>, which Django only knows from the Host header nginx passes
($host, without the port), so that origin is named in DJANGO_CSRF_TRUSTED_ORIGINS, as an
operator serving on a non-default port would do. The session and CSRF cookies keep their
Secure flag: the test's clients send the cookies by hand, as a browser would over HTTPS.
"""

from __future__ import annotations

import os
from contextlib import ExitStack, contextmanager
from pathlib import Path

from harness.nginx import Nginx
from harness.s3 import MotoS3
from harness.stack import Stack

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | None) -> float:
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    except (FileNotFoundError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mib(pid: int | None) -> float:
    try:
        for line in open(f"/proc/{pid}/status"):  # noqa: SIM115
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, TypeError):
        pass
    return 0.0


def _status(access_line: str) -> int:
    # harness.nginx's log format: addr "request" status ...
    try:
        return int(access_line.rsplit('"', 1)[0].split('" ', 1)[1].split()[0])
    except (IndexError, ValueError):
        return 0


class Site:
    def __init__(self, stack: Stack, nginx: Nginx, s3: MotoS3):
        self.stack = stack
        self.nginx = nginx
        self.s3 = s3

    @property
    def workers(self):
        return self.stack.workers

    def worker_on(self, upstream_addr: str):
        """The worker whose address nginx reported ("127.0.0.1:PORT")."""
        port = int(upstream_addr.rsplit(":", 1)[1])
        return next(w for w in self.workers if w.port == port)

    def figures(self) -> dict:
        errors = self.nginx.error_log()
        return {
            "workers": [
                {"port": w.port, "rss_mib": rss_mib(w.pid), "cpu_s": cpu_seconds(w.pid)}
                for w in self.workers
            ],
            "nginx_rss_mib": sum(rss_mib(pid) for pid in self.nginx.pids()),
            "nginx_cpu_s": sum(cpu_seconds(pid) for pid in self.nginx.pids()),
            "nginx_error_lines": len(errors),
            "nginx_error_lines_by_level": {
                level: sum(f"[{level}]" in line for line in errors)
                for level in ("emerg", "alert", "crit", "error", "warn")
            },
            "nginx_requests": len(self.nginx.access_log()),
            "nginx_5xx": sum(_status(line) >= 500 for line in self.nginx.access_log()),
        }


@contextmanager
def running_site(directory: Path, *, redis: str | None = None, database_server=None, workers=2):
    """A started Site; everything it started is stopped (by PID) however the block ends."""
    directory.mkdir(parents=True, exist_ok=True)
    with ExitStack() as cleanup:
        s3 = MotoS3(directory)
        cleanup.callback(s3.stop)
        s3.start()
        stack = Stack(
            directory,
            redis=redis,
            workers=workers,
            database_server=database_server,
            extra_env=s3.env(),
        )
        nginx = Nginx(
            directory / "nginx",
            workers=[w.port for w in stack.workers],
            media=directory / "media",
            static=directory / "static",  # the stack's STATIC_ROOT (collectstatic below)
        )
        # Workers share this dict: set before they start.
        stack.env["DJANGO_CSRF_TRUSTED_ORIGINS"] = nginx.origin
        cleanup.callback(stack.stop)
        stack.start(static=True)
        cleanup.callback(nginx.stop)
        nginx.start()
        yield Site(stack, nginx, s3)
