"""Background jobs (django-tasks, database backend; run by `manage.py db_worker`).

Why this queue, and how several workers share it: docs/email.md. In short, a job is a
row in the same database (SQLite locally, PostgreSQL in production): no broker to run,
a job enqueued inside a transaction exists exactly when that transaction commits, and
db_worker claims each row with SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL (an
exclusive transaction on SQLite), so one job runs in one worker.

django-tasks does not retry; deliver_email re-enqueues itself with run_after (bounded,
exponential back-off: delivery.py). Jobs take ids, never objects: they run later, maybe
on another machine, and read the current state.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from tenantdesk.notifications.delivery import MAX_ATTEMPTS, delivery_send, retry_delay
from tenantdesk.notifications.digests import plan_digests
from tenantdesk.notifications.invitations import invitation_send
from tenantdesk.notifications.models import EmailDelivery, PendingDigest, Side
from tenantdesk.notifications.recipients import NEW_REQUESTS, STATUS_CHANGES, side_recipients
from tenantdesk.service_requests.models import RequestEvent, ServiceRequest

logger = logging.getLogger(__name__)

# A digest job that failed (the database went away mid-job …) looks again this much later.
DIGEST_RETRY_SECONDS = 60


# --- enqueueing ---------------------------------------------------------------------------


def digest_schedule(*, service_request_id: int, side: str, due_at: datetime) -> bool:
    """Make sure a digest job of this request and side runs by `due_at`: add the waiting
    row and its job, or bring an existing later row forward (and add a job for the earlier
    time). True when a job was enqueued."""
    try:
        with transaction.atomic():
            PendingDigest.objects.create(
                service_request_id=service_request_id, side=side, due_at=due_at
            )
            send_digests.using(run_after=due_at).enqueue(service_request_id, side)
            return True
    except IntegrityError:
        pass  # one is waiting already
    with transaction.atomic():
        moved = PendingDigest.objects.filter(
            service_request_id=service_request_id, side=side, due_at__gt=due_at
        ).update(due_at=due_at)
        if moved:
            # The later job still runs and finds nothing more to do.
            send_digests.using(run_after=due_at).enqueue(service_request_id, side)
    return bool(moved)


def delivery_enqueue(
    *,
    key: str,
    kind: str,
    user_id: int,
    service_request_id: int | None = None,
    up_to_message_id: int = 0,
    event_id: int | None = None,
    announcement_id: int | None = None,
) -> EmailDelivery | None:
    """Claim an e-mail by its idempotency key and enqueue its sending, in one transaction.
    None when the key is taken: that e-mail is someone else's (or already done)."""
    try:
        with transaction.atomic():
            delivery = EmailDelivery.objects.create(
                key=key,
                kind=kind,
                user_id=user_id,
                service_request_id=service_request_id,
                up_to_message_id=up_to_message_id,
                event_id=event_id,
                announcement_id=announcement_id,
            )
            deliver_email.enqueue(delivery.pk)
    except IntegrityError:
        return None
    return delivery


def deliveries_enqueue(
    recipients,
    *,
    kind: str,
    key,
    service_request_id: int,
    up_to_message_id: int = 0,
    event_id: int | None = None,
) -> int:
    """One e-mail of this kind per recipient (a queryset of users), each claimed by its
    idempotency key `key(user_id)` and pointing at the request's event that caused it;
    returns how many were claimed now."""
    return sum(
        bool(
            delivery_enqueue(
                key=key(user_id),
                kind=kind,
                user_id=user_id,
                service_request_id=service_request_id,
                up_to_message_id=up_to_message_id,
                event_id=event_id,
            )
        )
        for user_id in recipients.values_list("pk", flat=True)
    )


# --- jobs -----------------------------------------------------------------------------------


@task()
def send_digests(service_request_id: int, side: str) -> dict:
    """At a digest's due time: e-mail everyone of the side who is due, then schedule the
    next look for whatever becomes due later."""
    now = timezone.now()
    # First, so a message posted from now on schedules a job of its own.
    PendingDigest.objects.filter(
        service_request_id=service_request_id, side=side, due_at__lte=now
    ).delete()
    service_request = ServiceRequest.objects.filter(pk=service_request_id).first()
    if service_request is None or side not in Side.values:
        return {"sent": 0}
    try:
        plan = plan_digests(service_request=service_request, side=side, now=now)
    except Exception:
        # Its waiting row is gone: without a new one these messages would wait for the
        # next message. Look again in a minute (the job's record keeps the error).
        digest_schedule(
            service_request_id=service_request_id,
            side=side,
            due_at=now + timedelta(seconds=DIGEST_RETRY_SECONDS),
        )
        raise
    claimed = 0
    for decision in plan.send:
        if delivery_enqueue(
            key=decision.key,
            kind=EmailDelivery.Kind.DIGEST,
            user_id=decision.user_id,
            service_request_id=service_request_id,
            up_to_message_id=decision.up_to_message_id,
        ):
            claimed += 1
    if plan.next_run is not None:
        digest_schedule(service_request_id=service_request_id, side=side, due_at=plan.next_run)
    return {
        "digests": claimed,
        "next_run": plan.next_run.isoformat() if plan.next_run else None,
    }


@task()
def deliver_email(delivery_id: int) -> dict:
    """Send one claimed e-mail; on a mail server's failure, try again later."""
    outcome = delivery_send(delivery_id=delivery_id)
    if outcome.status == "retry":
        deliver_email.using(run_after=outcome.retry_at).enqueue(delivery_id)
    return {
        "status": outcome.status,
        "attempt": outcome.attempt,
        "retry_at": outcome.retry_at.isoformat() if outcome.retry_at else None,
    }


def _status_event(event_id: int, **payload) -> RequestEvent | None:
    """The status step of that id, if it is one with these payload values."""
    event = (
        RequestEvent.objects.select_related("service_request")
        .filter(pk=event_id, kind=RequestEvent.Kind.STATUS)
        .first()
    )
    if event is None or any(getattr(event.payload, k) != v for k, v in payload.items()):
        return None
    return event


@task()
def notify_request_closed(event_id: int) -> dict:
    """A request was closed (its status event): e-mail its customer side (those who want
    status changes)."""
    event = _status_event(event_id, to_status=ServiceRequest.Status.CLOSED)
    if event is None:
        return {"emails": 0}
    service_request = event.service_request
    recipients = side_recipients(service_request, side=Side.CUSTOMER, preference=STATUS_CHANGES)
    claimed = deliveries_enqueue(
        recipients,
        kind=EmailDelivery.Kind.CLOSED,
        key=lambda user_id: f"closed:{user_id}:{service_request.pk}:{event.pk}",
        service_request_id=service_request.pk,
        event_id=event.pk,
    )
    return {"emails": claimed}


@task()
def notify_new_request(service_request_id: int, event_id: int | None = None) -> dict:
    """A new request: e-mail the manager side (those who want new requests)."""
    service_request = ServiceRequest.objects.filter(pk=service_request_id).first()
    if service_request is None:
        return {"emails": 0}
    recipients = side_recipients(service_request, side=Side.MANAGER, preference=NEW_REQUESTS)
    claimed = deliveries_enqueue(
        recipients,
        kind=EmailDelivery.Kind.NEW_REQUEST,
        key=lambda user_id: f"new_request:{user_id}:{service_request.pk}",
        service_request_id=service_request.pk,
        event_id=event_id,
    )
    return {"emails": claimed}


@task()
def notify_request_reopened(event_id: int) -> dict:
    """A customer reopened a closed request: e-mail the manager side (its assignee, else
    every manager; those who want status changes)."""
    event = _status_event(
        event_id, from_status=ServiceRequest.Status.CLOSED, to_status=ServiceRequest.Status.PENDING
    )
    if event is None:
        return {"emails": 0}
    service_request = event.service_request
    recipients = side_recipients(service_request, side=Side.MANAGER, preference=STATUS_CHANGES)
    claimed = deliveries_enqueue(
        recipients,
        kind=EmailDelivery.Kind.REOPENED,
        key=lambda user_id: f"reopened:{user_id}:{service_request.pk}:{event.pk}",
        service_request_id=service_request.pk,
        # Which reopening the e-mail tells about (a request can be reopened twice).
        up_to_message_id=event.pk,
        event_id=event.pk,
    )
    return {"emails": claimed}


@task()
def send_invitation(invitation_id: int, nonce: str, attempt: int = 1) -> dict:
    """E-mail an invitation's current link; on a mail server's failure, try again later
    (at most MAX_ATTEMPTS times)."""
    status = invitation_send(invitation_id=invitation_id, nonce=nonce)
    if status == "retry":
        if attempt >= MAX_ATTEMPTS:
            return {"status": "failed", "attempt": attempt}
        run_after = timezone.now() + retry_delay(attempt)
        send_invitation.using(run_after=run_after).enqueue(invitation_id, nonce, attempt + 1)
    return {"status": status, "attempt": attempt}
