"""Reading a request's conversation. Callers have checked access already."""

from __future__ import annotations

from dataclasses import dataclass

from tenantdesk.chat.models import Message

PAGE_SIZE = 50
# Message ids are 64-bit database integers; anything outside is not an id of ours (and a
# larger Python int would crash the SQLite driver or the query).
MAX_MESSAGE_ID = 2**63 - 1


def is_message_id(value) -> bool:
    """A whole number a message id can be (0 stands for "before the first message")."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_MESSAGE_ID


MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class MessagePage:
    messages: list[Message]
    # True when there are more messages beyond the page in the direction asked for.
    has_more: bool


def _base(service_request):
    return (
        Message.objects.filter(service_request=service_request)
        .select_related("author__organisation")
        .prefetch_related("attachments")
    )


def _limit(limit) -> int:
    try:
        limit = int(limit)
    except (TypeError, ValueError):
        return PAGE_SIZE
    return max(1, min(limit, MAX_PAGE_SIZE))


def messages_after(*, service_request, after_id: int = 0, limit=PAGE_SIZE) -> MessagePage:
    """Oldest first, the messages stored after `after_id` (what a reconnecting client missed)."""
    limit = _limit(limit)
    rows = list(_base(service_request).filter(pk__gt=after_id).order_by("pk")[: limit + 1])
    return MessagePage(rows[:limit], len(rows) > limit)


def messages_before(
    *, service_request, before_id: int | None = None, limit=PAGE_SIZE
) -> MessagePage:
    """The newest `limit` messages before `before_id` (or the latest), returned oldest first."""
    limit = _limit(limit)
    qs = _base(service_request)
    if before_id is not None:
        qs = qs.filter(pk__lt=before_id)
    rows = list(qs.order_by("-pk")[: limit + 1])
    return MessagePage(list(reversed(rows[:limit])), len(rows) > limit)


def delivered_receipts(*, service_request, message_ids) -> list[dict]:
    """Receipts for those of these messages that have been delivered (ids capped at 500)."""
    ids = [i for i in message_ids if is_message_id(i)][:500]
    if not ids:
        return []
    rows = (
        Message.objects.filter(
            service_request=service_request, pk__in=ids, delivered_at__isnull=False
        )
        .order_by("pk")
        .values_list("pk", "delivered_at")
    )
    return [{"id": pk, "status": "delivered", "delivered_at": at.isoformat()} for pk, at in rows]
