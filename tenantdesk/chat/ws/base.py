"""One base for the chat's sockets: the request's chat (request_socket.py) and the inbox
(inbox_socket.py) differ only in what they check, which groups they join and what they
handle.

What every socket shares, here once:
- the Origin is checked before routing (core.websocket_origin, in config/asgi.py);
- the session is read at the handshake from the cookie, and access checked (the
  subclass's `access_close_code`, in a database thread: accounts.sessions gives the user
  with their role in one joined query); a refusal is sent as a close code after accepting,
  so the page learns why (protocol.Close);
- the groups are joined before accepting: once the page sees the socket open, nothing
  broadcast to it can pass it by;
- revocation: a sign-out (session.ended) or a change of access pushed by accounts
  (access.changed) makes it check again at once; besides, access is checked again at
  most every ACCESS_RECHECK_SECONDS on frames and events, so nothing depends on a push
  alone; once access is gone, nothing more is acted on;
- a dependency that goes away (Redis, PostgreSQL) closes it with 1013 (chat/layer.py);
- the language the page shows (?lang=) is the one its frames speak.
"""

from __future__ import annotations

import asyncio
import time
from typing import ClassVar
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.http.cookie import parse_cookie

from tenantdesk.chat.layer import ClosesWhenADependencyFails, layer_outage
from tenantdesk.chat.ws import frames
from tenantdesk.chat.ws.protocol import Close
from tenantdesk.core.dbthread import DispatchesWithoutCleanup, in_database_thread
from tenantdesk.core.languages import supported_language
from tenantdesk.core.outages import database_outage

ACCESS_RECHECK_SECONDS = 30


def cookie_session_key(scope) -> str | None:
    """The session cookie of the handshake (the browser sends the page's cookies)."""
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            return parse_cookie(value.decode("latin-1")).get(settings.SESSION_COOKIE_NAME)
    return None


class BaseSocket(ClosesWhenADependencyFails, DispatchesWithoutCleanup, AsyncWebsocketConsumer):
    # The frames this socket may send (a union of ws.frames' Structs): their schemas.
    server_frames: ClassVar[object]

    user = None
    session_key = None
    checked_at = 0.0
    # Set once access was found gone: the socket is closing, and a frame or event that
    # still reaches it is not acted on.
    access_lost = False

    # --- subclasses ---------------------------------------------------------------------

    def access_close_code(self) -> int | None:
        """In a database thread: None while this socket's person may keep it (and its
        state refreshed), else the close code. The user as the session has it now."""
        raise NotImplementedError

    def groups_to_join(self) -> list[str]:
        """The channel layer groups to join once access holds."""
        raise NotImplementedError

    # --- opening and closing ------------------------------------------------------------

    async def connect(self):
        self.groups_joined: list[str] = []
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        self.language = supported_language(query.get("lang", [None])[0])
        self.session_key = cookie_session_key(self.scope)
        code = await self._check()
        database_outage.recovered()  # the session was read: the database answers
        if code is not None:
            # Accept first so the client receives our code, not a failed handshake.
            await self.accept()
            return await self.close(code=code)
        self.groups_joined = self.groups_to_join()
        await asyncio.gather(
            *(self.channel_layer.group_add(g, self.channel_name) for g in self.groups_joined)
        )
        layer_outage.recovered()
        await self.accept()

    async def disconnect(self, code):
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    # --- access, kept fresh -------------------------------------------------------------

    async def _check(self) -> int | None:
        code = await in_database_thread(self.access_close_code)
        self.checked_at = time.monotonic()
        return code

    async def still_allowed(self, *, at_most_every: float | None = None) -> bool:
        """True while access holds; else closes the socket. Asks again only when the last
        answer is older than `at_most_every` (default ACCESS_RECHECK_SECONDS; 0: now)."""
        if self.access_lost:
            return False
        if at_most_every is None:
            at_most_every = ACCESS_RECHECK_SECONDS
        if time.monotonic() - self.checked_at < at_most_every:
            return True
        code = await self._check()
        if code is not None:
            self.access_lost = True
            await self.close(code=code)
        return code is None

    async def access_changed(self, event):
        # Pushed when the user's password, activity, role or organisation changed.
        await self.still_allowed(at_most_every=0)

    async def session_ended(self, event):
        if event.get("session_key") in (None, self.session_key):
            self.access_lost = True
            await self.close(code=Close.SIGNED_OUT)

    async def close(self, code=None, reason=None):
        # A server takes the close code as a plain int (Daphne refuses an IntEnum member).
        await super().close(code=int(code) if code not in (None, True) else code, reason=reason)

    # --- sending ------------------------------------------------------------------------

    async def send_text(self, text: str) -> None:
        """Send a frame already encoded (once per broadcast: ws.outgoing)."""
        await self.send(text_data=text)

    async def send_frame(self, frame: dict) -> None:
        """Send a frame made for this socket alone (an answer, an error)."""
        await self.send_text(frames.encode(frame))
