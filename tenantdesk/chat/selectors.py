"""Reading a request's conversation. Callers have checked access already.

Internal notes (docs/internal-notes.md) are left out unless the caller passes
`include_internal=service_requests.access.can_read_internal_notes(reader)`: a caller that forgets
gets the customers' view, never the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from tenantdesk.chat.ids import MAX_IDS, is_message_id
from tenantdesk.chat.models import Attachment, Message, ReadCursor
from tenantdesk.chat.serializers import message_data

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class MessagePage:
    messages: list[Message]
    # True when there are more messages beyond the page in the direction asked for.
    has_more: bool


# A message shows its author's name and their organisation's name: the rest of the user
# (the password hash …) and of the organisation (its phone, parsed on every load) stay out.
_DEFERRED_USER_FIELDS = ("password", "email", "last_login", "date_joined", "is_superuser")


def _base(service_request, include_internal: bool):
    messages = Message.objects.filter(service_request=service_request)
    if not include_internal:
        messages = messages.filter(internal=False)
    return (
        messages.select_related("author__organisation")
        .defer(*(f"author__{name}" for name in _DEFERRED_USER_FIELDS))
        .defer("author__organisation__phone", "author__organisation__address")
    )


def _with_attachments(messages: list[Message]) -> list[Message]:
    """Each message's attachments in one query for the page (Django's prefetch builds a
    queryset per message, which for a page of 50 cost a fifth of the request page)."""
    by_message: dict[int, list[Attachment]] = {message.pk: [] for message in messages}
    if by_message:
        for attachment in Attachment.objects.filter(message_id__in=by_message).order_by("pk"):
            by_message[attachment.message_id].append(attachment)
    for message in messages:
        message.attachment_list = by_message[message.pk]
    return messages


def _limit(limit) -> int:
    try:
        limit = int(limit)
    except (TypeError, ValueError):
        return PAGE_SIZE
    return max(1, min(limit, MAX_PAGE_SIZE))


def messages_after(
    *, service_request, after_id: int = 0, limit=PAGE_SIZE, include_internal: bool = False
) -> MessagePage:
    """Oldest first, the messages stored after `after_id` (what a reconnecting client missed)."""
    limit = _limit(limit)
    rows = list(
        _base(service_request, include_internal).filter(pk__gt=after_id).order_by("pk")[: limit + 1]
    )
    return MessagePage(_with_attachments(rows[:limit]), len(rows) > limit)


def messages_before(
    *,
    service_request,
    before_id: int | None = None,
    limit=PAGE_SIZE,
    include_internal: bool = False,
) -> MessagePage:
    """The newest `limit` messages before `before_id` (or the latest), returned oldest first."""
    limit = _limit(limit)
    qs = _base(service_request, include_internal)
    if before_id is not None:
        qs = qs.filter(pk__lt=before_id)
    rows = list(qs.order_by("-pk")[: limit + 1])
    return MessagePage(_with_attachments(list(reversed(rows[:limit]))), len(rows) > limit)


def receipts(*, service_request, message_ids, include_internal: bool = False) -> list[dict]:
    """The receipts of those of these messages that have gone beyond "sent": each one's
    furthest status, "read" or "delivered" (ids capped at 500). What a page that was away
    asks for its own messages it still shows as sent or delivered."""
    ids = [i for i in message_ids if is_message_id(i)][:MAX_IDS]
    if not ids:
        return []
    rows = Message.objects.filter(service_request=service_request, pk__in=ids)
    if not include_internal:  # a note has no receipts; nor does a customer learn its id
        rows = rows.filter(internal=False)
    rows = (
        rows.filter(Q(delivered_at__isnull=False) | Q(read_at__isnull=False))
        .order_by("pk")
        .values_list("pk", "delivered_at", "read_at")
    )
    return [
        {
            "id": pk,
            "status": "read" if read_at else "delivered",
            "delivered_at": _iso(delivered_at),
            "read_at": _iso(read_at),
        }
        for pk, delivered_at, read_at in rows
    ]


def catch_up(
    *, service_request, after_id: int, receipts_for, include_internal: bool = False
) -> dict:
    """What a reconnecting client missed: a page of messages after `after_id` (reader-neutral
    data) and the receipts of its own messages it still shows as sent or delivered."""
    page = messages_after(
        service_request=service_request, after_id=after_id, include_internal=include_internal
    )
    return {
        "messages": [message_data(m) for m in page.messages],
        "has_more": page.has_more,
        "receipts": receipts(
            service_request=service_request,
            message_ids=receipts_for,
            include_internal=include_internal,
        ),
    }


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def read_position(*, user, service_request) -> int:
    """The id of the last message this person has read in this request (0: none)."""
    return (
        ReadCursor.objects.filter(user=user, service_request=service_request)
        .values_list("last_read_id", flat=True)
        .first()
    ) or 0
