"""Jobs and e-mails left behind by a task worker that died mid-job (SIGKILL, the OOM killer,
a power cut, systemd's kill after TimeoutStopSec).

django_tasks_db has nothing for this: a job it hands to a worker goes READY → RUNNING (with
the worker's id and `started_at`) and only that worker ever moves it on, to SUCCESSFUL or
FAILED. There is no heartbeat and no reclaiming, so the row of a job whose worker died
stays RUNNING for good, and so does an e-mail it had taken ("sending").

stale_jobs_sweep finds them and finishes them the way the e-mail rule allows (at most once:
never twice, never silently lost):

- A job is stale when it has been RUNNING for longer than TASKS_STALE_AFTER_SECONDS, or at
  once when it ran on the worker about to start under the same id (`--worker-id`: systemd
  starts an instance only after its previous process is gone). Its row becomes FAILED
  with the reason (Tasks → Task results in the admin site).
- deliver_email: an e-mail it had taken ("sending") may have reached the mail server, so it
  is never sent again; it becomes failed with the reason (Notifications → E-mails). One
  still pending was never taken, so nothing can have gone out: the job is enqueued again,
  and the claim (pending → sending) still lets one job only send it.
- The jobs that only decide and claim e-mails (send_digests, notify_*) are enqueued again:
  each e-mail they claim has a unique key, so a second run claims only what the first one
  did not get to.
- Any other job (a Web Push: a second push would show twice) is only marked failed.
- An e-mail still "sending" TASKS_STALE_AFTER_SECONDS after it was taken, whatever happened
  to its job (e.g. the worker died between the server's "250" and writing "sent", and the
  job row was pruned), becomes failed the same way.

A worker that was only slow, not dead, is not hurt: its own "sent" or "successful" written
later replaces "failed". The threshold is far above the longest job (an e-mail's SMTP
conversation is bounded by 30 s per step), so that is an oddity, not a double send.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tenantdesk.notifications.models import EmailDelivery
from tenantdesk.notifications.tasks import (
    deliver_email,
    notify_new_request,
    notify_request_closed,
    notify_request_reopened,
    send_digests,
)

logger = logging.getLogger(__name__)

# Safe to run again: they only claim e-mails by unique keys.
RERUN = {
    job.module_path
    for job in (send_digests, notify_request_closed, notify_new_request, notify_request_reopened)
}


class WorkerStopped(Exception):
    """Named in a swept job's row (exception class): its worker stopped while running it."""


def _job_reason(job: DBTaskResult, *, dead_worker_id: str | None) -> str:
    worker = job.worker_ids[-1] if job.worker_ids else "?"
    why = (
        "was started again"
        if worker == dead_worker_id
        else f"gave no result for over {settings.TASKS_STALE_AFTER_SECONDS} s"
    )
    return (
        f"The task worker {worker} stopped while running this job: it {why} "
        f"(job started {job.started_at:%Y-%m-%d %H:%M:%S %Z})."
    )


def _email_reason(delivery: EmailDelivery) -> str:
    taken = delivery.claimed_at or delivery.created_at
    return (
        f"attempt {delivery.attempts}: the task worker stopped while sending it (taken "
        f"{taken:%Y-%m-%d %H:%M:%S %Z}). The mail server may have accepted it, so it is not "
        "sent again (at most once)."
    )


def _email_fail(delivery_id: int) -> bool:
    """A taken e-mail → failed with the reason; False when it is not "sending" (any more)."""
    delivery = (
        EmailDelivery.objects.select_for_update()
        .filter(pk=delivery_id, status=EmailDelivery.Status.SENDING)
        .first()
    )
    if delivery is None:
        return False
    reason = _email_reason(delivery)
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        status=EmailDelivery.Status.FAILED, last_error=reason
    )
    logger.error(
        "e-mail failed: its worker stopped while sending it",
        extra={"key": delivery.key, "error": reason},
    )
    return True


def _job_finish(job: DBTaskResult, *, now, dead_worker_id: str | None, counts: dict) -> None:
    """One stale job: its row FAILED, then what its kind allows (see the module's docstring).
    In one transaction, and only if the row is still RUNNING, so two sweeps at once (a
    starting worker's and the timer's) never both act on it."""
    reason = _job_reason(job, dead_worker_id=dead_worker_id)
    with transaction.atomic():
        taken = DBTaskResult.objects.filter(pk=job.pk, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path=f"{WorkerStopped.__module__}.{WorkerStopped.__qualname__}",
            traceback=reason,
            return_value=None,
        )
        if not taken:
            return
        counts["jobs"] += 1
        args = job.args_kwargs.get("args", [])
        kwargs = job.args_kwargs.get("kwargs", {})
        if job.task_path == deliver_email.module_path:
            delivery_id = (args or [kwargs.get("delivery_id")])[0]
            if _email_fail(delivery_id):
                counts["emails_failed"] += 1
            elif EmailDelivery.objects.filter(
                pk=delivery_id, status=EmailDelivery.Status.PENDING
            ).exists():
                # Never taken (or back to pending for a retry): nothing went out.
                deliver_email.enqueue(*args, **kwargs)
                counts["jobs_rerun"] += 1
        elif job.task_path in RERUN:
            job.task.enqueue(*args, **kwargs)
            counts["jobs_rerun"] += 1
    logger.warning(
        "stale job swept",
        extra={"job": str(job.pk), "task": job.task_path, "error": reason},
    )


def stale_jobs_sweep(*, dead_worker_id: str | None = None) -> dict:
    """Finish the jobs and e-mails of task workers that died (see the module's docstring).

    `dead_worker_id`: a worker known to be gone (the one about to start under that id):
    its RUNNING jobs are stale whatever their age. Returns counts: jobs swept, jobs run
    again, e-mails marked failed.
    """
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.TASKS_STALE_AFTER_SECONDS)
    counts = {"jobs": 0, "jobs_rerun": 0, "emails_failed": 0}
    # RUNNING rows are a handful (one per busy worker): the worker test is done here, since
    # SQLite cannot look inside the JSON list of worker ids.
    for job in DBTaskResult.objects.running().order_by("started_at"):
        dead = bool(dead_worker_id) and job.worker_ids[-1:] == [dead_worker_id]
        if dead or (job.started_at is not None and job.started_at < cutoff):
            _job_finish(job, now=now, dead_worker_id=dead_worker_id, counts=counts)
    # E-mails taken long ago and still "sending", whatever became of their job.
    left = EmailDelivery.objects.filter(status=EmailDelivery.Status.SENDING).filter(
        claimed_at__lt=cutoff
    ) | EmailDelivery.objects.filter(
        status=EmailDelivery.Status.SENDING, claimed_at__isnull=True, created_at__lt=cutoff
    )
    for delivery_id in left.values_list("pk", flat=True):
        with transaction.atomic():
            counts["emails_failed"] += _email_fail(delivery_id)
    return counts
