"""One long-lived Django process per stack for the small scripts a test runs under the
stack's settings (`Stack.python`).

Each script used to start a Python process of its own: Django's set-up under production
settings costs about 2.5 s of CPU, and the integration and scale tests ran some forty
scripts. Here one process sets Django up once and runs the scripts one after the other,
each in a namespace of its own, reading its printed output as before. After each script
it closes the database connections and their pool, so a script that follows a PostgreSQL
restart or an outage connects anew, as a new process did. If the stack's environment
changed since the process started, the next script starts a new one (the environment is
its settings).

The protocol: one JSON line per script in on stdin, one JSON line out on a pipe of its own
(the script's prints inside it), so the process's own output (logging) never mixes with it.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

SERVER = r"""
import contextlib, io, json, os, sys, traceback
answers = os.fdopen(int(sys.argv[1]), "w")
import django
django.setup()
from django.db import connections
for line in sys.stdin:
    code = json.loads(line)
    printed, names = io.StringIO(), {"__name__": "__main__", "json": json, "django": django}
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(code, "<Stack.python>", "exec"), names)
        answer = {"stdout": printed.getvalue()}
    except BaseException:
        answer = {"stdout": printed.getvalue(), "error": traceback.format_exc()}
    finally:
        for connection in connections.all(initialized_only=True):
            connection.close()
            # Production's pool keeps its connections past close(): a new one, as a new
            # process had (its old connections may have met an outage).
            if getattr(connection, "pool", None) is not None:
                connection.close_pool()
    answers.write(json.dumps(answer) + "\n")
    answers.flush()
"""


class ScriptRunner:
    """A Django process under `env`'s settings that runs scripts sent to it, in turn."""

    def __init__(self, env: dict[str, str], cwd: Path, log_path: Path):
        self.env = dict(env)
        self.log_path = log_path
        self.lock = threading.Lock()
        read, write = os.pipe()
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", SERVER, str(write)],
                cwd=cwd,
                env=self.env,
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(write,),
            )
        os.close(write)
        self.answers = os.fdopen(read, "r")

    def run(self, code: str, *, timeout: float) -> str:
        """What the script printed; AssertionError (with the traceback) if it raised."""
        with self.lock:
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps(code).encode() + b"\n")
            self.process.stdin.flush()
            deadline = time.monotonic() + timeout
            while not select.select([self.answers], [], [], 1)[0]:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(f"the script did not answer:\n{self.log()}")
            line = self.answers.readline()
        if not line:
            raise AssertionError(f"the script process ended:\n{self.log()}")
        answer = json.loads(line)
        assert "error" not in answer, answer["error"][-3000:] + self.log()
        return answer["stdout"]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""

    def stop(self) -> None:
        assert self.process.stdin is not None
        if not self.process.stdin.closed:
            self.process.stdin.close()  # the loop ends at the end of its input
        if self.process.poll() is None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.answers.close()
