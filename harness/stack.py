"""The production shape, started on this machine for a test, a benchmark or a scale test.

What production runs, not the embedded defaults: uvicorn workers started with the command
line of deploy/systemd/tenantdesk@.service, `config.settings.production`, a PostgreSQL
database of their own on the server DATABASE_URL names, and Redis (REDIS_URL's server, or a
private redis-server the test may stop and restart). Only what plain-HTTP loopback needs
is relaxed: DJANGO_SECURE_SSL_REDIRECT=false (there is no TLS in front).

The caller never imports the workers' settings; it prepares and inspects their database
through small Django scripts run as subprocesses (`Stack.python`). A service the shape needs
and cannot find raises Unavailable; tests turn that into a skip (tests/integration/stack.py).
"""

from __future__ import annotations

import atexit
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from urllib.parse import urlparse

from harness.scripts import ScriptRunner

ROOT = Path(__file__).resolve().parents[1]
SYSTEMD_UNIT = ROOT / "deploy" / "systemd" / "tenantdesk@.service"
POSTGRES_SCHEMES = ("postgres://", "postgresql://", "pgsql://")


class Unavailable(Exception):
    """A service the production shape needs is not there (the message says which)."""


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 30.0, process=None, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log else ""
            raise RuntimeError(f"process exited while starting:\n{tail}")
        try:
            with closing(socket.create_connection(("127.0.0.1", port), 0.5)):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


def postgres_url() -> str:
    """The PostgreSQL server of DATABASE_URL; production-shape tests need one."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(POSTGRES_SCHEMES):
        raise Unavailable("the production shape needs PostgreSQL: set DATABASE_URL=postgres://…")
    return url


def redis_url() -> str:
    """The machine's Redis from REDIS_URL, checked to answer."""
    url = os.environ.get("REDIS_URL", "")
    if not url:
        raise Unavailable("the production shape needs Redis: set REDIS_URL=redis://…")
    parsed = urlparse(url)
    try:
        with closing(socket.create_connection((parsed.hostname, parsed.port or 6379), 2)):
            pass
    except OSError:
        raise Unavailable(f"Redis is not reachable at {url}") from None
    return url


class PrivateRedis:
    """A redis-server of the test's own on a free port, so faults hit nobody else."""

    def __init__(self, directory: Path):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise Unavailable("redis-server is not installed (Debian: redis-server)")
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        log = self.directory / f"redis-{self.port}.log"
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
            + ["--logfile", str(log)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, process=self.process, log=log)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


class PrivateDatabase:
    """A database of its own on DATABASE_URL's PostgreSQL server, dropped afterwards."""

    def __init__(self, server_url: str, suffix: str):
        import psycopg  # noqa: F401  (a dependency; imported here to fail early if missing)

        self.server_url = server_url
        parsed = urlparse(server_url)
        base = os.environ.get("TEST_DATABASE_NAME", "test_tenantdesk")
        self.name = f"{base}_{suffix}"
        admin = parsed._replace(path="/postgres").geturl()
        self._admin = "postgresql://" + admin.split("://", 1)[1]
        self.url = parsed._replace(path=f"/{self.name}").geturl()

    def _execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self._admin, autocommit=True) as conn:
            conn.execute(sql)

    def create(self, template: str | None = None) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        copy = f' TEMPLATE "{template}"' if template else ""
        self._execute(f'CREATE DATABASE "{self.name}"{copy}')

    def drop(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def drop_quietly(self) -> None:
        # At exit: the server may be gone already (a private cluster a test stopped).
        with suppress(Exception):
            self.drop()


# Migrated template databases of this process, by PostgreSQL server (Stack._migrated_template).
_TEMPLATES: dict[str, str] = {}


def unit_environment() -> dict[str, str]:
    """The Environment= lines of the worker's unit (e.g. the allocator's tuning)."""
    pairs = [
        line.removeprefix("Environment=").split("=", 1)
        for line in SYSTEMD_UNIT.read_text().splitlines()
        if line.startswith("Environment=")
    ]
    return {name: value for name, value in pairs if name != "DJANGO_SETTINGS_MODULE"}


PRODUCTION_APP = "config.asgi:application"


def worker_command(port: int, app: str = PRODUCTION_APP) -> list[str]:
    """The ExecStart of deploy/systemd/tenantdesk@.service, for this checkout and port.

    `app` swaps the ASGI application for another served the same way (the benchmark's
    baselines run on exactly the production worker's flags)."""
    text = SYSTEMD_UNIT.read_text().replace("\\\n", " ")
    line = next(row for row in text.splitlines() if row.startswith("ExecStart="))
    argv = shlex.split(line.removeprefix("ExecStart=").replace("%i", str(port)))
    assert Path(argv[0]).name == "uvicorn" and PRODUCTION_APP in argv, argv
    argv[argv.index(PRODUCTION_APP)] = app
    return [sys.executable, "-m", "uvicorn", *argv[1:]]


class Worker:
    """One uvicorn worker process of the stack on a fixed port (so it can come back on it)."""

    def __init__(self, env: dict, port: int, log_dir: Path, app: str = PRODUCTION_APP):
        self.env = env
        self.port = port
        self.app = app
        self.log_path = log_dir / f"worker-{port}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            worker_command(self.port, self.app),
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, process=self.process, log=self.log_path)

    def signal(self, signum: int) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signum)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None


class Stack:
    """Workers of config.settings.production on a private PostgreSQL database and Redis."""

    def __init__(
        self,
        tmp_path: Path,
        *,
        redis: str | None = None,
        workers: int = 2,
        extra_env=None,
        database_server: str | None = None,
    ):
        """database_server: a PostgreSQL server URL other than DATABASE_URL's (a private
        cluster a test may restart, harness.pgcluster)."""
        redis = redis or redis_url()
        self.tmp_path = tmp_path
        self.database = PrivateDatabase(database_server or postgres_url(), f"stack_{os.getpid()}")
        self.env = {
            **os.environ,
            **unit_environment(),
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            # Loopback has no TLS in front: the one production setting relaxed here.
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": self.database.url,
            "REDIS_URL": redis,
            "CHANNELS_PREFIX": f"td-stack-{uuid.uuid4().hex[:8]}",
            "MEDIA_ROOT": str(tmp_path / "media"),
            "STATIC_ROOT": str(tmp_path / "static"),
            "PYTHONPATH": str(ROOT),
            "LOG_LEVEL": "WARNING",
            **(extra_env or {}),
        }
        for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", "TEST_SQLITE_NAME"):
            self.env.pop(name, None)
        self.workers = [Worker(self.env, free_port(), tmp_path) for _ in range(workers)]

    _scripts: ScriptRunner | None = None

    def python(self, code: str, *, timeout: float = 180) -> object:
        """Runs Django code under the stack's settings; returns the JSON of its last line.

        In one long-lived process per stack (harness.scripts), started again if the
        stack's environment changed since."""
        runner = self._scripts
        if runner is None or runner.process.poll() is not None or runner.env != self.env:
            if runner is not None:
                runner.stop()
            runner = self._scripts = ScriptRunner(
                self.env, ROOT, self.tmp_path / f"scripts-{uuid.uuid4().hex[:8]}.log"
            )
        lines = runner.run(code, timeout=timeout).strip().splitlines()
        return json.loads(lines[-1]) if lines else None

    def manage(self, *args: str, env: dict[str, str] | None = None) -> None:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]

    def start(self, *, static: bool = False) -> None:
        (self.tmp_path / "static").mkdir(exist_ok=True)
        if self.database is None:  # a subclass on SQLite (bench.servers)
            self.manage("migrate", "--noinput", "-v", "0")
        else:
            self.database.create(template=self._migrated_template())
        if static:  # pages need the manifest of hashed static files
            self.manage("collectstatic", "--noinput", "-v", "0")
        for worker in self.workers:
            worker.start()

    def _migrated_template(self) -> str:
        """A migrated database on this stack's PostgreSQL server, made once per process and
        copied for every stack (CREATE DATABASE … TEMPLATE takes 0.1 s, migrate 5–9 s)."""
        server = self.database.server_url
        if server not in _TEMPLATES:
            template = PrivateDatabase(server, f"template_{os.getpid()}")
            template.create()
            atexit.register(template.drop_quietly)
            self.manage("migrate", "--noinput", "-v", "0", env={"DATABASE_URL": template.url})
            _TEMPLATES[server] = template.name
        return _TEMPLATES[server]

    def stop(self) -> None:
        if self._scripts is not None:
            self._scripts.stop()
            self._scripts = None
        for worker in self.workers:
            worker.stop()
        if self.database is not None:
            self.database.drop()

    def logs(self) -> str:
        return "\n".join(f"--- {w.log_path.name}\n{w.log()[-6000:]}" for w in self.workers)


@contextmanager
def running_stack(directory: Path, *, static: bool = False, **options):
    """A started Stack, stopped (and its database dropped) however the block ends."""
    stack = Stack(directory, **options)
    try:
        stack.start(static=static)
        yield stack
    finally:
        stack.stop()
