"""Sending one claimed e-mail, once.

An EmailDelivery row moves pending → sending → sent (or skipped, or failed):

- The worker takes the row with a conditional UPDATE (pending → sending). Only one
  worker can win it, so a job run twice, or by two workers, sends nothing twice.
- Just before sending, everything is asked again: is the person active, with an address,
  still allowed to see the request (service_requests.access) and, on the customer side,
  still following it, still wanting this kind? A digest is built from their read
  position at that moment; read in time → skipped.
- The mail server refuses or cannot be reached → back to pending with the error, and the
  caller (tasks.py) enqueues the next attempt after RETRY_BASE_SECONDS × 2^(attempt − 1);
  after MAX_ATTEMPTS it is failed.
- The process dies after the claim (maybe after the server accepted the e-mail, before
  the row says sent): the row is left "sending" and is never sent again. At most once,
  by choice: a lost digest is followed by the next one (its messages are still unread),
  a duplicate cannot be taken back. The stale-job sweep (stale.py) marks such a row
  failed, with the reason, where the admin site lists it; a job that died before its
  claim is run again (nothing can have been sent).
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db.models import F
from django.utils import timezone

from tenantdesk.accounts.roles import is_manager
from tenantdesk.notifications.announcement_emails import (
    announcement_still_wanted,
    build_announcement_email,
)
from tenantdesk.notifications.emails import PREFERENCE_OF_KIND, build_email
from tenantdesk.notifications.models import EmailDelivery, Side
from tenantdesk.notifications.preferences import wants
from tenantdesk.service_requests.access import service_requests_visible_to

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 60
# A mail server that stops answering must not hold a worker forever.
SMTP_TIMEOUT_SECONDS = 30

Status = EmailDelivery.Status
# Kinds only a manager may get (someone taken out of the group meanwhile gets nothing).
MANAGERS_ONLY = (EmailDelivery.Kind.NEW_REQUEST, EmailDelivery.Kind.REOPENED)


@dataclass(frozen=True)
class Outcome:
    status: str  # sent, skipped, retry, failed, or taken (not pending: someone else's)
    retry_at: datetime | None = None
    attempt: int = 0


def retry_delay(attempt: int) -> timedelta:
    """Exponential back-off after the given failed attempt (1, 2, …)."""
    return timedelta(seconds=RETRY_BASE_SECONDS * 2 ** (attempt - 1))


def _claim(delivery_id: int) -> bool:
    return bool(
        EmailDelivery.objects.filter(pk=delivery_id, status=Status.PENDING).update(
            status=Status.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now()
        )
    )


def _finish(delivery: EmailDelivery, status: str, **fields) -> None:
    EmailDelivery.objects.filter(pk=delivery.pk).update(status=status, **fields)


def _still_wanted(delivery: EmailDelivery) -> bool:
    if delivery.kind == EmailDelivery.Kind.ANNOUNCEMENT:
        return announcement_still_wanted(delivery)
    user = delivery.user
    if not user.is_active or not user.email or user.email_confirmed_at is None:
        return False
    visible = service_requests_visible_to(user).filter(pk=delivery.service_request_id)
    if not is_manager(user):
        # The customer side hears of a request while they follow it (recipients.py): an
        # unfollow between the decision and the sending holds. The same query.
        visible = visible.filter(followers__user=user)
    if not visible.exists():
        return False
    if delivery.kind in MANAGERS_ONLY and not is_manager(user):
        return False
    return wants(user=user, kind=PREFERENCE_OF_KIND[delivery.kind])


def delivery_send(*, delivery_id: int) -> Outcome:
    """Send one pending e-mail if it is still wanted; see the module's docstring."""
    if not _claim(delivery_id):
        return Outcome("taken")
    delivery = EmailDelivery.objects.select_related(
        "user", "service_request__organisation", "announcement"
    ).get(pk=delivery_id)
    if not _still_wanted(delivery):
        _finish(delivery, Status.SKIPPED)
        return Outcome("skipped", attempt=delivery.attempts)
    side = Side.MANAGER if is_manager(delivery.user) else Side.CUSTOMER
    try:
        if delivery.kind == EmailDelivery.Kind.ANNOUNCEMENT:
            built = build_announcement_email(delivery)
        else:
            built = build_email(delivery, side=side)
    except Exception as error:
        # A bug, not the mail server: retrying would not help.
        _finish(delivery, Status.FAILED, last_error=repr(error)[:2000])
        raise
    if built is None:
        _finish(delivery, Status.SKIPPED)
        return Outcome("skipped", attempt=delivery.attempts)
    try:
        connection = get_connection(timeout=settings.EMAIL_TIMEOUT or SMTP_TIMEOUT_SECONDS)
        sent = connection.send_messages([built.message])
        if not sent:
            raise smtplib.SMTPException("the mail backend sent nothing")
    except (smtplib.SMTPException, OSError) as error:
        return _failed_attempt(delivery, error)
    _finish(
        delivery,
        Status.SENT,
        sent_at=timezone.now(),
        up_to_message_id=max(built.up_to_message_id, delivery.up_to_message_id),
        last_error="",
    )
    logger.info(
        "e-mail sent",
        extra={"key": delivery.key, "kind": delivery.kind, "attempt": delivery.attempts},
    )
    return Outcome("sent", attempt=delivery.attempts)


def _failed_attempt(delivery: EmailDelivery, error: Exception) -> Outcome:
    attempt = delivery.attempts
    text = f"attempt {attempt}: {error!r}"[:2000]
    if attempt >= MAX_ATTEMPTS:
        _finish(delivery, Status.FAILED, last_error=text)
        logger.error("e-mail failed for good", extra={"key": delivery.key, "error": text})
        return Outcome("failed", attempt=attempt)
    retry_at = timezone.now() + retry_delay(attempt)
    _finish(delivery, Status.PENDING, last_error=text)
    logger.warning(
        "e-mail not sent, will retry",
        extra={"key": delivery.key, "error": text, "retry_at": retry_at.isoformat()},
    )
    return Outcome("retry", retry_at=retry_at, attempt=attempt)
