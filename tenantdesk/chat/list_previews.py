"""The last message of each row of a request list, as its one-line preview (issue 23).

The reader sees only what they may see in the chat itself: a customer's preview skips the
managers' internal notes (never their text, never that one was the last thing said); a
system message is written in the reader's language from its event data, like the chat's;
their own message reads "You: …"; a message of photos only reads "Photo".

One query for a page, whatever its size, and no scan of the messages table:

    SELECT … FROM chat_message
     WHERE id IN (SELECT (SELECT m.id FROM chat_message m
                           WHERE m.service_request_id = sr.id [AND NOT m.internal]
                           ORDER BY m.id DESC LIMIT 1)
                    FROM service_requests_servicerequest sr WHERE sr.id IN (<the page's ids>))

Each row's last message is one backward step on the index chat_msg_request_id (request, id);
the messages are then fetched by primary key. Why not a last-message pointer kept on the
request by the send path: it would need two (the managers' and the customers', who must not
see a note), a migration and a backfill, and on the measured data set (docs/lists-and-
buildings.md) the index walk costs well under a millisecond for a page of 25 rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from tenantdesk.chat.inbox import preview as first_line
from tenantdesk.chat.models import Attachment, Message
from tenantdesk.chat.serializers import system_text
from tenantdesk.service_requests.access import can_read_internal_notes
from tenantdesk.service_requests.models import ServiceRequest


@dataclass(frozen=True)
class Preview:
    text: str  # plain text: the caller escapes it
    own: bool = False
    system: bool = False
    internal: bool = False


def _last_ids(ids: list[int], *, include_internal: bool):
    last = Message.objects.filter(service_request_id=OuterRef("pk"))
    if not include_internal:
        last = last.filter(internal=False)
    return (
        ServiceRequest.objects.filter(pk__in=ids)
        .order_by()
        .values(last_id=Subquery(last.order_by("-pk").values("pk")[:1]))
    )


def _text(row: dict) -> str:
    if row["kind"] == Message.Kind.SYSTEM:
        return first_line(system_text(row["event"], row["text"]))
    text = first_line(row["text"])
    if text:
        return text
    if row["attachment_kind"] == Attachment.Kind.VIDEO:
        return _("Video")
    return _("Photo") if row["attachment_kind"] else ""


def last_message_previews(*, user, service_request_ids: Iterable[int]) -> dict[int, Preview]:
    """{request id: its preview} for these requests (absent: no message yet). The caller
    has already limited the ids to requests the person may see."""
    ids = list(service_request_ids)
    if not ids or not user.is_authenticated:
        return {}
    include_internal = can_read_internal_notes(user)
    first_attachment = Attachment.objects.filter(message_id=OuterRef("pk")).order_by("pk")
    rows = (
        Message.objects.filter(pk__in=_last_ids(ids, include_internal=include_internal))
        .order_by()
        .annotate(attachment_kind=Subquery(first_attachment.values("kind")[:1]))
        .values(
            "service_request_id",
            "kind",
            "text",
            "event",
            "author_id",
            "internal",
            "attachment_kind",
        )
    )
    previews = {}
    for row in rows:
        if row["internal"] and not include_internal:  # never: the query left them out
            continue
        previews[row["service_request_id"]] = Preview(
            text=_text(row),
            own=row["author_id"] is not None and row["author_id"] == user.pk,
            system=row["kind"] == Message.Kind.SYSTEM,
            internal=row["internal"],
        )
    return previews
