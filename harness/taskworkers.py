"""Task workers (django-tasks' db_worker) started with the command line of
deploy/systemd/tenantdesk-tasks@.service, for the scale test."""

from __future__ import annotations

import shlex
import signal
import socket
import subprocess
import sys
from pathlib import Path

from harness.stack import ROOT

TASKS_UNIT = ROOT / "deploy" / "systemd" / "tenantdesk-tasks@.service"


def task_worker_command(instance: str) -> list[str]:
    """The unit's ExecStart for this checkout and instance (%H: this host, %i: instance)."""
    text = TASKS_UNIT.read_text().replace("\\\n", " ")
    line = next(row for row in text.splitlines() if row.startswith("ExecStart="))
    line = line.replace("%H", socket.gethostname()).replace("%i", instance)
    argv = shlex.split(line.removeprefix("ExecStart="))
    assert Path(argv[0]).name == "python" and argv[1:3] == ["manage.py", "db_worker"], argv
    return [sys.executable, *argv[1:]]


class TaskWorker:
    def __init__(self, env: dict, instance: str, log_dir: Path):
        self.env = env
        self.instance = instance
        self.log_path = log_dir / f"task-worker-{instance}.log"
        self.process: subprocess.Popen | None = None

    @property
    def worker_id(self) -> str:
        argv = task_worker_command(self.instance)
        return argv[argv.index("--worker-id") + 1]

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            task_worker_command(self.instance),
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM, as systemd stops it: it finishes its job, then exits. Its exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
