"""Sending a person's message: checked, stored once per client_id, counted for the
unread state (chat/unread.py) and broadcast after commit. A customer who writes in a
request follows it from then on (service_requests.models.RequestFollower), in the same
transaction (on PostgreSQL in the same statement).

Raises Http404 when the author may not see the request (service_requests.access), core.errors.
Closed (a PermissionDenied) when the request is closed, ValidationError with a code for
bad input: empty, too_long, invalid_text, too_many_attachments, bad_attachment (and the
photo checker's codes), invalid_client_id.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from tenantdesk.accounts.roles import is_manager
from tenantdesk.chat.broadcast import after_commit
from tenantdesk.chat.groups import (
    service_request_group,
    service_request_managers_group,
)
from tenantdesk.chat.models import Attachment, Message
from tenantdesk.chat.serializers import message_data
from tenantdesk.chat.services.attachments import attachments_prepare
from tenantdesk.chat.services.common import (
    announce_on_commit,
    message_with_relations,
)
from tenantdesk.chat.ws.outgoing import message_frames
from tenantdesk.core.errors import Closed
from tenantdesk.service_requests.access import (
    access_service_request,
    can_post_message,
    can_write_internal_note,
)
from tenantdesk.service_requests.models import RequestFollower, ServiceRequest


def _clean_client_id(client_id) -> uuid.UUID | None:
    if client_id in (None, ""):
        return None
    if isinstance(client_id, uuid.UUID):
        return client_id
    try:
        return uuid.UUID(str(client_id))
    except ValueError:
        raise ValidationError(_("The message id is not valid."), code="invalid_client_id") from None


def _is_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _clean_text(text) -> str:
    if text is None:
        return ""
    if not isinstance(text, str):
        raise ValidationError(_("The message text must be a string."), code="invalid")
    # Text the database cannot store (PostgreSQL refuses NUL) and text no encoding can carry
    # (a lone surrogate, possible in JSON's \ud800 escapes) is refused, not half-handled.
    if "\x00" in text or not _is_encodable(text):
        raise ValidationError(
            _("The message contains characters that cannot be stored (such as NUL)."),
            code="invalid_text",
        )
    # Trailing and leading blank lines are noise; inner whitespace is the author's.
    text = text.strip()
    if len(text) > settings.CHAT_MESSAGE_MAX_LENGTH:
        raise ValidationError(
            _("The message is too long (%(length)s characters); the limit is %(max)s.")
            % {"length": len(text), "max": settings.CHAT_MESSAGE_MAX_LENGTH},
            code="too_long",
        )
    return text


def _existing(service_request, author, client_id) -> Message | None:
    if client_id is None:
        return None
    found = Message.objects.filter(
        service_request=service_request, author=author, client_id=client_id
    ).first()
    return message_with_relations(found.pk) if found else None


def _retry_or_closed(service_request, author, client_id) -> Message:
    """The answer for a closed request: the stored message of a retry, else Closed."""
    existing = _existing(service_request, author, client_id)
    if existing is not None:  # a retry of a message stored before the request closed
        existing.was_created = False
        return existing
    raise Closed(_("This request is closed; its chat is read-only."))


def message_send(
    *,
    author,
    service_request,
    text: str,
    client_id=None,
    attachments: Sequence = (),
    access_checked: bool = False,
    internal: bool = False,
) -> Message:
    """Store a person's message in a request's chat and broadcast it after commit.

    `attachments` are uploaded files (photos or videos). A second call with the same
    client_id from the same author returns the stored message unchanged (so a client may
    retry freely); `message.was_created` tells the two cases apart.

    `access_checked`: the caller holds `service_request` from service_requests.access for this
    author and keeps it current (the chat socket: chat/ws/request_socket.py); else it is checked
    here.
    Whether the request is closed is always decided here, in the write itself.

    Attachments are checked and decoded before the transaction opens: decoding a large
    photo takes seconds, and on SQLite an open write transaction blocks every other writer.

    `internal=True` stores a manager's internal note (docs/internal-notes.md): only
    managers receive it, and it does not move the request up the lists. Anyone else
    asking for one gets PermissionDenied, before anything is stored.
    """
    if not access_checked:
        # Http404 for a request the author may not see (the same answer as "missing").
        service_request = access_service_request(author, service_request.pk)
    internal = _clean_internal(internal, author, service_request)
    client_id = _clean_client_id(client_id)
    text = _clean_text(text)
    if service_request.is_closed or not can_post_message(author, service_request):
        return _retry_or_closed(service_request, author, client_id)
    if not text and not attachments:
        raise ValidationError(_("A message needs text or an attachment."), code="empty")
    prepared = attachments_prepare(list(attachments))
    return _message_store(
        author=author,
        service_request=service_request,
        text=text,
        client_id=client_id,
        prepared=prepared,
        internal=internal,
    )


def _clean_internal(internal, author, service_request) -> bool:
    """Whether this send is an internal note; PermissionDenied for a non-manager asking."""
    if internal is not True and internal is not False:
        raise ValidationError(_("“internal” must be true or false."), code="invalid")
    if internal and not can_write_internal_note(author, service_request):
        raise PermissionDenied(_("Only managers can write internal notes."))
    return internal


def _message_store(
    *, author, service_request, text, client_id, prepared, internal=False
) -> Message:
    """Write the message if the request is open; a retry returns the stored one."""
    now = timezone.now()
    message = Message(
        service_request=service_request,
        author=author,
        by_manager=is_manager(author),
        kind=Message.Kind.USER,
        text=text,
        client_id=client_id,
        created_at=now,
        internal=internal,
    )
    if prepared or connection.vendor != "postgresql":
        stored = _message_store_with_orm(message, prepared)
    else:
        stored = _message_store_in_one_statement(message)
    if stored is None:
        return _retry_or_closed(service_request, author, client_id)
    message.was_created = True
    # Built from what was just written, not read back: the author (and their organisation)
    # are the caller's objects, the attachments those created with it.
    message.data = message_data(message, attachments=stored)
    # An internal note goes to the managers' group of the request only: customers' sockets
    # are never in it, so no consumer has to filter it out (docs/internal-notes.md).
    group = (service_request_managers_group if internal else service_request_group)(
        service_request.pk
    )
    after_commit(
        group,
        {
            "type": "chat.message",
            "id": message.pk,
            "internal": internal,
            "frames": message_frames(message.data),
        },
    )
    announce_on_commit(message)
    return message


def _counted_for(message: Message) -> tuple[int, int]:
    """What the message adds to its request's (from customers, from managers) counts: a
    person's message the other side reads; an internal note counts for nobody."""
    if message.kind != Message.Kind.USER or message.internal:
        return 0, 0
    return (0, 1) if message.by_manager else (1, 0)


@transaction.atomic
def _message_store_with_orm(message: Message, prepared) -> list | None:
    """The portable way: the attachments, or None when the request is closed or the
    client_id was stored before."""
    from_customers, from_managers = _counted_for(message)
    # An internal note keeps the activity time (customers' lists must not move for it),
    # but the same statement still refuses a closed request and takes the row lock.
    activity = F("last_activity_at") if message.internal else message.created_at
    bump = {
        "last_activity_at": activity,
        "messages_from_customers": F("messages_from_customers") + from_customers,
        "messages_from_managers": F("messages_from_managers") + from_managers,
    }
    if message.by_manager and not message.internal:
        # The first manager message meets the first-response target (an internal note,
        # which the customer never sees, does not); later ones keep it.
        bump["first_response_at"] = Coalesce("first_response_at", Value(message.created_at))
    try:
        # A savepoint around both writes: a retry (the unique constraint, not a lookup,
        # decides) leaves the request's activity and counts as they were.
        with transaction.atomic():
            # One statement both refuses a request closed meanwhile and bumps its activity;
            # on PostgreSQL it also locks the row, so a message cannot slip in while it is
            # being closed, and messages of one request get their ids in the order they
            # commit (which the read counts rely on: chat/unread.py).
            bumped = (
                ServiceRequest.objects.filter(pk=message.service_request_id)
                .exclude(status=ServiceRequest.Status.CLOSED)
                .update(**bump)
            )
            if not bumped:
                return None
            message.save(force_insert=True)
            if not message.by_manager:
                # A customer who writes follows (issue 21): INSERT … ON CONFLICT DO
                # NOTHING, one statement, no lookup first.
                RequestFollower.objects.bulk_create(
                    [
                        RequestFollower(
                            service_request_id=message.service_request_id,
                            user_id=message.author_id,
                            created_at=message.created_at,
                        )
                    ],
                    ignore_conflicts=True,
                )
    except IntegrityError:
        if message.client_id is None:
            raise
        return None
    return [Attachment.objects.create(message=message, **fields) for fields in prepared]


# The socket's hot path on PostgreSQL, one statement and one round trip instead of six
# (BEGIN, UPDATE, SAVEPOINT, INSERT, RELEASE, COMMIT), atomic by itself: lock the request
# unless it is closed (so one request's messages get their ids in commit order), insert the
# message unless its client_id is already stored (the partial unique constraint decides, as
# in the ORM path), and only if it was inserted bump the request's activity and its message
# counts (chat/unread.py). No row back: closed, or a retry. A manager's first message also
# stamps first_response_at (kept once set), as in the ORM path. A customer's message makes
# its author a follower of the request (issue 21) in the same statement: ON CONFLICT DO
# NOTHING on the followers' unique index, so a member who already follows costs one index
# probe and no extra round trip.
_INSERT_IF_OPEN = """
WITH open_request AS (
    SELECT id FROM {requests}
    WHERE id = %(request)s AND status <> %(closed)s
    FOR UPDATE
), stored AS (
    INSERT INTO {messages}
        (service_request_id, author_id, by_manager, internal, kind, text, client_id, created_at)
    SELECT id, %(author)s, %(by_manager)s, %(internal)s, %(kind)s, %(text)s, %(client_id)s,
        %(now)s
    FROM open_request
    ON CONFLICT (service_request_id, author_id, client_id) WHERE client_id IS NOT NULL
    DO NOTHING
    RETURNING id, service_request_id
), bumped AS (
    UPDATE {requests}
    SET last_activity_at = CASE WHEN %(internal)s THEN last_activity_at ELSE %(now)s END,
        first_response_at = CASE WHEN %(by_manager)s AND NOT %(internal)s
            THEN COALESCE(first_response_at, %(now)s) ELSE first_response_at END,
        messages_from_customers = messages_from_customers + %(from_customers)s,
        messages_from_managers = messages_from_managers + %(from_managers)s
    WHERE id IN (SELECT service_request_id FROM stored)
), followed AS (
    INSERT INTO {followers} (service_request_id, user_id, created_at)
    SELECT service_request_id, %(author)s, %(now)s FROM stored WHERE NOT %(by_manager)s
    ON CONFLICT (service_request_id, user_id) DO NOTHING
)
SELECT id FROM stored
"""


def _message_store_in_one_statement(message: Message) -> list | None:
    sql = _INSERT_IF_OPEN.format(
        requests=connection.ops.quote_name(ServiceRequest._meta.db_table),
        messages=connection.ops.quote_name(Message._meta.db_table),
        followers=connection.ops.quote_name(RequestFollower._meta.db_table),
    )
    from_customers, from_managers = _counted_for(message)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {
                "now": message.created_at,
                "request": message.service_request_id,
                "closed": ServiceRequest.Status.CLOSED,
                "author": message.author_id,
                "by_manager": message.by_manager,
                # The column has no database default (a Django default only): name it.
                "internal": message.internal,
                "kind": message.kind,
                "text": message.text,
                "client_id": message.client_id,
                "from_customers": from_customers,
                "from_managers": from_managers,
            },
        )
        row = cursor.fetchone()
    if row is None:
        return None
    message.pk = row[0]
    message._state.adding = False
    return []
