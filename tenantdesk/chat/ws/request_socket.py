"""The request's chat at /ws/request/<id>/: parse a frame, call one service, answer.

Frames and close codes: ws/frames.py and ws/protocol.py; what every socket shares:
ws/base.py. Each message reaches a socket once: the ids it has been sent (live, in a
`sync` answer, or as the answer to a retried send) are remembered, and a message that
arrives the other way too (stored while the page reconnected: live after the socket
joined its group, and in the `sync` it asked for) is not sent again.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from tenantdesk.accounts.sessions import session_user
from tenantdesk.chat import selectors
from tenantdesk.chat.broadcast import in_turn, write_and_broadcast
from tenantdesk.chat.groups import service_request_group, service_request_managers_group, user_group
from tenantdesk.chat.ratelimit import SlidingWindow, check_send_rate
from tenantdesk.chat.serializers import message_data, message_for_language
from tenantdesk.chat.services.read_state import messages_mark_read
from tenantdesk.chat.services.receipts import messages_mark_delivered
from tenantdesk.chat.services.send import message_send
from tenantdesk.chat.ws import frames
from tenantdesk.chat.ws.base import BaseSocket
from tenantdesk.chat.ws.protocol import Close, Frame
from tenantdesk.core.dbthread import in_database_thread
from tenantdesk.core.errors import RateLimited, error_frame
from tenantdesk.service_requests.access import access_service_request, can_read_internal_notes

logger = logging.getLogger(__name__)

# Frames of any kind one socket may send per window, as a multiple of CHAT_SEND_RATE.
FRAMES_PER_SEND = 5
FRAME_ERRORS = (ValidationError, PermissionDenied, RateLimited, DatabaseError)
# How many message ids a socket remembers having sent (a long chat's page is 50; a
# reconnect overlaps by at most one page of sync with what arrives live).
REMEMBERED_IDS = 2048


class RequestSocket(BaseSocket):
    server_frames = frames.ChatServerFrame
    service_request = None
    # Whether the person may receive internal notes (a manager), kept as fresh as access.
    reads_internal_notes = False

    # --- what base.py asks ----------------------------------------------------------------

    def access_close_code(self) -> int | None:
        # The session, its user with their role, and their access to the request: the user
        # as the session now has it, so a changed password, deactivation or a new role
        # takes effect here exactly as on the next page load.
        user = session_user(self.session_key)
        if user is None or (self.user is not None and user.pk != self.user.pk):
            return Close.SIGNED_OUT
        try:
            self.service_request = access_service_request(
                user, self.scope["url_route"]["kwargs"]["service_request_id"]
            )
        except Http404:
            return Close.NOT_FOUND
        self.reads_internal_notes = can_read_internal_notes(user)
        self.user = user
        return None

    def groups_to_join(self) -> list[str]:
        groups = [service_request_group(self.service_request.pk), user_group(self.user.pk)]
        if self.reads_internal_notes:
            # Internal notes are broadcast to this group alone (docs/internal-notes.md).
            groups.append(service_request_managers_group(self.service_request.pk))
        return groups

    async def _check(self) -> int | None:
        # A person promoted to manager (or no longer one) while the socket is open: the
        # managers' group, which alone carries internal notes, is joined (or left) at the
        # next check (at once on accounts' access.changed push), not at the next connect.
        code = await super()._check()
        if code is None and self.groups_joined:
            wanted = self.groups_to_join()
            for group in set(wanted) - set(self.groups_joined):
                await self.channel_layer.group_add(group, self.channel_name)
            for group in set(self.groups_joined) - set(wanted):
                await self.channel_layer.group_discard(group, self.channel_name)
            self.groups_joined = wanted
        return code

    async def connect(self):
        self.frames_window = SlidingWindow(settings.CHAT_SEND_RATE * FRAMES_PER_SEND)
        self.sent_ids: OrderedDict[int, None] = OrderedDict()
        await super().connect()

    # --- frames from the client -----------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        with translation.override(self.language):
            try:
                frame = frames.parse_client_frame(text_data)
                if self.frames_window.hit():
                    raise RateLimited(_("Too many requests; wait a few seconds."))
                if await self.still_allowed():
                    await self.HANDLERS[type(frame)](self, frame)
            except Http404:
                await self.close(code=Close.NOT_FOUND)
            except FRAME_ERRORS as error:
                if isinstance(error, DatabaseError):
                    logger.warning("database error on a chat frame: %s", error)
                # A refused send names its client_id, so the page knows which message it was.
                client_id = frames.client_id_of(text_data)
                extra = {"client_id": client_id} if client_id is not None else {}
                await self.send_frame(error_frame(error, **extra))
                await self.close_if_database_away(error)

    async def on_message_send(self, frame: frames.MessageSend) -> None:
        async with in_turn(self.service_request.pk):  # no message overtakes the one before
            stored = await write_and_broadcast(
                self._send_message, frame.client_id, frame.text, frame.internal
            )
        if stored is not None:  # a retry: nothing is broadcast again, so answer directly
            await self._send_message_frame(stored)

    def _send_message(self, client_id: str, text: str, internal: bool) -> dict | None:
        check_send_rate(self.user.pk)
        message = message_send(
            author=self.user,
            service_request=self.service_request,
            text=text,
            client_id=client_id,
            access_checked=True,
            internal=internal,
        )
        return None if message.was_created else message_data(message)

    async def on_message_delivered(self, frame: frames.MessageDelivered) -> None:
        await write_and_broadcast(
            messages_mark_delivered,
            reader=self.user,
            service_request=self.service_request,
            message_ids=frame.ids,
            access_checked=True,
        )

    async def on_message_read(self, frame: frames.MessageRead) -> None:
        await write_and_broadcast(
            messages_mark_read,
            reader=self.user,
            service_request=self.service_request,
            up_to_id=frame.up_to_id,
            access_checked=True,
        )

    async def on_sync(self, frame: frames.Sync) -> None:
        after_id = frame.after_id or 0
        page = await in_database_thread(
            selectors.catch_up,
            service_request=self.service_request,
            after_id=after_id,
            receipts_for=frame.receipts_for or [],
            include_internal=self.reads_internal_notes,
        )
        # What already reached this socket live is not sent again.
        page["messages"] = [
            message_for_language(data) for data in page["messages"] if self._first_time(data["id"])
        ]
        await self.send_frame({"type": Frame.SYNC, "after_id": after_id, **page})

    HANDLERS = {
        frames.MessageSend: on_message_send,
        frames.MessageDelivered: on_message_delivered,
        frames.MessageRead: on_message_read,
        frames.Sync: on_sync,
    }

    # --- events from the channel layer ----------------------------------------------------

    async def chat_message(self, event):
        if not await self.still_allowed():
            return
        if event["internal"] and not self.reads_internal_notes:
            # Notes reach only the managers' group; a socket whose person stopped being a
            # manager since it joined drops them too.
            return
        if self._first_time(event["id"]):
            await self.send_text(event["frames"][self.language])

    async def chat_receipt(self, event):
        if await self.still_allowed():
            for text in event["frames"]:
                await self.send_text(text)

    async def request_status(self, event):
        if await self.still_allowed():
            message, status = event["frames"][self.language]
            if self._first_time(event["id"]):
                await self.send_text(message)
            await self.send_text(status)

    async def request_changed(self, event):
        # A change with no chat line (a rating): the page fetches its panels again.
        if await self.still_allowed():
            await self.send_text(event["text"])

    # --- helpers --------------------------------------------------------------------------

    def _first_time(self, message_id: int) -> bool:
        """Whether this message was not yet sent to this socket (and remember it was now)."""
        if message_id in self.sent_ids:
            return False
        self.sent_ids[message_id] = None
        if len(self.sent_ids) > REMEMBERED_IDS:
            self.sent_ids.popitem(last=False)
        return True

    async def _send_message_frame(self, data: dict) -> None:
        if not self._first_time(data["id"]):
            return  # it reached this socket already (live): the page has it
        with translation.override(self.language):
            payload = message_for_language(data)
        await self.send_frame({"type": Frame.MESSAGE, "message": payload})
