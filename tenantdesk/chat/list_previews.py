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
from functools import lru_cache

from django.db import connection
from django.utils.translation import gettext as _

from tenantdesk.chat.inbox import preview as first_line
from tenantdesk.chat.models import Attachment, Message
from tenantdesk.chat.serializers import system_text
from tenantdesk.core.raw_sql import column, table
from tenantdesk.service_requests.access import can_read_internal_notes
from tenantdesk.service_requests.models import ServiceRequest


@dataclass(frozen=True)
class Preview:
    text: str  # plain text: the caller escapes it
    own: bool = False
    system: bool = False
    internal: bool = False


@lru_cache(maxsize=2)
def _previews_sql(*, include_internal: bool) -> str:
    """The one statement above, from the models' own names, for an `{ids}` list of
    placeholders. Written as SQL: the ORM's building of its two nested subqueries cost
    ten times running it (about 2 ms of CPU against 0.2 ms on a page of 25 rows;
    bench/README.md, "The pages' own queries")."""
    messages, attachments, requests = Message, Attachment, ServiceRequest
    message_id = column(messages, "id")
    request_of = column(messages, "service_request")
    notes = "" if include_internal else f" AND m2.{column(messages, 'internal')} = %s"
    return (
        f"SELECT m.{request_of}, m.{column(messages, 'kind')}, m.{column(messages, 'text')},"  # noqa: S608
        f" m.{column(messages, 'event')}, m.{column(messages, 'author')},"
        f" m.{column(messages, 'internal')},"
        f" (SELECT a.{column(attachments, 'kind')} FROM {table(attachments)} a"
        f" WHERE a.{column(attachments, 'message')} = m.{message_id}"
        f" ORDER BY a.{column(attachments, 'id')} LIMIT 1)"
        f" FROM {table(messages)} m WHERE m.{message_id} IN ("
        f"SELECT (SELECT m2.{message_id} FROM {table(messages)} m2"
        f" WHERE m2.{request_of} = sr.{column(requests, 'id')}{notes}"
        f" ORDER BY m2.{message_id} DESC LIMIT 1)"
        f" FROM {table(requests)} sr WHERE sr.{column(requests, 'id')} IN ({{ids}}))"
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
    ids = [int(pk) for pk in service_request_ids]
    if not ids or not user.is_authenticated:
        return {}
    include_internal = can_read_internal_notes(user)
    sql = _previews_sql(include_internal=include_internal).replace(
        "{ids}", ", ".join(["%s"] * len(ids))
    )
    params = [*(() if include_internal else (False,)), *ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    event_field = Message._meta.get_field("event")
    previews = {}
    for request_id, kind, text, event, author_id, internal, attachment_kind in fetched:
        internal = bool(internal)  # SQLite's 0 and 1
        if internal and not include_internal:  # never: the query left them out
            continue
        row = {
            "kind": kind,
            "text": text,
            "event": event_field.from_db_value(event, None, connection),
            "attachment_kind": attachment_kind,
        }
        previews[request_id] = Preview(
            text=_text(row),
            own=author_id is not None and author_id == user.pk,
            system=kind == Message.Kind.SYSTEM,
            internal=internal,
        )
    return previews
