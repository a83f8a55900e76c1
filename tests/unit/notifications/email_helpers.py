"""Helpers for the e-mail tests: run the task worker, age messages, post messages."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

from django_tasks_db.management.commands import db_worker
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from tenantdesk.chat.models import Message
from tenantdesk.notifications import digests
from tenantdesk.notifications.models import EmailDelivery, PendingDigest


def run_worker() -> int:
    """One pass of django_tasks_db's own worker over every job that is due: the code that
    `manage.py db_worker` runs, in this process. Returns how many jobs ran."""
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    # The loop drops "old" connections between jobs; inside a test's transaction on
    # PostgreSQL that would close the test's own connection (SQLite's in-memory one is never
    # closed). Everything else is the worker's code.
    with mock.patch.object(db_worker, "close_old_connections"):
        worker.run()
    return worker._run_tasks


def jobs(task_name: str | None = None, *, ready_only: bool = False):
    qs = DBTaskResult.objects.all()
    if ready_only:
        qs = qs.ready()
    if task_name:
        qs = qs.filter(task_path__endswith="." + task_name)
    return qs


def move_back(seconds: float) -> None:
    """Move time forward for everything stored: messages, deliveries and queued jobs
    happened `seconds` earlier (the code under test reads the real clock)."""
    delta = timedelta(seconds=seconds)
    for message in Message.objects.all():
        Message.objects.filter(pk=message.pk).update(created_at=message.created_at - delta)
    for delivery in EmailDelivery.objects.all():
        EmailDelivery.objects.filter(pk=delivery.pk).update(
            created_at=delivery.created_at - delta,
            sent_at=delivery.sent_at - delta if delivery.sent_at else None,
        )
    for pending in PendingDigest.objects.all():
        PendingDigest.objects.filter(pk=pending.pk).update(due_at=pending.due_at - delta)
    # What this process remembers of waiting digest jobs moves with them.
    for key, due in list(digests._known_waiting.items()):
        digests._known_waiting[key] = due - delta
    for job in DBTaskResult.objects.filter(status="READY"):
        if job.run_after.year < 9999:
            DBTaskResult.objects.filter(pk=job.pk).update(run_after=job.run_after - delta)
