"""Whether an existing sign-in still holds, for code that has a session key but no request
(a WebSocket re-checking itself)."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user
from django.http import HttpRequest


def session_user(session_key: str | None):
    """The user this session still signs in, or None.

    None when the session ended or expired, or when the user was deactivated, deleted or
    changed password since it began. Django's own rules decide (auth.get_user compares the
    password hash kept in the session), so a page and a socket always agree; like a page,
    this ends a session whose password hash no longer matches.
    """
    if not session_key:
        return None
    engine = import_module(settings.SESSION_ENGINE)
    request = HttpRequest()
    request.session = engine.SessionStore(session_key)
    user = get_user(request)
    return user if user.is_authenticated else None
