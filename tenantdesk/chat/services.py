"""The only code that writes chat messages. Each write broadcasts after commit.

Services raise:
- Http404 when the user may not see the request (from the permissions module);
- core.errors.Closed (a PermissionDenied) when the request is closed;
- ValidationError with a code for bad input: empty, too_long, invalid_text,
  too_many_attachments, bad_attachment (and the photo checker's codes), invalid_client_id.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, Value
from django.db.models.functions import Coalesce
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tenantdesk.chat.announcements import message_posted, messages_read
from tenantdesk.chat.broadcast import after_commit, send_all_now, send_now
from tenantdesk.chat.groups import (
    service_request_group,
    service_request_managers_group,
    user_group,
)
from tenantdesk.chat.ids import is_message_id, parse_message_ids
from tenantdesk.chat.models import Attachment, Message, ReadCursor
from tenantdesk.chat.serializers import message_data, system_text
from tenantdesk.chat.video import sniff_uploaded_video
from tenantdesk.core.errors import Closed
from tenantdesk.core.images import process_image
from tenantdesk.core.permissions import (
    access_service_request,
    can_post_message,
    can_write_internal_note,
    is_manager,
)
from tenantdesk.service_requests.models import RequestEvent, ServiceRequest

logger = logging.getLogger(__name__)


def _broadcast_on_commit(service_request_id: int, event: dict) -> None:
    """Send an event to everyone watching the request, once the data is committed."""
    after_commit(service_request_group(service_request_id), event)


def _announce_on_commit(message: Message) -> None:
    """Tell the apps on top (notifications) about a stored message, once committed."""
    transaction.on_commit(lambda: message_posted.send(sender=Message, message=message))


def _message_with_relations(pk: int) -> Message:
    return (
        Message.objects.select_related("author__organisation")
        .prefetch_related("attachments")
        .get(pk=pk)
    )


# --- attachments --------------------------------------------------------------------------


def _prepare_attachment(uploaded) -> dict:
    """Check one upload and return the Attachment fields to store, or raise ValidationError.

    Videos are recognised by their container's first bytes; everything else must decode
    as a photo, which is re-encoded without metadata by the shared photo checker.
    """
    name = (getattr(uploaded, "name", "") or "")[:255]
    video = sniff_uploaded_video(uploaded)
    if video is not None:
        size = uploaded.size
        if size > settings.VIDEO_MAX_BYTES:
            raise ValidationError(
                _("The video “%(name)s” is too large (%(size)s); the limit is %(limit)s.")
                % {
                    "name": name,
                    "size": filesizeformat(size),
                    "limit": filesizeformat(settings.VIDEO_MAX_BYTES),
                },
                code="too_large",
            )
        uploaded.seek(0)
        return {
            "kind": Attachment.Kind.VIDEO,
            "file": File(uploaded, name=f"video.{video.extension}"),
            "content_type": video.content_type,
            "extension": video.extension,
            "size": size,
            "original_name": name,
        }
    try:
        photo = process_image(uploaded)
    except ValidationError as error:
        if error.code == "not_image":
            raise ValidationError(
                _(
                    "“%(name)s” is neither a photo (JPEG, PNG, WebP) "
                    "nor a video (MP4, WebM, QuickTime)."
                )
                % {"name": name},
                code="bad_attachment",
            ) from None
        raise ValidationError(f"{name}: {error.messages[0]}", code=error.code) from None
    return {
        "kind": Attachment.Kind.PHOTO,
        "file": photo.image,
        "thumbnail": photo.thumbnail,
        "content_type": "image/jpeg",
        "extension": "jpg",
        "size": photo.size,
        "width": photo.width,
        "height": photo.height,
        "original_name": name,
    }


def attachments_prepare(files: Sequence) -> list[dict]:
    """Check every upload of one message before anything is stored."""
    if len(files) > settings.CHAT_MAX_ATTACHMENTS:
        raise ValidationError(
            _("At most %(max)s files can be attached to one message.")
            % {"max": settings.CHAT_MAX_ATTACHMENTS},
            code="too_many_attachments",
        )
    return [_prepare_attachment(uploaded) for uploaded in files]


# --- sending ------------------------------------------------------------------------------


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
    return _message_with_relations(found.pk) if found else None


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

    `access_checked`: the caller holds `service_request` from core.permissions for this
    author and keeps it current (the chat socket: chat.socket_access); else it is checked
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
    after_commit(group, {"type": "chat.message", "data": message.data})
    _announce_on_commit(message)
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
# stamps first_response_at (kept once set), as in the ORM path.
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
)
SELECT id FROM stored
"""


def _message_store_in_one_statement(message: Message) -> list | None:
    sql = _INSERT_IF_OPEN.format(
        requests=connection.ops.quote_name(ServiceRequest._meta.db_table),
        messages=connection.ops.quote_name(Message._meta.db_table),
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


# --- delivery -----------------------------------------------------------------------------


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
        {"id": pk, "status": "delivered", "delivered_at": _aware(at).isoformat()} for pk, at in rows
    ]
    if receipts:
        _broadcast_on_commit(service_request.pk, {"type": "chat.receipt", "receipts": receipts})
    return receipts


# UPDATE … RETURNING: PostgreSQL, and SQLite since 3.35.
_MARK_DELIVERED = """
UPDATE {messages} SET delivered_at = %s
WHERE service_request_id = %s AND kind = %s AND by_manager = %s AND delivered_at IS NULL
AND NOT internal
AND id IN ({ids})
RETURNING id, delivered_at
"""


def _aware(value):
    # A raw cursor on SQLite returns the stored text, not a datetime.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


# --- system messages ----------------------------------------------------------------------


# The kinds of RequestEvent the chat reports, each as a system message everyone in the chat
# sees, customers included; the others (the creation, a rating) have pages of their own.
CHAT_REPORTED_EVENTS = (
    RequestEvent.Kind.STATUS,
    RequestEvent.Kind.ASSIGNED,
    RequestEvent.Kind.UNASSIGNED,
    RequestEvent.Kind.PRIORITY,
)


def system_event_data(event: RequestEvent) -> dict:
    """What a system message keeps of a request's event (Message.event): the payload's
    data with its kind as "type" and who did it, so each reader gets the text in their own
    language (serializers.system_text). A status step keeps from, to and a reason given."""
    data = dict(event.data)
    if event.kind == RequestEvent.Kind.STATUS:
        data = {key: data[key] for key in ("from", "to", "reason") if data.get(key)}
    actor = event.actor
    return {
        **data,
        "type": event.kind,
        "actor": actor.display_name if actor else None,
        "actor_id": actor.pk if actor else None,
    }


@transaction.atomic
def request_event_message_post(*, event: RequestEvent) -> Message | None:
    """Post a request's event as a system message and tell the open chats after commit (a
    status step also as `request.status`, which moves the page's status and controls).

    Called (through service_requests.signals.request_event) inside the event's
    transaction, so the message exists exactly when the change does. Kinds the chat does
    not report return None.
    """
    if event.kind not in CHAT_REPORTED_EVENTS:
        return None
    data = system_event_data(event)
    with translation.override(settings.LANGUAGE_CODE):
        # Kept for the admin site and exports; readers get the text in their own language.
        text = system_text(data, "")
    message = Message.objects.create(
        service_request_id=event.service_request_id,
        kind=Message.Kind.SYSTEM,
        text=text,
        event=data,
        created_at=event.created_at,
    )
    # A system message has no author or attachments: its data needs no reading back.
    message.author = None
    message.data = message_data(message, attachments=[])
    _announce_on_commit(message)
    if event.kind == RequestEvent.Kind.STATUS:
        frame = {
            "type": "request.status",
            "service_request_id": event.service_request_id,
            "status": event.payload.to_status,
            "data": message.data,
        }
    else:
        frame = {"type": "chat.message", "data": message.data}
    _broadcast_on_commit(event.service_request_id, frame)
    return message


# --- sessions -----------------------------------------------------------------------------


def user_sockets_disconnect(*, user_id: int, session_key: str | None) -> None:
    """Close the chat sockets opened with this session (all of the user's when None)."""
    send_now(user_group(user_id), {"type": "session.ended", "session_key": session_key})


def user_sockets_recheck(*, user_ids: Iterable[int]) -> None:
    """Make every chat socket of these users check its session and access again now.

    One trip to the event loop for them all: a bulk deactivation may name thousands, and
    a trip per user (a fresh loop, so a fresh Redis connection) took about 3 ms each."""
    send_all_now([(user_group(user_id), {"type": "access.changed"}) for user_id in user_ids])


# --- reading ------------------------------------------------------------------------------


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
            _broadcast_on_commit(service_request.pk, {"type": "chat.receipt", "receipts": receipts})
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
    return [{"id": pk, "status": "read", "read_at": _aware(at).isoformat()} for pk, at in rows]
