"""The inbox socket at /ws/inbox/: one per signed-in tab, carrying the live list's events.

It only listens: the page sends nothing but keeps it open, and on each event (chat/inbox.py)
asks over HTTP for what changed. The rules are the chat socket's, through the same
mixins: the Origin is checked before routing (core.websocket_origin), the session is read
at the handshake and rechecked (socket_access), a sign-out or revocation reaches it
through user_group (session.ended, access.changed), a channel layer outage closes it
with 1013 (chat.layer), and its close codes are protocol.py's.

Server → client frames: request.new, request.message (with `other_side`, whether it counts
as unread for this reader), request.read, request.status (chat/inbox.py), error.
Close codes: 4401 signed out; CLOSE_AUDIENCE_CHANGED when the person became or stopped
being a manager, or changed organisation (the page reconnects and joins the right groups).
"""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncWebsocketConsumer
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from tenantdesk.accounts.sessions import session_user
from tenantdesk.chat import inbox, protocol
from tenantdesk.chat.groups import user_group
from tenantdesk.chat.layer import ClosesWhenADependencyFails, layer_outage
from tenantdesk.chat.ratelimit import SlidingWindow
from tenantdesk.chat.socket_access import RequestSocketAccess
from tenantdesk.core.dbthread import DispatchesWithoutCleanup
from tenantdesk.core.errors import error_frame
from tenantdesk.core.languages import supported_language

# Not final for the page (only 4401 and 4404 are): it reconnects at once.
CLOSE_AUDIENCE_CHANGED = 4409
# Error frames answered per window; beyond that a chattering client is ignored.
ERRORS_PER_WINDOW = 10


class InboxSocketAccess(RequestSocketAccess):
    """RequestSocketAccess's handshake and rechecks, for a person instead of a request:
    the session must still sign the same person in, and what they may see (their audience)
    must not have changed since the socket joined its groups."""

    audience = None

    def _access_close_code(self) -> int | None:
        user = session_user(self.session_key)
        if user is None or (self.user is not None and user.pk != self.user.pk):
            return protocol.CLOSE_SIGNED_OUT
        audience = inbox.audience_of(user)
        if self.user is not None and audience != self.audience:
            return CLOSE_AUDIENCE_CHANGED
        self.user, self.audience = user, audience
        return None


class InboxConsumer(
    ClosesWhenADependencyFails, DispatchesWithoutCleanup, InboxSocketAccess, AsyncWebsocketConsumer
):
    async def connect(self):
        self.groups_joined: list[str] = []
        self.errors = SlidingWindow(ERRORS_PER_WINDOW)
        # The page says which language it shows; error frames answer in the same one.
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        self.language = supported_language(query.get("lang", [None])[0])
        code = await self.open_access()
        if code is not None:
            # Accept first so the client receives our 4xxx code, not a failed handshake.
            await self.accept()
            return await self.close(code=code)
        # Joined before accepting: once the page sees the socket open (and fetches the
        # state it catches up from), no event may pass it by.
        self.groups_joined = [
            user_group(self.user.pk),
            *inbox.groups_of(user_id=self.user.pk, audience=self.audience),
        ]
        await asyncio.gather(
            *(self.channel_layer.group_add(g, self.channel_name) for g in self.groups_joined)
        )
        layer_outage.recovered()
        await self.accept()

    async def disconnect(self, code):
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        # Nothing is asked over this socket (every type is unknown to it); say so rather
        # than drop the connection.
        if self.errors.hit():
            return
        with translation.override(self.language):
            error = ValidationError(_("Unknown frame type."), code="unknown_type")
            await self.send(text_data=protocol.encode(error_frame(error)))

    # --- events from the channel layer -----------------------------------------------------

    async def inbox_event(self, event):
        if not inbox.may_hear(self.audience, event.get("organisation_id")):
            return
        if not await self.still_allowed():
            return
        frame = event["frame"]
        if frame["type"] == "request.message":
            frame = {**frame, "other_side": self._is_other_side(frame)}
        await self.send(text_data=protocol.encode(frame))

    async def access_changed(self, event):
        # Pushed when the user's password, activity, role or organisation changed.
        await self.still_allowed(at_most_every=0)

    async def session_ended(self, event):
        if event.get("session_key") in (None, self.session_key):
            await self.close(code=protocol.CLOSE_SIGNED_OUT)

    def _is_other_side(self, frame: dict) -> bool:
        # What chat.unread counts: a person's message (not a system one) of the other side.
        if frame["system"] or frame["author_id"] == self.user.pk:
            return False
        manager = bool(self.audience and self.audience[0])
        return frame["by_manager"] != manager
