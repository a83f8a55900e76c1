"""Read positions: how far a person has read a request's chat, the read receipts that
follow, and the counts the unread state subtracts (chat/unread.py)."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tenantdesk.accounts.roles import is_manager
from tenantdesk.chat.announcements import messages_read
from tenantdesk.chat.ids import is_message_id
from tenantdesk.chat.models import Message, ReadCursor
from tenantdesk.chat.services.common import aware_time, broadcast_on_commit
from tenantdesk.chat.ws.outgoing import receipt_frames
from tenantdesk.service_requests.access import access_service_request

logger = logging.getLogger(__name__)


def messages_mark_read(
    *, reader, service_request, up_to_id, access_checked: bool = False
) -> list[dict]:
    """Move the reader's read position in this request forward to `up_to_id` (never back).

    Every message of the other side up to there that nobody of the reader's side had read
    gets its read time (a customer's message is read when any manager read it, a manager's
    when any member of the organisation did); their receipts [{id, status: "read",
    read_at}] are returned and broadcast after commit, and messages_read is announced so
    the reader's other tabs and lists can update. `up_to_id` beyond the request's last
    message is cut to it. `access_checked` as for message_send.
    """
    if not access_checked:
        service_request = access_service_request(reader, service_request.pk)
    if not is_message_id(up_to_id):
        raise ValidationError(_("A message id is needed."), code="invalid_id")
    last_id = (
        Message.objects.filter(service_request=service_request, pk__lte=up_to_id)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if last_id is None:
        return []
    with transaction.atomic():
        if not _read_cursor_advance(reader, service_request, last_id):
            return []
        receipts = _mark_read_up_to(reader, service_request, last_id)
        if receipts:
            broadcast_on_commit(
                service_request.pk, {"type": "chat.receipt", "frames": receipt_frames(receipts)}
            )
        transaction.on_commit(
            lambda: messages_read.send(
                sender=ReadCursor,
                reader=reader,
                service_request_id=service_request.pk,
                last_read_id=last_id,
            )
        )
    return receipts


def _counted_between(service_request, after_id: int, up_to_id: int) -> dict[str, int]:
    """The request's counted messages (ServiceRequest.messages_from_*) with an id in
    (after_id, up_to_id], per side: what a read position gains by moving there. One
    range of the request's index; ids up to a committed message are all committed, as
    a request's messages get their ids under its row lock (the send statements)."""
    return Message.objects.filter(
        service_request=service_request,
        kind=Message.Kind.USER,
        internal=False,
        pk__gt=after_id,
        pk__lte=up_to_id,
    ).aggregate(
        read_from_customers=Count("pk", filter=Q(by_manager=False)),
        read_from_managers=Count("pk", filter=Q(by_manager=True)),
    )


# Two tabs reporting at once: each move is conditional on the position it counted from,
# so a loser counts again from the winner's position; more than a few rounds means
# something else is wrong, and the read is simply not recorded (the next one will be).
_CURSOR_ATTEMPTS = 5


def _read_cursor_advance(reader, service_request, last_id: int) -> bool:
    """Move the reader's position forward to last_id with its read counts (never back);
    False when it was there already."""
    now = timezone.now()
    for _attempt in range(_CURSOR_ATTEMPTS):
        current = (
            ReadCursor.objects.filter(user=reader, service_request=service_request)
            .values_list("pk", "last_read_id")
            .first()
        )
        if current is None:
            counts = _counted_between(service_request, 0, last_id)
            try:
                with transaction.atomic():  # a savepoint: another tab may create it first
                    ReadCursor.objects.create(
                        user=reader, service_request=service_request, last_read_id=last_id, **counts
                    )
                return True
            except IntegrityError:
                continue
        pk, position = current
        if position >= last_id:
            return False
        counts = _counted_between(service_request, position, last_id)
        moved = ReadCursor.objects.filter(pk=pk, last_read_id=position).update(
            last_read_id=last_id,
            updated_at=now,
            **{field: F(field) + added for field, added in counts.items()},
        )
        if moved:
            return True
    logger.warning(
        "read position of user %s in request %s kept moving", reader.pk, service_request.pk
    )
    return False


# Read implies delivered: a message read before its delivery receipt came gets both times.
_MARK_READ = """
UPDATE {messages} SET read_at = %s, delivered_at = COALESCE(delivered_at, %s)
WHERE service_request_id = %s AND kind = %s AND by_manager = %s AND read_at IS NULL
AND NOT internal
AND id <= %s
RETURNING id, read_at
"""


def _mark_read_up_to(reader, service_request, last_id: int) -> list[dict]:
    now = timezone.now()
    sql = _MARK_READ.format(messages=connection.ops.quote_name(Message._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [now, now, service_request.pk, Message.Kind.USER, not is_manager(reader), last_id],
        )
        rows = sorted(cursor.fetchall())
    return [{"id": pk, "status": "read", "read_at": aware_time(at).isoformat()} for pk, at in rows]
