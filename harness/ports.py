"""Workers on ports of their own, on a machine where other test runs pick ports too.

harness.stack.free_port() binds port 0 and closes it; until the worker binds the port
itself, any other process may take it. Then two things went wrong: the worker failed with
"address already in use", and worse, `wait_for_port` saw the other process listening and
reported the worker started, so a benchmark could load someone else's server.

OwnPortWorker keeps the production command line (the unit's `--host 127.0.0.1 --port N`)
and makes a collision harmless instead of unlikely: it counts as started only when the
socket listening on 127.0.0.1:N is one of its own process's file descriptors (/proc), and
when the port was taken first (uvicorn exits with "address already in use") it starts again
on another port. Callers read `worker.port` after `start()`.

Not uvicorn's `--fd` (the harness binds, the worker inherits the socket): uvicorn 0.54 wraps
that descriptor as AF_UNIX (`socket.fromfd(fd, AF_UNIX, …)`), so asyncio does not set
TCP_NODELAY on its connections: another server than production's for small chat frames.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from harness.stack import ROOT, Worker, free_port, worker_command

PROC = Path("/proc")
LISTEN = "0A"  # the TCP state in /proc/net/tcp
ADDRESS_IN_USE = "address already in use"  # uvicorn's message when the bind fails


def listening_inodes(port: int, *, pid: int, proc: Path = PROC) -> set[int]:
    """Inodes of the sockets listening on 127.0.0.1:port, in `pid`'s network namespace."""
    local = f"0100007F:{port:04X}"  # /proc/net/tcp writes the address as little-endian hex
    inodes = set()
    try:
        table = (proc / str(pid) / "net" / "tcp").read_text()
    except OSError:  # the process is gone
        return inodes
    for line in table.splitlines()[1:]:
        fields = line.split()
        if fields[1] == local and fields[3] == LISTEN:
            inodes.add(int(fields[9]))
    return inodes


def socket_inodes(pid: int, *, proc: Path = PROC) -> set[int]:
    """Inodes of the sockets among the process's file descriptors."""
    inodes = set()
    try:
        descriptors = list((proc / str(pid) / "fd").iterdir())
    except OSError:  # the process is gone
        return inodes
    for descriptor in descriptors:
        try:
            target = os.readlink(descriptor)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[len("socket:[") : -1]))
    return inodes


def owns_port(pid: int, port: int, *, proc: Path = PROC) -> bool:
    """True when the process itself listens on 127.0.0.1:port (not merely someone)."""
    return bool(listening_inodes(port, pid=pid, proc=proc) & socket_inodes(pid, proc=proc))


class OwnPortWorker(Worker):
    """A harness.stack.Worker that serves on a port it holds itself (see the module)."""

    attempts = 10

    def start(self, *, timeout: float = 30.0) -> None:
        for _ in range(self.attempts):
            if self._start_on(self.port, timeout):
                return
            self.port = free_port()
        raise RuntimeError(f"no free port after {self.attempts} attempts")

    def _start_on(self, port: int, timeout: float) -> bool:
        """True once serving on `port`; False when another process held it first."""
        self.port = port
        self.log_path = self.log_path.with_name(f"worker-{port}.log")
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(
                worker_command(port, self.app),
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                with self.log_path.open("rb") as log:
                    log.seek(offset)
                    tail = log.read().decode(errors="replace")
                if ADDRESS_IN_USE in tail.lower():
                    return False
                raise RuntimeError(f"worker exited while starting:\n{tail[-3000:]}")
            if owns_port(self.process.pid, port):
                return True
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the worker does not listen on port {port} after {timeout} s")
