"""Reading a request's conversation. Callers have checked access already.

Internal notes (docs/internal-notes.md) are left out unless the caller passes
`include_internal=service_requests.access.can_read_internal_notes(reader)`: a caller that forgets
gets the customers' view, never the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.db import connection
from django.db.models import Q

from tenantdesk.accounts.models import Organisation, User
from tenantdesk.chat.ids import MAX_IDS, is_message_id
from tenantdesk.chat.models import Attachment, Message, ReadCursor
from tenantdesk.chat.serializers import message_data
from tenantdesk.core.raw_sql import instance_from_row, row_converters

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
    """A page's messages through the ORM: what _page_shape's statement selects (tests hold
    the two to the same messages, authors and organisations)."""
    messages = Message.objects.filter(service_request=service_request)
    if not include_internal:
        messages = messages.filter(internal=False)
    return (
        messages.select_related("author__organisation")
        .defer(*(f"author__{name}" for name in _DEFERRED_USER_FIELDS))
        .defer("author__organisation__phone", "author__organisation__address")
    )


_DEFERRED_ORGANISATION_FIELDS = ("phone", "address")


@dataclass(frozen=True)
class _Shape:
    """A page's statement and how to turn its rows into messages with their authors."""

    sql: str
    models: tuple  # ((model, attnames, converters per field), …): message, author, organisation


def _kept_fields(model, deferred=()):
    return [f for f in model._meta.concrete_fields if f.attname not in deferred]


@lru_cache(maxsize=8)
def _page_shape(*, include_internal: bool, bound: str) -> _Shape:
    """What _base() selects (the messages, their author without the unused fields and the
    author's organisation without its phone and address), as one statement from the
    models' own names, for a page `bound` by "before" (newest first), "after" (oldest
    first) or nothing (the latest). Written as SQL: the ORM's building of the joined,
    deferred select and of its 150 objects cost three times running it (about 2 ms of
    CPU against 0.8 ms for a page of 50; bench/README.md, "The pages' own queries")."""
    quote = connection.ops.quote_name
    parts = (
        (Message, "m", _kept_fields(Message)),
        (User, "u", _kept_fields(User, _DEFERRED_USER_FIELDS)),
        (Organisation, "o", _kept_fields(Organisation, _DEFERRED_ORGANISATION_FIELDS)),
    )
    columns = ", ".join(
        f"{alias}.{quote(f.column)}" for _model, alias, fields in parts for f in fields
    )
    meta, users, organisations = Message._meta, User._meta, Organisation._meta
    of_user = quote(users.get_field("organisation").column)
    message_id = f"m.{quote(meta.pk.column)}"
    where = f"m.{quote(meta.get_field('service_request').column)} = %s"
    if not include_internal:
        where += f" AND m.{quote(meta.get_field('internal').column)} = %s"
    if bound == "before":
        where += f" AND {message_id} < %s"
    elif bound == "after":
        where += f" AND {message_id} > %s"
    order = "ASC" if bound == "after" else "DESC"
    sql = (
        f"SELECT {columns} FROM {quote(meta.db_table)} m"  # noqa: S608
        f" LEFT JOIN {quote(users.db_table)} u"
        f" ON u.{quote(users.pk.column)} = m.{quote(meta.get_field('author').column)}"
        f" LEFT JOIN {quote(organisations.db_table)} o"
        f" ON o.{quote(organisations.pk.column)} = u.{of_user}"
        f" WHERE {where} ORDER BY {message_id} {order} LIMIT %s"
    )
    models = tuple(
        (model, [f.attname for f in fields], row_converters(fields))
        for model, _alias, fields in parts
    )
    return _Shape(sql, models)


def _page_rows(service_request, *, include_internal: bool, bound: str = "", bound_id=None, limit):
    """The messages of one page, each with its author and their organisation set as
    select_related sets them (None cached where there is none: no query later)."""
    shape = _page_shape(include_internal=include_internal, bound=bound)
    params = [getattr(service_request, "pk", service_request)]
    if not include_internal:
        params.append(False)
    if bound:
        params.append(bound_id)
    params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(shape.sql, params)
        rows = cursor.fetchall()
    (m_model, m_names, m_conv), (u_model, u_names, u_conv), (o_model, o_names, o_conv) = (
        shape.models
    )
    m_end, u_end = len(m_names), len(m_names) + len(u_names)
    author_field = Message._meta.get_field("author")
    organisation_field = User._meta.get_field("organisation")
    messages = []
    for row in rows:
        message = instance_from_row(m_model, m_names, m_conv, row[:m_end])
        author = None
        if message.author_id is not None:
            author = instance_from_row(u_model, u_names, u_conv, row[m_end:u_end])
            organisation = None
            if author.organisation_id is not None:
                organisation = instance_from_row(o_model, o_names, o_conv, row[u_end:])
            organisation_field.set_cached_value(author, organisation)
        author_field.set_cached_value(message, author)
        messages.append(message)
    return messages


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
    rows = _page_rows(
        service_request,
        include_internal=include_internal,
        bound="after",
        bound_id=after_id,
        limit=limit + 1,
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
    rows = _page_rows(
        service_request,
        include_internal=include_internal,
        bound="" if before_id is None else "before",
        bound_id=before_id,
        limit=limit + 1,
    )
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
