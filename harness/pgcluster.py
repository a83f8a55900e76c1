"""A PostgreSQL cluster of the test's own, so a fault (a restart) hits nobody else.

Debian's server binaries (postgresql-15), initdb into a temp folder owned by the `postgres`
OS user (PostgreSQL refuses to run as root; we are root, so every command goes through
`runuser -u postgres --`), on a free loopback port with trust authentication. Stopped and
its folder removed afterwards.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from harness.stack import Unavailable, free_port, wait_for_port


def _bin_dir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise Unavailable("PostgreSQL's server binaries are missing (Debian: postgresql)")
    return Path(found[-1]).parent


class PrivatePostgres:
    def __init__(self):
        self.bin = _bin_dir()
        if os.geteuid() != 0 or shutil.which("runuser") is None:
            raise Unavailable("a private PostgreSQL cluster needs root (runuser -u postgres)")
        # Not under the caller's 0700 temp folders: the postgres user must reach it.
        self.directory = Path(tempfile.mkdtemp(prefix="td-pg-"))
        shutil.chown(self.directory, "postgres", "postgres")
        self.data = self.directory / "data"
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str, timeout: float = 120) -> str:
        result = subprocess.run(
            ["runuser", "-u", "postgres", "--", *argv],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def _ctl(self, *args: str) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), *args)

    def init(self) -> None:
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory}"
            " -c fsync=off -c max_connections=100"
        )
        self._ctl("-l", str(self.directory / "postgres.log"), "-o", options, "-w", "start")
        wait_for_port(self.port)

    def stop(self) -> None:
        """A fast shutdown: open connections are ended, as in a restart of the service."""
        if (self.data / "postmaster.pid").exists():
            self._ctl("-m", "fast", "-w", "stop")

    def remove(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def log(self) -> str:
        path = self.directory / "postgres.log"
        return path.read_text(errors="replace") if path.exists() else ""
