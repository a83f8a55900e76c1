"""What the chat's write services share: telling the open chats and the apps on top
about a write, once it is committed."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from tenantdesk.chat.announcements import message_posted
from tenantdesk.chat.broadcast import after_commit
from tenantdesk.chat.groups import (
    service_request_group,
)
from tenantdesk.chat.models import Message


def broadcast_on_commit(service_request_id: int, event: dict) -> None:
    """Send an event to everyone watching the request, once the data is committed."""
    after_commit(service_request_group(service_request_id), event)


def announce_on_commit(message: Message) -> None:
    """Tell the apps on top (notifications) about a stored message, once committed."""
    transaction.on_commit(lambda: message_posted.send(sender=Message, message=message))


def message_with_relations(pk: int) -> Message:
    return (
        Message.objects.select_related("author__organisation")
        .prefetch_related("attachments")
        .get(pk=pk)
    )


def aware_time(value):
    """A time read by a raw cursor, timezone-aware (receipts' RETURNING rows)."""
    # A raw cursor on SQLite returns the stored text, not a datetime.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)
