"""Delivery receipts: a client of the other side received these messages."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from tenantdesk.accounts.roles import is_manager
from tenantdesk.chat.ids import parse_message_ids
from tenantdesk.chat.models import Message
from tenantdesk.chat.services.common import aware_time, broadcast_on_commit
from tenantdesk.chat.ws.outgoing import receipt_frames
from tenantdesk.service_requests.access import access_service_request


def messages_mark_delivered(
    *, reader, service_request, message_ids: Iterable, access_checked: bool = False
) -> list[dict]:
    """Record that the reader's client received these messages of the other side.

    A manager's message is delivered when a customer receives it, a customer's when any
    manager does; the reader's own side's messages are ignored. The first delivery time is
    kept. Returns the receipts [{id, status, delivered_at}] of the messages delivered now
    (the ones delivered before already had theirs) and broadcasts them after commit.
    `access_checked` as for message_send.
    """
    if not access_checked:
        service_request = access_service_request(reader, service_request.pk)
    ids = parse_message_ids(message_ids)
    if not ids:
        return []
    # One statement: it sets the time only where none is set (so the first delivery wins
    # when two readers race) and says which rows it set.
    sql = _MARK_DELIVERED.format(
        messages=connection.ops.quote_name(Message._meta.db_table),
        ids=", ".join(["%s"] * len(ids)),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [timezone.now(), service_request.pk, Message.Kind.USER, not is_manager(reader), *ids],
        )
        rows = sorted(cursor.fetchall())
    receipts = [
        {"id": pk, "status": "delivered", "delivered_at": aware_time(at).isoformat()}
        for pk, at in rows
    ]
    if receipts:
        broadcast_on_commit(
            service_request.pk, {"type": "chat.receipt", "frames": receipt_frames(receipts)}
        )
    return receipts


# UPDATE … RETURNING: PostgreSQL, and SQLite since 3.35.
_MARK_DELIVERED = """
UPDATE {messages} SET delivered_at = %s
WHERE service_request_id = %s AND kind = %s AND by_manager = %s AND delivered_at IS NULL
AND NOT internal
AND id IN ({ids})
RETURNING id, delivered_at
"""
