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
from tenantdesk.service_requests.models import ServiceRequest


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


def messages_mark_delivered_anywhere(*, reader, message_ids: Iterable) -> list[dict]:
    """The reader's inbox socket (any page of theirs) received these new messages, of any
    requests: they are delivered to the reader's side (chat/ws/inbox_socket.py, which only
    passes ids of messages of the other side it has itself sent to this person).

    One statement for the whole batch, whatever the number of requests; the same rules as
    messages_mark_delivered (the other side's messages, never a note, the first time kept),
    and, as a second fence, a customer's only in their own organisation's requests. Each
    request's receipts go to its chat sockets after commit."""
    ids = parse_message_ids(message_ids)
    manager = is_manager(reader)
    if not ids or (not manager and reader.organisation_id is None):
        return []
    requests = connection.ops.quote_name(ServiceRequest._meta.db_table)
    sql = _MARK_DELIVERED_ANYWHERE.format(
        messages=connection.ops.quote_name(Message._meta.db_table),
        ids=", ".join(["%s"] * len(ids)),
        fence="" if manager else _OWN_ORGANISATION.format(requests=requests),
    )
    params = [timezone.now(), Message.Kind.USER, not manager, *ids]
    if not manager:
        params.append(reader.organisation_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = sorted(cursor.fetchall())
    by_request: dict[int, list[dict]] = {}
    for pk, service_request_id, at in rows:
        by_request.setdefault(service_request_id, []).append(
            {"id": pk, "status": "delivered", "delivered_at": aware_time(at).isoformat()}
        )
    for service_request_id, receipts in by_request.items():
        broadcast_on_commit(
            service_request_id, {"type": "chat.receipt", "frames": receipt_frames(receipts)}
        )
    return [receipt for receipts in by_request.values() for receipt in receipts]


# UPDATE … RETURNING: PostgreSQL, and SQLite since 3.35.
_MARK_DELIVERED = """
UPDATE {messages} SET delivered_at = %s
WHERE service_request_id = %s AND kind = %s AND by_manager = %s AND delivered_at IS NULL
AND NOT internal
AND id IN ({ids})
RETURNING id, delivered_at
"""

_MARK_DELIVERED_ANYWHERE = """
UPDATE {messages} SET delivered_at = %s
WHERE kind = %s AND by_manager = %s AND delivered_at IS NULL AND NOT internal
AND id IN ({ids}){fence}
RETURNING id, service_request_id, delivered_at
"""

_OWN_ORGANISATION = """
AND service_request_id IN (SELECT id FROM {requests} WHERE organisation_id = %s)"""
