"""The request id: one token per HTTP request or WebSocket, in every log line it causes.

nginx sets `X-Request-ID: $request_id` on what it passes to the workers. RequestId (ASGI
middleware around the whole application, config/asgi.py) takes that header when it is a
short token of letters, digits and dashes, else makes a new one (a client talking to a
worker directly cannot put arbitrary text into the logs), and keeps it in a context
variable for as long as the request, or the socket, is handled:

* HTTP: Django runs the request, its middleware and view (threads included: asgiref
  copies the context into them) inside this call; the id goes back in `X-Request-ID`.
* WebSocket: the consumer lives inside this call for the socket's whole life, so every
  frame it handles, and every event of the channel layer it receives, logs the id of the
  handshake. The accept carries `X-Request-ID` too.

RequestIdFilter, on the log handlers (config/settings), puts the id on every record as
`request_id` (None outside a request).
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar

HEADER = b"x-request-id"
# nginx's $request_id is 32 hex digits; a UUID with dashes is 36. Anything else is
# replaced rather than trimmed: a log line never carries what a client made up.
VALID = re.compile(r"[A-Za-z0-9-]{1,64}")

current_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def request_id_from(headers) -> str:
    """The id from ASGI headers when it is a valid token, else a new one."""
    values = [value for name, value in headers if name.lower() == HEADER]
    if len(values) == 1:
        candidate = values[0].decode("latin-1")
        if VALID.fullmatch(candidate):
            return candidate
    return uuid.uuid4().hex


def _with_header(message: dict, request_id: str) -> dict:
    headers = [(name, value) for name, value in message.get("headers", ()) if name != HEADER]
    return {**message, "headers": [*headers, (HEADER, request_id.encode("ascii"))]}


class RequestId:
    """ASGI middleware: see the module's docstring."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        request_id = request_id_from(scope.get("headers", ()))
        reply_start = "http.response.start" if scope["type"] == "http" else "websocket.accept"

        async def send_with_id(message):
            if message["type"] == reply_start:
                message = _with_header(message, request_id)
            await send(message)

        token = current_request_id.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current_request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (it never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        return True
