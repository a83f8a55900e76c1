"""The digest of missed messages: when it is due, and for whom.

Timing rules (docs/email.md):
- A person message of the other side that stays unread by a person for
  NOTIFY_DELAY_SECONDS makes the request *due* for that person.
- A due person gets one e-mail listing everything they have not read in that request
  (from their read position: person messages and status changes), at most one per
  request every NOTIFY_MIN_INTERVAL_SECONDS; what a digest listed does not make the next
  one due again.
- Nothing is sent to someone who read the messages in time: their read position
  (chat.models.ReadCursor) is asked when the job runs, and again just before sending.

Cost: a message costs nothing when this process has seen a digest job of its request and
side waiting, due by the message's own due time; else it looks the PendingDigest row up
(one query) and, when none is waiting early enough, adds that row and the job (two
inserts). All the work per recipient happens later, in the job (plan_digests).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from tenantdesk.chat.models import Message, ReadCursor
from tenantdesk.notifications.models import EmailDelivery, PendingDigest, Side
from tenantdesk.notifications.recipients import MISSED_MESSAGES, side_recipients
from tenantdesk.service_requests.models import ServiceRequest


def recipient_side(message: Message) -> str:
    """Whose digest a person's message goes into: the other side's."""
    return Side.CUSTOMER if message.by_manager else Side.MANAGER


def writers_are_managers(side: str) -> bool:
    """The messages a side's people can miss are the other side's."""
    return side == Side.CUSTOMER


def due_at(message: Message) -> datetime:
    return message.created_at + timedelta(seconds=settings.NOTIFY_DELAY_SECONDS)


def digest_key(*, user_id: int, service_request_id: int, window_after: int) -> str:
    """The idempotency key of a person's digest for a request: the window is the stretch
    of the chat after `window_after`, the newest message the previous digest listed."""
    return f"digest:{user_id}:{service_request_id}:{window_after}"


# (request id, side) → when the digest job this process saw waiting is due. A busy chat's
# messages then cost no query here at all (issue 20: the send path's second statement was
# this lookup): while that time is still ahead, a job is waiting that will list them, or
# (if another process brought it forward and it ran) the job that ran scheduled its next
# look for whatever it found still waiting, these messages among them.
_known_waiting: OrderedDict[tuple[int, str], datetime] = OrderedDict()
_known_waiting_lock = threading.Lock()
KNOWN_WAITING_MAX = 10_000


def waiting_early_enough(*, service_request_id: int, side: str, when: datetime) -> bool:
    """Is a digest job of this request and side already due by `when`? A query only when
    this process has not seen one waiting, still ahead of now, due by `when`."""
    key = (service_request_id, side)
    now = timezone.now()
    with _known_waiting_lock:
        known = _known_waiting.get(key)
    if known is not None and now < known <= when:
        return True
    due = (
        PendingDigest.objects.filter(
            service_request_id=service_request_id, side=side, due_at__lte=when
        )
        .values_list("due_at", flat=True)
        .first()
    )
    if due is not None:
        remember_waiting(service_request_id=service_request_id, side=side, due_at=due)
    return due is not None


def remember_waiting(*, service_request_id: int, side: str, due_at: datetime) -> None:
    """Note that a digest job of this request and side is waiting, due at `due_at`."""
    with _known_waiting_lock:
        _known_waiting[(service_request_id, side)] = due_at
        _known_waiting.move_to_end((service_request_id, side))
        if len(_known_waiting) > KNOWN_WAITING_MAX:
            _known_waiting.popitem(last=False)


@dataclass(frozen=True)
class DigestDecision:
    user_id: int
    key: str
    up_to_message_id: int


@dataclass
class DigestPlan:
    send: list[DigestDecision] = field(default_factory=list)
    # When this request and side must be looked at again (None: nothing left waiting).
    next_run: datetime | None = None


def _recipients_with_state(service_request: ServiceRequest, side: str):
    """The side's recipients, each with their read position, the window of their next
    digest and when their last digest (not a skipped one) was made: one query."""
    cursor = ReadCursor.objects.filter(user=OuterRef("pk"), service_request=service_request)
    digests = EmailDelivery.objects.filter(
        user=OuterRef("pk"), service_request=service_request, kind=EmailDelivery.Kind.DIGEST
    ).order_by("-id")
    counted = digests.exclude(status=EmailDelivery.Status.SKIPPED)
    return side_recipients(service_request, side=side, preference=MISSED_MESSAGES).annotate(
        read_up_to=Coalesce(Subquery(cursor.values("last_read_id")[:1]), Value(0)),
        window_after=Coalesce(Subquery(digests.values("up_to_message_id")[:1]), Value(0)),
        last_digest_at=Subquery(counted.values("created_at")[:1]),
    )


def plan_digests(*, service_request: ServiceRequest, side: str, now: datetime) -> DigestPlan:
    """Who of the side gets a digest now, and when to look again (two queries)."""
    delay = timedelta(seconds=settings.NOTIFY_DELAY_SECONDS)
    interval = timedelta(seconds=settings.NOTIFY_MIN_INTERVAL_SECONDS)
    plan = DigestPlan()
    recipients = list(_recipients_with_state(service_request, side))
    if not recipients:
        return plan
    lowest = min(max(r.read_up_to, r.window_after) for r in recipients)
    messages = list(
        Message.objects.filter(
            service_request=service_request,
            kind=Message.Kind.USER,
            by_manager=writers_are_managers(side),
            internal=False,  # a manager's internal note never makes a digest due
            pk__gt=lowest,
        )
        .order_by("pk")
        .values_list("pk", "created_at")
    )
    later: list[datetime] = []
    for person in recipients:
        start = max(person.read_up_to, person.window_after)
        waiting = [(pk, created) for pk, created in messages if pk > start]
        if not waiting:
            continue
        free_at = person.last_digest_at + interval if person.last_digest_at else None
        first_due = waiting[0][1] + delay
        if first_due > now:
            later.append(max(first_due, free_at) if free_at else first_due)
        elif free_at and free_at > now:
            later.append(free_at)
        else:
            plan.send.append(
                DigestDecision(
                    user_id=person.pk,
                    key=digest_key(
                        user_id=person.pk,
                        service_request_id=service_request.pk,
                        window_after=person.window_after,
                    ),
                    up_to_message_id=waiting[-1][0],
                )
            )
    plan.next_run = min(later) if later else None
    return plan
