"""The task-worker scenario's look into the site's database (run under the workers'
settings by harness.stack.Stack.python, like tests/scale/seed.py)."""

from __future__ import annotations

from collections import Counter

from django.db.models import Value
from django.db.models.functions import Concat
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tenantdesk.accounts.models import User
from tenantdesk.notifications.models import EmailDelivery
from tenantdesk.notifications.tasks import send_digests


def give_addresses(prefix: str) -> int:
    """username@example.com, confirmed, for the people whose user name starts with
    `prefix` (an unconfirmed address gets no e-mail but its confirmation link)."""
    return User.objects.filter(username__startswith=prefix).update(
        email=Concat("username", Value("@example.com")), email_confirmed_at=timezone.now()
    )


def _digest_jobs(request_ids: list[int]) -> list[DBTaskResult]:
    jobs = DBTaskResult.objects.filter(task_path__endswith=".send_digests")
    return [job for job in jobs if job.args_kwargs["args"][0] in request_ids]


def bring_forward_and_double(request_ids: list[int], extra: int) -> int:
    """Make the requests' waiting digest jobs due now and enqueue `extra` more for each, so
    that the workers race for the same e-mails. Returns how many jobs were waiting."""
    waiting = [job.pk for job in _digest_jobs(request_ids) if job.status == "READY"]
    DBTaskResult.objects.filter(pk__in=waiting).update(run_after=timezone.now())
    for request_id in request_ids:
        for _ in range(extra):
            send_digests.enqueue(request_id, "customer")
    return len(waiting)


def outcome(request_ids: list[int]) -> dict:
    """What the workers did with these requests' digest and sending jobs."""
    deliveries = EmailDelivery.objects.filter(service_request_id__in=request_ids)
    delivery_ids = set(deliveries.values_list("pk", flat=True))
    sending = [
        job
        for job in DBTaskResult.objects.filter(task_path__endswith=".deliver_email")
        if job.args_kwargs["args"][0] in delivery_ids
    ]
    jobs = _digest_jobs(request_ids) + sending
    return {
        "jobs": len(jobs),
        "statuses": dict(Counter(job.status for job in jobs)),
        "by_worker": dict(Counter(worker for job in jobs for worker in job.worker_ids)),
        "claimed_twice": sum(len(job.worker_ids) > 1 for job in jobs),
        "deliveries": dict(Counter(deliveries.values_list("status", flat=True))),
    }
