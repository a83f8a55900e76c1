"""The chat socket's wire format: reading a client's frame and the close codes.

Protocol (JSON objects with a `type`):
  client → server: message.send {client_id, text, internal?} (internal: true makes a
                   manager's internal note, sent to managers only; anyone else gets an
                   error frame with code "forbidden", nothing stored);
                   message.delivered {ids};
                   message.read {up_to_id} (the newest message of the other side that has
                   been on screen in a visible, focused tab; the read position never goes
                   back, so a stale or repeated frame changes nothing);
                   sync {after_id, receipts_for?: [ids of own messages not yet shown as read]}
  server → client: message {message} (its status: sent, delivered or read);
                   receipt {id, status: "delivered", delivered_at} or
                   receipt {id, status: "read", read_at} (someone of the other side read it);
                   request.status {status, status_label, closed};
                   sync {after_id, messages, has_more, receipts}; error {code, detail, client_id?}
Close codes: 4401 signed out (or the session ended), 4404 request not visible, 1013 the
channel layer (Redis) cannot be reached, 1012 the worker is restarting (uvicorn closes its
sockets so on SIGTERM): on either the page reconnects (through nginx, to a worker that
runs) and catches up with `sync`.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http.cookie import parse_cookie
from django.utils.translation import gettext as _

from tenantdesk.chat.ids import is_message_id

CLOSE_SIGNED_OUT = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_TRY_AGAIN_LATER = 1013  # RFC 6455: the server is overloaded or a dependency is down

FRAME_TYPES = ("message.send", "message.delivered", "message.read", "sync")


def max_frame_chars() -> int:
    # Room for the longest allowed text escaped as JSON, plus the other fields.
    return settings.CHAT_MESSAGE_MAX_LENGTH * 6 + 1024


def parse_frame(text_data: str | None) -> dict:
    """A client's frame as a dict with a known `type`, or ValidationError saying why not."""
    if text_data is None:
        raise ValidationError(_("Frames must be JSON text."), code="malformed")
    if len(text_data) > max_frame_chars():
        raise ValidationError(_("The frame is too large."), code="too_large")
    try:
        frame = json.loads(text_data)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise ValidationError(_("The frame is not valid JSON."), code="malformed") from None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise ValidationError(_("A frame must be a JSON object with a type."), code="malformed")
    if frame["type"] not in FRAME_TYPES:
        raise ValidationError(_("Unknown frame type."), code="unknown_type")
    return frame


def is_send(frame) -> bool:
    return isinstance(frame, dict) and frame.get("type") == "message.send"


def send_client_id(frame) -> str | None:
    """The client_id a refused message.send is answered with, so the page knows which."""
    client_id = frame.get("client_id") if is_send(frame) else None
    return client_id if isinstance(client_id, str) else None


def send_fields(frame: dict) -> tuple[str, str]:
    """message.send's client_id and text."""
    client_id, text = frame.get("client_id"), frame.get("text", "")
    if not isinstance(client_id, str) or not isinstance(text, str):
        raise ValidationError(_("message.send needs a client_id and a text string."))
    return client_id, text


def send_internal(frame: dict) -> bool:
    """message.send's internal flag (absent: false); who may set it is the service's check."""
    internal = frame.get("internal", False)
    if not isinstance(internal, bool):
        raise ValidationError(_("message.send's internal must be true or false."))
    return internal


def delivered_ids(frame: dict) -> list:
    """message.delivered's ids (each one is checked by the service, chat.ids)."""
    if not isinstance(frame.get("ids"), list):
        raise ValidationError(_("message.delivered needs a list of ids."))
    return frame["ids"]


def read_up_to_id(frame: dict) -> int:
    """message.read's up_to_id."""
    up_to_id = frame.get("up_to_id")
    if not is_message_id(up_to_id):
        raise ValidationError(_("message.read needs up_to_id, a message id."), code="invalid_id")
    return up_to_id


def sync_fields(frame: dict) -> tuple[int, list]:
    """sync's after_id (0: from the start) and receipts_for, the page's own messages it
    still shows as sent (their receipts were missed while away)."""
    after_id = frame.get("after_id")
    after_id = 0 if after_id is None else after_id
    receipts_for = frame.get("receipts_for") or []
    if not is_message_id(after_id):
        raise ValidationError(_("sync needs after_id, a message id or 0."))
    if not isinstance(receipts_for, list):
        raise ValidationError(_("receipts_for must be a list of ids."))
    return after_id, receipts_for


def session_key(scope) -> str | None:
    """The session cookie of the handshake (the browser sends the page's cookies)."""
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            return parse_cookie(value.decode("latin-1")).get(settings.SESSION_COOKIE_NAME)
    return None


def encode(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False)
