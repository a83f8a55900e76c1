"""The inbox at /ws/inbox/: one per signed-in tab, carrying the live list's events.

It listens, and on each event (chat/inbox.py) the page asks over HTTP for what changed.
The one frame it takes is `message.delivered {ids}`: the page received these new messages
of the other side (so the sender sees "delivered" while this person has only a list open).
Only ids this socket has itself sent to this person as the other side's count; the batch
is one statement (services.receipts.messages_mark_delivered_anywhere).

What every socket shares is ws/base.py's; here, the person's audience (which requests'
events they hear: chat/inbox.py) must stay the one the socket joined its groups for, else
it closes with Close.AUDIENCE_CHANGED and the page reconnects at once into the right
groups.
"""

from __future__ import annotations

from collections import OrderedDict

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from tenantdesk.accounts.sessions import session_user
from tenantdesk.chat import inbox
from tenantdesk.chat.broadcast import write_and_broadcast
from tenantdesk.chat.groups import user_group
from tenantdesk.chat.ratelimit import SlidingWindow
from tenantdesk.chat.services.receipts import messages_mark_delivered_anywhere
from tenantdesk.chat.ws import frames
from tenantdesk.chat.ws.base import BaseSocket
from tenantdesk.chat.ws.protocol import Close
from tenantdesk.core.errors import error_frame

# Error frames answered per window; beyond that a chattering client is ignored.
ERRORS_PER_WINDOW = 10
# Delivery reports taken per window (the page sends one per burst of messages).
DELIVERED_PER_WINDOW = 30
# How many ids of messages sent to this socket it remembers as acknowledgeable.
REMEMBERED_IDS = 512


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
        self.reports = SlidingWindow(DELIVERED_PER_WINDOW)
        self.deliverable: OrderedDict[int, None] = OrderedDict()
        await super().connect()

    async def receive(self, text_data=None, bytes_data=None):
        with translation.override(self.language):
            try:
                frame = frames.parse_client_frame(text_data)
                if not isinstance(frame, frames.MessageDelivered):
                    raise ValidationError(_("Unknown frame type."), code="unknown_type")
            except ValidationError as error:
                # Say so rather than drop the connection, up to a point.
                if not self.errors.hit():
                    await self.send_frame(error_frame(error))
                return
        if self.reports.hit() or not await self.still_allowed():
            return
        ids = [pk for pk in frame.ids if isinstance(pk, int) and pk in self.deliverable]
        for pk in ids:
            del self.deliverable[pk]
        if ids:
            await write_and_broadcast(
                messages_mark_delivered_anywhere, reader=self.user, message_ids=ids
            )

    async def inbox_event(self, event):
        if not inbox.may_hear(self.audience, event.get("organisation_id")):
            return
        if await self.still_allowed():
            manager = bool(self.audience and self.audience[0])
            await self.send_text(event["frames"]["manager" if manager else "customer"])
            deliverable = event.get("deliverable")
            if deliverable and deliverable["by_manager"] != manager:
                self._remember(deliverable["id"])

    def _remember(self, message_id: int) -> None:
        self.deliverable[message_id] = None
        if len(self.deliverable) > REMEMBERED_IDS:
            self.deliverable.popitem(last=False)
