"""A task worker killed while sending an e-mail, then started again the way systemd does:
the unit's ExecStartPre (`manage.py sweep_stale_jobs --worker-id %H-%i`) before its
ExecStart (`manage.py db_worker …`), both command lines read from
deploy/systemd/tenantdesk-tasks@.service, under production settings on PostgreSQL.

The mail server (aiosmtpd on 127.0.0.1) holds the first e-mail's DATA without answering, so
the worker is killed (SIGKILL) with the e-mail handed over and no answer yet: it may or may
not have been delivered. The sweep makes it "failed" and its job FAILED; the worker started
again sends the next e-mail and never the first one a second time.
"""

from __future__ import annotations

import asyncio
import shlex
import socket
import subprocess
import sys
import threading
import time

import pytest
from aiosmtpd.controller import Controller

from harness.stack import ROOT, free_port
from harness.taskworkers import TASKS_UNIT, TaskWorker
from tests.integration.stack import production_stack

INSTANCE = "1"

SEED = """
from tenantdesk.notifications.tasks import delivery_enqueue
from tests.factories import CustomerFactory, ManagerFactory
from tests.unit.chat.helpers import make_service_request
service_request = make_service_request(CustomerFactory())
people = [ManagerFactory(email=f"stale-{n}@example.com") for n in (1, 2)]
def enqueue(user):
    return delivery_enqueue(key=f"new_request:{user.pk}:{service_request.pk}",
                            kind="new_request", user_id=user.pk,
                            service_request_id=service_request.pk).pk
print(json.dumps({"first": enqueue(people[0]), "request": service_request.pk,
                  "second_user": people[1].pk}))
"""

SECOND = """
from tenantdesk.notifications.tasks import delivery_enqueue
print(json.dumps(delivery_enqueue(key="new_request:{user}:{request}", kind="new_request",
                                  user_id={user}, service_request_id={request}).pk))
"""

STATE = """
from django_tasks_db.models import DBTaskResult
from tenantdesk.notifications.models import EmailDelivery
jobs = [
    {{"status": j.status, "workers": j.worker_ids, "error": j.exception_class_path,
      "delivery": j.args_kwargs["args"][0]}}
    for j in DBTaskResult.objects.filter(task_path__endswith=".deliver_email")
    .order_by("enqueued_at")
]
deliveries = {{d.pk: [d.status, d.attempts, d.last_error]
              for d in EmailDelivery.objects.filter(pk__in={ids!r})}}
print(json.dumps({{"jobs": jobs, "deliveries": deliveries}}))
"""


class HoldingServer:
    """Accepts every e-mail, except that the first DATA is never answered (the worker is
    killed while it waits). Counts each DATA by recipient."""

    def __init__(self):
        self.data: list[str] = []
        self.first_data = threading.Event()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data.extend(envelope.rcpt_tos)
            first = len(self.data) == len(envelope.rcpt_tos)
        if first:
            self.first_data.set()
            await asyncio.sleep(3600)  # until the client is gone (and the server stopped)
        return "250 OK"

    def count(self, address: str) -> int:
        with self.lock:
            return self.data.count(address)


def sweep_command(instance: str) -> list[str]:
    """The unit's ExecStartPre for this checkout and instance."""
    text = TASKS_UNIT.read_text().replace("\\\n", " ")
    line = next(row for row in text.splitlines() if row.startswith("ExecStartPre="))
    line = line.removeprefix("ExecStartPre=").removeprefix("-")
    line = line.replace("%H", socket.gethostname()).replace("%i", instance)
    argv = shlex.split(line)
    assert argv[1:3] == ["manage.py", "sweep_stale_jobs"], argv
    return [sys.executable, *argv[1:]]


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.fixture
def mail_server():
    handler = HoldingServer()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


def test_a_worker_killed_mid_send_never_sends_that_email_twice(tmp_path, mail_server):
    server, smtp_port = mail_server
    with production_stack(tmp_path, workers=0) as stack:
        seeded = stack.python(SEED)
        first = seeded["first"]
        env = {**stack.env, "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}", "LOG_LEVEL": "INFO"}
        worker = TaskWorker(env, INSTANCE, tmp_path)
        worker.start()
        try:
            # Its production start-up takes seconds on a shared machine.
            assert server.first_data.wait(90), worker.log()[-3000:]
            worker.process.kill()  # SIGKILL while the server holds the e-mail
            worker.process.wait(timeout=10)
        finally:
            worker.stop()
        left = stack.python(STATE.format(ids=[first]))
        (job,) = left["jobs"]
        assert job["status"] == "RUNNING" and job["workers"] == [worker.worker_id]
        assert left["deliveries"][str(first)][:2] == ["sending", 1]

        # systemd starts the instance again: ExecStartPre first.
        swept = subprocess.run(
            sweep_command(INSTANCE),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert swept.returncode == 0, swept.stderr[-3000:]
        assert "1 swept, 0 enqueued again; e-mails marked failed: 1" in swept.stdout
        after = stack.python(STATE.format(ids=[first]))
        (job,) = after["jobs"]
        assert job["status"] == "FAILED"
        assert job["error"] == "tenantdesk.notifications.stale.WorkerStopped"
        status, attempts, reason = after["deliveries"][str(first)]
        assert (status, attempts) == ("failed", 1)
        assert "stopped while sending it" in reason and "not sent again" in reason

        # Then ExecStart: the worker sends what comes next, and not the first one again.
        second = stack.python(SECOND.format(user=seeded["second_user"], request=seeded["request"]))
        worker = TaskWorker(env, INSTANCE, tmp_path)
        worker.start()
        try:
            assert wait_for(lambda: server.count("stale-2@example.com") == 1, 90), worker.log()
        finally:
            assert worker.stop() == 0, worker.log()[-3000:]
        final = stack.python(STATE.format(ids=[first, second]))
    assert server.count("stale-1@example.com") == 1  # the one DATA that was held, no other
    assert final["deliveries"][str(first)][0] == "failed"
    assert final["deliveries"][str(second)][:2] == ["sent", 1]
    assert [j["delivery"] for j in final["jobs"]] == [first, second]  # none re-enqueued
    assert [j["status"] for j in final["jobs"]] == ["FAILED", "SUCCESSFUL"]
