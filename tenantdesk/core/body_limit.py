"""Refuse oversized request bodies before Django reads them.

Django's ASGIHandler reads a whole request body (spooled to a temporary file) before any
middleware or view runs, so a view cannot refuse a 200 MB POST before it has been stored.
This ASGI middleware wraps the HTTP side of the application (config/asgi.py) and decides
by route:

- every request may carry REQUEST_BODY_MAX_BYTES (a few MB: forms and JSON);
- a view marked with `@body_limit(upload_bytes=...)` accepts that many bytes more for its
  files, on POST, and only from a session of a signed-in user;
- a view marked with `@body_limit(upload_bytes=..., authorised=...)` is called by a
  machine, not a browser (the inbound-mail endpoint): its `authorised(headers)` check of
  the request's headers (a bearer token) replaces the session lookup.

A declared Content-Length is judged before anything is read. A body without one (chunked)
is counted as it arrives and cut off once over the limit: the wrapped application is told
the client went away (`http.disconnect`, on which Django's handler returns without an
answer) and the 413 is sent from here. The session is looked up only for a body over the
small limit on an upload route, off the event loop; if it cannot be (database down), the
answer is a 500 rather than a misleading 413. Answers are JSON for JSON endpoints
(core.errors.json_endpoint) and for clients that accept JSON, else a small page in the
site's layout.
"""

from __future__ import annotations

import json as json_module
import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user
from django.http import HttpRequest
from django.http.cookie import parse_cookie
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BodyAllowance:
    """What a view declares about its request bodies (see body_limit)."""

    # Bytes of files a signed-in user may send on top of REQUEST_BODY_MAX_BYTES; read from
    # the settings on every request, so it follows them.
    upload_bytes: Callable[[], int] | None = None
    # The view is a JSON endpoint: refusals use its {"error": {"code", "detail"}} shape.
    json: bool = False
    # For a view called by machines: whether the request's headers (lower-case bytes
    # names) carry its credentials; used instead of the session lookup. No database.
    authorised: Callable[[dict[bytes, bytes]], bool] | None = None


_PLAIN = BodyAllowance()


def body_limit(
    *,
    upload_bytes: Callable[[], int],
    authorised: Callable[[dict[bytes, bytes]], bool] | None = None,
):
    """Mark a view: it accepts uploads of up to `upload_bytes()` from signed-in users, or,
    with `authorised`, from requests whose headers that check accepts.
    Unmarked views accept REQUEST_BODY_MAX_BYTES."""

    def mark(view):
        view.body_allowance = BodyAllowance(
            upload_bytes=upload_bytes,
            json=getattr(view, "json_endpoint", False),
            authorised=authorised,
        )
        return view

    return mark


def allowance_for(path: str) -> BodyAllowance:
    """The allowance of the view the URLconf gives `path` (the one place routes live)."""
    try:
        match = resolve(path)
    except Resolver404:
        return _PLAIN
    default = BodyAllowance(json=getattr(match.func, "json_endpoint", False))
    return getattr(match.func, "body_allowance", default)


def upload_limit(allowance: BodyAllowance) -> int | None:
    """The most a signed-in user may POST to a view with this allowance (None: no uploads)."""
    if allowance.upload_bytes is None:
        return None
    return settings.REQUEST_BODY_MAX_BYTES + allowance.upload_bytes()


class _ReadOnlySession:
    """A session as get_user() reads it. What get_user may change (flush a stale session,
    cycle the key of one signed with a fallback secret) is left to Django's own middleware
    on the request itself: done here, the request would arrive without its session."""

    def __init__(self, store):
        self._store = store

    def __getitem__(self, key):
        return self._store[key]

    def get(self, key, default=None):
        return self._store.get(key, default)

    def __setitem__(self, key, value):
        pass

    def flush(self):
        pass

    def cycle_key(self):
        pass


# In a worker thread, as Channels does for the sockets' sessions: the event loop never
# waits on the database.
@database_sync_to_async
def _signed_in(session_key: str) -> bool:
    """Whether the session names a user who is signed in, checked as Django checks it
    (the user exists and is active, the session's password hash is current)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    request = HttpRequest()
    request.session = _ReadOnlySession(store)
    return get_user(request).is_authenticated


def _headers(scope) -> dict[bytes, bytes]:
    return {name.lower(): value for name, value in scope.get("headers", ())}


def _content_length(headers: dict[bytes, bytes]) -> int | None:
    raw = headers.get(b"content-length")
    if raw is None or not raw.strip().isdigit():
        return None  # absent or unusable: the body is counted as it arrives instead
    return int(raw)


def _cookies(headers: dict[bytes, bytes]) -> dict[str, str]:
    raw = headers.get(b"cookie")
    return parse_cookie(raw.decode("latin-1")) if raw else {}


class _Limit:
    """The body limit of one request: the small one, raised once for a signed-in upload."""

    def __init__(self, scope, headers):
        self.allowance = allowance_for(_path_info(scope))
        self.headers = headers
        self.bytes = settings.REQUEST_BODY_MAX_BYTES
        upload = upload_limit(self.allowance)
        self._upload = upload if scope.get("method") == "POST" else None
        self._asked = False
        # Set when the session could not be looked up (database or cache down): the
        # answer is then a server error, not a misleading "too large".
        self.lookup_failed = False

    async def admits(self, size: int) -> bool:
        if size <= self.bytes:
            return True
        if self._upload is None or self._asked or size > self._upload:
            return False
        self._asked = True  # one lookup per request, however the body arrives
        if self.allowance.authorised is not None:
            if self.allowance.authorised(self.headers):
                self.bytes = self._upload
            return size <= self.bytes
        key = _cookies(self.headers).get(settings.SESSION_COOKIE_NAME)
        if not key:
            return False
        try:
            signed_in = await _signed_in(key)
        except Exception:
            logger.exception("the session of an upload could not be looked up")
            self.lookup_failed = True
            return False
        if signed_in:
            self.bytes = self._upload
        return size <= self.bytes


def _path_info(scope) -> str:
    path = scope["path"]
    root = scope.get("root_path", "")
    return path.removeprefix(root) if root and path.startswith(root) else path


class RequestBodyLimit:
    """ASGI middleware for the HTTP side: see the module's docstring."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = _headers(scope)
        limit = _Limit(scope, headers)
        declared = _content_length(headers)
        if declared is not None and not await limit.admits(declared):
            logger.info("refused a body of %s bytes for %s", declared, scope["path"])
            return await _refuse(send, limit, headers)

        received = 0
        cut_off = False
        started = False

        async def limited_receive():
            nonlocal received, cut_off
            if cut_off:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if not await limit.admits(received):
                    cut_off = True
                    return {"type": "http.disconnect"}
            return message

        async def watched_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited_receive, watched_send)
        if cut_off and not started:
            logger.info("cut off a body over %s bytes for %s", limit.bytes, scope["path"])
            await _refuse(send, limit, headers)


# A fixed policy: this answer bypasses Django's middleware, so it carries the headers that
# middleware would add itself. The page has no inline script or style.
_SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
]


def _answer(limit: _Limit, headers: dict[bytes, bytes]) -> tuple[int, bytes, bytes]:
    """Status, body and content type of the refusal, in the client's language."""
    request = HttpRequest()
    request.COOKIES = _cookies(headers)
    request.META["HTTP_ACCEPT_LANGUAGE"] = headers.get(b"accept-language", b"").decode("latin-1")
    with translation.override(translation.get_language_from_request(request)):
        if limit.lookup_failed:
            status, code, template = 500, "server_error", "errors/500.html"
            detail = _("Something went wrong; try again in a moment.")
        else:
            size = filesizeformat(limit.bytes)
            status, code, template = 413, "too_large", "errors/413.html"
            detail = _("The request is too large; the limit here is %(limit)s.") % {"limit": size}
        if limit.allowance.json or b"application/json" in headers.get(b"accept", b""):
            body = json_module.dumps({"error": {"code": code, "detail": detail}}).encode()
            return status, body, b"application/json"
        page = render_to_string(template, {"detail": detail})
        return status, page.encode(), b"text/html; charset=utf-8"


async def _refuse(send, limit: _Limit, headers: dict[bytes, bytes]) -> None:
    status, body, content_type = await sync_to_async(_answer, thread_sensitive=False)(
        limit, headers
    )
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                # The rest of the body is not read: the connection cannot carry another
                # request, and closing it stops the upload.
                (b"connection", b"close"),
                *_SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
