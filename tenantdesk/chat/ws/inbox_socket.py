"""The inbox at /ws/inbox/: one per signed-in tab, carrying the live list's events.

It only listens: the page sends nothing but keeps it open, and on each event (chat/inbox.py)
asks over HTTP for what changed. What every socket shares is ws/base.py's; here, the
person's audience (which requests' events they hear: chat/inbox.py) must stay the one the
socket joined its groups for, else it closes with Close.AUDIENCE_CHANGED and the page
reconnects at once into the right groups.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from tenantdesk.accounts.sessions import session_user
from tenantdesk.chat import inbox
from tenantdesk.chat.groups import user_group
from tenantdesk.chat.ratelimit import SlidingWindow
from tenantdesk.chat.ws import frames
from tenantdesk.chat.ws.base import BaseSocket
from tenantdesk.chat.ws.protocol import Close
from tenantdesk.core.errors import error_frame

# Error frames answered per window; beyond that a chattering client is ignored.
ERRORS_PER_WINDOW = 10


class InboxSocket(BaseSocket):
    server_frames = frames.InboxServerFrame
    audience = None

    def access_close_code(self) -> int | None:
        user = session_user(self.session_key)
        if user is None or (self.user is not None and user.pk != self.user.pk):
            return Close.SIGNED_OUT
        audience = inbox.audience_of(user)
        if self.user is not None and audience != self.audience:
            return Close.AUDIENCE_CHANGED
        self.user, self.audience = user, audience
        return None

    def groups_to_join(self) -> list[str]:
        return [
            user_group(self.user.pk),
            *inbox.groups_of(user_id=self.user.pk, audience=self.audience),
        ]

    async def connect(self):
        self.errors = SlidingWindow(ERRORS_PER_WINDOW)
        await super().connect()

    async def receive(self, text_data=None, bytes_data=None):
        # Nothing is asked over this socket (every type is unknown to it); say so rather
        # than drop the connection.
        if self.errors.hit():
            return
        with translation.override(self.language):
            error = ValidationError(_("Unknown frame type."), code="unknown_type")
            await self.send_frame(error_frame(error))

    async def inbox_event(self, event):
        if not inbox.may_hear(self.audience, event.get("organisation_id")):
            return
        if await self.still_allowed():
            manager = bool(self.audience and self.audience[0])
            await self.send_text(event["frames"]["manager" if manager else "customer"])
