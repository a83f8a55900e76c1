"""The frames of the chat's sockets, typed: what a client may send, read and checked once on
the way in, and what the server sends, each with a schema (tests check every frame the
server sends against it, as Zulip's event_schema does).

msgspec does both ways, chosen by measurement (docs/message-path.md): decoding and
checking a message.send took 0.5 µs against 7.3 µs for json.loads with the checks written
out (pydantic: 6.6 µs), and encoding a message frame 2.6 µs against 40 µs for json.dumps.
A frame that does not decode is read a second time, slowly, only to say in the person's
language what is wrong with it.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import msgspec
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tenantdesk.chat.ids import is_message_id
from tenantdesk.chat.ws.protocol import Frame

# --- client → server ---------------------------------------------------------------------


class MessageSend(msgspec.Struct, tag=Frame.MESSAGE_SEND.value, tag_field="type"):
    """A person's message; `internal` makes a manager's internal note (the service decides
    who may)."""

    client_id: str
    text: str = ""
    internal: bool = False


class MessageDelivered(msgspec.Struct, tag=Frame.MESSAGE_DELIVERED.value, tag_field="type"):
    """These messages of the other side reached the client (the service checks each id)."""

    ids: list[Any]


class MessageRead(msgspec.Struct, tag=Frame.MESSAGE_READ.value, tag_field="type"):
    """The newest message of the other side that has been on screen."""

    up_to_id: int


class Sync(msgspec.Struct, tag=Frame.SYNC.value, tag_field="type"):
    """What the client missed after `after_id`, and the receipts of its own messages it
    still shows as sent or delivered."""

    after_id: int | None = None
    receipts_for: list[Any] | None = None


ClientFrame = MessageSend | MessageDelivered | MessageRead | Sync
_client_frames = msgspec.json.Decoder(ClientFrame)


def max_frame_chars() -> int:
    # Room for the longest allowed text escaped as JSON, plus the other fields.
    return settings.CHAT_MESSAGE_MAX_LENGTH * 6 + 1024


def parse_client_frame(text: str | None) -> ClientFrame:
    """A client's frame, typed and checked; ValidationError (in the active language) saying
    what is wrong with it otherwise."""
    if text is None:
        raise ValidationError(_("Frames must be JSON text."), code="malformed")
    if len(text) > max_frame_chars():
        raise ValidationError(_("The frame is too large."), code="too_large")
    try:
        frame = _client_frames.decode(text)
    except (msgspec.MsgspecError, RecursionError):
        # What the fast path refuses is not always wrong: JSON allows a lone surrogate in
        # a string and 1e400 as a number, which the services refuse with their own words.
        frame = _typed_slowly(text)
    if isinstance(frame, MessageRead) and not is_message_id(frame.up_to_id):
        raise ValidationError(_("message.read needs up_to_id, a message id."), code="invalid_id")
    after_id = frame.after_id if isinstance(frame, Sync) else None
    if after_id is not None and not is_message_id(after_id):
        raise ValidationError(_("sync needs after_id, a message id or 0."))
    return frame


def _typed_slowly(text: str) -> ClientFrame:
    """The frame read with the standard library and checked field by field: a typed frame,
    or ValidationError naming what is wrong."""
    try:
        frame = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise ValidationError(_("The frame is not valid JSON."), code="malformed") from None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise ValidationError(_("A frame must be a JSON object with a type."), code="malformed")
    kind = frame["type"]
    if kind == Frame.MESSAGE_SEND:
        client_id, text_value = frame.get("client_id"), frame.get("text", "")
        if not isinstance(client_id, str) or not isinstance(text_value, str):
            raise ValidationError(_("message.send needs a client_id and a text string."))
        internal = frame.get("internal", False)
        if not isinstance(internal, bool):
            raise ValidationError(_("message.send's internal must be true or false."))
        return MessageSend(client_id=client_id, text=text_value, internal=internal)
    if kind == Frame.MESSAGE_DELIVERED:
        if not isinstance(frame.get("ids"), list):
            raise ValidationError(_("message.delivered needs a list of ids."))
        return MessageDelivered(ids=frame["ids"])  # each id is the service's to check
    if kind == Frame.MESSAGE_READ:
        if not is_message_id(frame.get("up_to_id")):
            raise ValidationError(
                _("message.read needs up_to_id, a message id."), code="invalid_id"
            )
        return MessageRead(up_to_id=frame["up_to_id"])
    if kind == Frame.SYNC:
        after_id, receipts_for = frame.get("after_id"), frame.get("receipts_for") or []
        if after_id is not None and not is_message_id(after_id):
            raise ValidationError(_("sync needs after_id, a message id or 0."))
        if not isinstance(receipts_for, list):
            raise ValidationError(_("receipts_for must be a list of ids."))
        return Sync(after_id=after_id, receipts_for=receipts_for)
    raise ValidationError(_("Unknown frame type."), code="unknown_type")


def client_id_of(text: str | None) -> str | None:
    """The client_id of a message.send that was refused before it was typed (so the page
    knows which message it was); None for anything else."""
    try:
        frame = json.loads(text or "")
    except (ValueError, RecursionError):
        return None
    if isinstance(frame, dict) and frame.get("type") == Frame.MESSAGE_SEND:
        client_id = frame.get("client_id")
        return client_id if isinstance(client_id, str) else None
    return None


# --- server → client ---------------------------------------------------------------------
# The schemas of what the server sends. The frames are built as plain data where they are
# made (the services, once per broadcast) and encoded once; these Structs say what they
# must look like, and the tests check every frame sent against them.

Status = Literal["sent", "delivered", "read"]


class AttachmentData(msgspec.Struct, forbid_unknown_fields=True):
    id: int
    kind: Literal["photo", "video"]
    content_type: str
    size: int
    width: int | None
    height: int | None
    name: str
    url: str
    thumbnail_url: str | None


class MessageData(msgspec.Struct, forbid_unknown_fields=True):
    """A message as a reader of a language sees it (serializers.message_for_language);
    whether it is the reader's own the page tells from author_id."""

    id: int
    service_request_id: int
    client_id: str | None
    kind: Literal["user", "system"]
    text: str
    event: dict[str, Any] | None
    created_at: str
    delivered_at: str | None
    read_at: str | None
    status: Status
    author_id: int | None
    by_manager: bool
    internal: bool
    organisation: str | None
    author_name: str | None
    # The author was removed from their organisation (or deactivated as a manager) since.
    author_former: bool
    author_initials: str | None
    attachments: list[AttachmentData]
    time_label: str
    day: str
    day_label: str
    author_label: str


class ReceiptData(msgspec.Struct, forbid_unknown_fields=True):
    id: int
    status: Literal["delivered", "read"]
    delivered_at: str | None = None
    read_at: str | None = None


class MessageFrame(
    msgspec.Struct, tag=Frame.MESSAGE.value, tag_field="type", forbid_unknown_fields=True
):
    message: MessageData


class ReceiptFrame(
    msgspec.Struct, tag=Frame.RECEIPT.value, tag_field="type", forbid_unknown_fields=True
):
    id: int
    status: Literal["delivered", "read"]
    delivered_at: str | None = None
    read_at: str | None = None


class RequestStatusFrame(
    msgspec.Struct, tag=Frame.REQUEST_STATUS.value, tag_field="type", forbid_unknown_fields=True
):
    status: Literal["pending", "in_progress", "closed"]
    status_label: str
    closed: bool


class RequestChangedFrame(
    msgspec.Struct, tag=Frame.REQUEST_CHANGED.value, tag_field="type", forbid_unknown_fields=True
):
    kind: str  # the RequestEvent's kind, e.g. "rated"


class SyncFrame(msgspec.Struct, tag=Frame.SYNC.value, tag_field="type", forbid_unknown_fields=True):
    after_id: int
    messages: list[MessageData]
    has_more: bool
    receipts: list[ReceiptData]


class ErrorFrame(
    msgspec.Struct, tag=Frame.ERROR.value, tag_field="type", forbid_unknown_fields=True
):
    code: str
    detail: str
    client_id: str | None = None


ChatServerFrame = (
    MessageFrame | ReceiptFrame | RequestStatusFrame | RequestChangedFrame | SyncFrame | ErrorFrame
)


class InboxRequestNew(
    msgspec.Struct, tag=Frame.REQUEST_NEW.value, tag_field="type", forbid_unknown_fields=True
):
    service_request_id: int
    title: str


class InboxRequestMessage(
    msgspec.Struct, tag=Frame.REQUEST_MESSAGE.value, tag_field="type", forbid_unknown_fields=True
):
    service_request_id: int
    message_id: int
    title: str
    system: bool
    by_manager: bool
    author_id: int | None
    preview: str
    attachments: int
    # Whether it counts as unread for this reader (a person's message of the other side).
    other_side: bool


class InboxRequestRead(
    msgspec.Struct, tag=Frame.REQUEST_READ.value, tag_field="type", forbid_unknown_fields=True
):
    service_request_id: int
    last_read_id: int


class InboxRequestStatus(
    msgspec.Struct, tag=Frame.REQUEST_STATUS.value, tag_field="type", forbid_unknown_fields=True
):
    service_request_id: int
    status: Literal["pending", "in_progress", "closed"]
    closed: bool


InboxServerFrame = (
    InboxRequestNew | InboxRequestMessage | InboxRequestRead | InboxRequestStatus | ErrorFrame
)

_encoder = msgspec.json.Encoder()


def encode(frame: dict | msgspec.Struct) -> str:
    """A frame as the text a socket sends (once per broadcast, not once per reader)."""
    return _encoder.encode(frame).decode()
