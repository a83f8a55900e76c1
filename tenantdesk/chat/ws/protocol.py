"""The chat's WebSocket protocol, named once: close codes and frame types.

The pages receive these names as JSON ({% socket_protocol %} in base.html, read by
static/chat/js/protocol.js): no JavaScript file types a close code or a frame's name.

Close codes: 4401 signed out (or the session ended), 4404 the request is not (or no
longer) visible, 4409 the person's audience changed (the inbox reconnects at once and
joins the right groups), 1013 a dependency (Redis, PostgreSQL) is away: back off and
catch up with `sync` when it returns, 1012 the worker is restarting (uvicorn closes its
sockets with it on SIGTERM): reconnect through nginx to a worker that runs. Only 4401
and 4404 are final.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Close(IntEnum):
    SIGNED_OUT = 4401
    NOT_FOUND = 4404
    AUDIENCE_CHANGED = 4409
    TRY_AGAIN_LATER = 1013  # RFC 6455: the server is overloaded or a dependency is down
    RESTARTING = 1012  # uvicorn's on SIGTERM; named here so the pages know it


# After these the page stops reconnecting: nothing a retry could change.
FINAL_CLOSES = (Close.SIGNED_OUT, Close.NOT_FOUND)


class Frame(StrEnum):
    # client → server (the request's chat)
    MESSAGE_SEND = "message.send"
    MESSAGE_DELIVERED = "message.delivered"
    MESSAGE_READ = "message.read"
    SYNC = "sync"
    # server → client (the request's chat)
    MESSAGE = "message"
    RECEIPT = "receipt"
    REQUEST_STATUS = "request.status"
    # Something the chat has no line for changed the request (a rating): the page
    # fetches its header and details again (issue 23).
    REQUEST_CHANGED = "request.changed"
    ERROR = "error"
    # server → client (the inbox: the live lists, the badge, notifications)
    REQUEST_NEW = "request.new"
    REQUEST_MESSAGE = "request.message"
    REQUEST_READ = "request.read"


def for_pages() -> dict:
    """The names as the pages' JavaScript reads them (static/chat/js/protocol.js)."""
    return {
        "close": {code.name: int(code) for code in Close},
        "final": [int(code) for code in FINAL_CLOSES],
        "frames": {frame.name: frame.value for frame in Frame},
    }
