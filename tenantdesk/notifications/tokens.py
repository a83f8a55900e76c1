"""Signed tokens in e-mails: the per-person, per-request reply address and the one-click
unsubscribe link. Both expire, and neither can be made without SECRET_KEY."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

_REPLY_SALT = "tenantdesk.notifications.reply"
_UNSUBSCRIBE_SALT = "tenantdesk.notifications.unsubscribe"
# 80 bits of HMAC-SHA256, lower-case hex: a mail server may fold the case of an address.
_SIGNATURE_HEX = 20
_DAY = 86_400


@dataclass(frozen=True)
class ReplyTarget:
    user_id: int
    service_request_id: int


def _today() -> int:
    return int(time.time()) // _DAY


def _reply_signature(user_id: int, service_request_id: int, day: int) -> str:
    value = f"{user_id}.{service_request_id}.{day}"
    return salted_hmac(_REPLY_SALT, value, algorithm="sha256").hexdigest()[:_SIGNATURE_HEX]


def reply_token(*, user_id: int, service_request_id: int) -> str:
    """A token for the local part of a reply address: short enough for the 64 characters
    an address's local part may have, and only lower-case letters, digits and dots."""
    day = _today()
    signature = _reply_signature(user_id, service_request_id, day)
    return f"{user_id:x}.{service_request_id:x}.{day:x}.{signature}"


def reply_address(*, user_id: int, service_request_id: int) -> str | None:
    """reply+<token>@REPLY_DOMAIN, or None when reply by e-mail is not set up."""
    if not settings.REPLY_DOMAIN:
        return None
    token = reply_token(user_id=user_id, service_request_id=service_request_id)
    return f"reply+{token}@{settings.REPLY_DOMAIN}"


def read_reply_token(token: str) -> ReplyTarget | None:
    """Whom and which request a reply token names; None when it is malformed, forged or
    older than REPLY_TOKEN_MAX_AGE_DAYS."""
    parts = token.strip().lower().split(".")
    if len(parts) != 4 or not all(parts) or len(token) > 64:
        return None
    try:
        user_id, service_request_id, day = (int(part, 16) for part in parts[:3])
    except ValueError:
        return None
    if not constant_time_compare(parts[3], _reply_signature(user_id, service_request_id, day)):
        return None
    if not 0 <= _today() - day <= settings.REPLY_TOKEN_MAX_AGE_DAYS:
        return None
    return ReplyTarget(user_id=user_id, service_request_id=service_request_id)


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    """A URL-safe token that turns off one kind of e-mail for one person."""
    return signing.dumps({"u": user_id, "k": kind}, salt=_UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, kind) from an unsubscribe token; None when forged or expired."""
    max_age = settings.UNSUBSCRIBE_TOKEN_MAX_AGE_DAYS * _DAY
    try:
        data = signing.loads(token, salt=_UNSUBSCRIBE_SALT, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is one too
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    if not isinstance(data.get("k"), str):
        return None
    return data["u"], data["k"]
