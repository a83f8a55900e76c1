"""The chat socket at /ws/request/<id>/: parse a frame, call one service, send the answer.

The wire format and close codes are in protocol.py; errors become frames through
core.errors; whether the sign-in still holds is accounts.sessions' question.
"""

from __future__ import annotations

import asyncio
import logging
import time
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from tenantdesk.accounts.sessions import session_user
from tenantdesk.chat import protocol, selectors, services
from tenantdesk.chat.broadcast import in_turn, layer_outage, write_and_broadcast
from tenantdesk.chat.groups import service_request_group, user_group
from tenantdesk.chat.ids import is_message_id
from tenantdesk.chat.layer import ClosesWhenTheLayerFails
from tenantdesk.chat.ratelimit import SlidingWindow, check_send_rate
from tenantdesk.chat.serializers import message_data, message_for_reader, status_frame
from tenantdesk.core.dbthread import in_database_thread
from tenantdesk.core.errors import RateLimited, error_frame
from tenantdesk.core.languages import supported_language
from tenantdesk.core.permissions import access_service_request

logger = logging.getLogger(__name__)

# Frames of any kind one socket may send per window, as a multiple of CHAT_SEND_RATE.
FRAMES_PER_SEND = 5
# Revocation is pushed to the socket (access_changed); besides, frames and broadcasts
# re-check the session and access at most this often, so nothing depends on the push alone.
ACCESS_RECHECK_SECONDS = 30
FRAME_ERRORS = (ValidationError, PermissionDenied, RateLimited, DatabaseError)


class RequestChatConsumer(ClosesWhenTheLayerFails, AsyncWebsocketConsumer):
    user = None
    session_key = None

    async def dispatch(self, message):
        # Not Channels' dispatch: it closes old database connections before every event, a
        # trip to the database thread each time; in_database_thread tidies inside the work.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        self.groups_joined: list[str] = []
        self.frames = SlidingWindow(settings.CHAT_SEND_RATE * FRAMES_PER_SEND)
        # The page says which language it shows; the socket answers in the same one.
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        self.language = supported_language(query.get("lang", [None])[0])
        self.service_request_id = self.scope["url_route"]["kwargs"]["service_request_id"]
        self.session_key = protocol.session_key(self.scope)
        # One trip: the session, its user and their access to the request.
        code = await in_database_thread(self._access_close_code)
        if code is not None:
            return await self._refuse(code)
        self.checked_at = time.monotonic()
        # Join the groups before accepting: once the client sees the socket open, nothing
        # broadcast to the request (or a sign-out elsewhere) may pass it by.
        self.groups_joined = [
            service_request_group(self.service_request.pk),
            user_group(self.user.pk),
        ]
        await asyncio.gather(
            *(
                self.channel_layer.group_add(group, self.channel_name)
                for group in self.groups_joined
            )
        )
        layer_outage.recovered()
        await self.accept()

    async def _refuse(self, code: int) -> None:
        # Accept first so the client receives our 4xxx code, not a generic failed handshake.
        await self.accept()
        await self.close(code=code)

    async def disconnect(self, code):
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    # --- access ----------------------------------------------------------------------------

    def _access_close_code(self) -> int | None:
        """None while the sign-in and access hold, else the close code to use."""
        # The user as the session now has it: a changed password, deactivation or a new
        # role takes effect here exactly as on the next page load.
        user = session_user(self.session_key)
        if user is None or (self.user is not None and user.pk != self.user.pk):
            return protocol.CLOSE_SIGNED_OUT
        try:
            self.service_request = access_service_request(user, self.service_request_id)
        except Http404:
            return protocol.CLOSE_NOT_FOUND
        user.organisation  # noqa: B018  (loaded now: every message names it, without a query)
        self.user = user
        return None

    async def _still_allowed(self, *, at_most_every: float = 0) -> bool:
        if time.monotonic() - self.checked_at < at_most_every:
            return True
        code = await in_database_thread(self._access_close_code)
        self.checked_at = time.monotonic()
        if code is not None:
            await self.close(code=code)
        return code is None

    # --- frames from the client ------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        frame = None
        with translation.override(self.language):
            try:
                frame = protocol.parse_frame(text_data)
                if self.frames.hit():
                    raise RateLimited(_("Too many requests; wait a few seconds."))
                # Revocation is pushed (access_changed); frames re-check only now and then.
                if await self._still_allowed(at_most_every=ACCESS_RECHECK_SECONDS):
                    await getattr(self, "on_" + frame["type"].replace(".", "_"))(frame)
            except Http404:
                await self.close(code=protocol.CLOSE_NOT_FOUND)
            except FRAME_ERRORS as error:
                if isinstance(error, DatabaseError):
                    logger.warning("database error on a chat frame: %s", error)
                # A refused send names its client_id, so the page knows which message it was.
                extra = (
                    {"client_id": protocol.send_client_id(frame)} if protocol.is_send(frame) else {}
                )
                await self._send(error_frame(error, **extra))

    async def on_message_send(self, frame: dict) -> None:
        client_id, text = frame.get("client_id"), frame.get("text", "")
        if not isinstance(client_id, str) or not isinstance(text, str):
            raise ValidationError(_("message.send needs a client_id and a text string."))
        async with in_turn(self.service_request.pk):  # no message overtakes the one before
            stored = await write_and_broadcast(self._send_message, client_id, text)
        if stored is not None:  # a retry: nothing is broadcast again, so answer directly
            await self._send({"type": "message", "message": self._for_reader(stored)})

    def _send_message(self, client_id: str, text: str) -> dict | None:
        check_send_rate(self.user.pk)
        message = services.message_send(
            author=self.user,
            service_request=self.service_request,
            text=text,
            client_id=client_id,
            access_checked=True,
        )
        return None if message.was_created else message_data(message)

    async def on_message_delivered(self, frame: dict) -> None:
        if not isinstance(frame.get("ids"), list):
            raise ValidationError(_("message.delivered needs a list of ids."))
        await write_and_broadcast(
            services.messages_mark_delivered,
            reader=self.user,
            service_request=self.service_request,
            message_ids=frame["ids"],
            access_checked=True,
        )

    async def on_sync(self, frame: dict) -> None:
        after_id = frame.get("after_id")
        after_id = 0 if after_id is None else after_id
        # receipts_for: own messages the page still shows as sent (receipts missed away).
        receipts_for = frame.get("receipts_for") or []
        if not is_message_id(after_id):
            raise ValidationError(_("sync needs after_id, a message id or 0."))
        if not isinstance(receipts_for, list):
            raise ValidationError(_("receipts_for must be a list of ids."))
        page = await in_database_thread(
            selectors.catch_up,
            service_request=self.service_request,
            after_id=after_id,
            receipts_for=receipts_for,
        )
        page["messages"] = [self._for_reader(data) for data in page["messages"]]
        await self._send({"type": "sync", "after_id": after_id, **page})

    # --- events from the channel layer -----------------------------------------------------

    async def chat_message(self, event):
        if await self._still_allowed(at_most_every=ACCESS_RECHECK_SECONDS):
            await self._send({"type": "message", "message": self._for_reader(event["data"])})

    async def chat_receipt(self, event):
        if await self._still_allowed(at_most_every=ACCESS_RECHECK_SECONDS):
            for receipt in event["receipts"]:
                await self._send({"type": "receipt", **receipt})

    async def request_status(self, event):
        if await self._still_allowed(at_most_every=ACCESS_RECHECK_SECONDS):
            await self._send({"type": "message", "message": self._for_reader(event["data"])})
            with translation.override(self.language):
                await self._send(status_frame(event["status"]))

    async def access_changed(self, event):
        # Pushed when the user's password, activity, role or organisation changed.
        await self._still_allowed()

    async def session_ended(self, event):
        if event.get("session_key") in (None, self.session_key):
            await self.close(code=protocol.CLOSE_SIGNED_OUT)

    # --- helpers ---------------------------------------------------------------------------

    async def _send(self, payload: dict) -> None:
        await self.send(text_data=protocol.encode(payload))

    def _for_reader(self, data: dict) -> dict:
        with translation.override(self.language):
            return message_for_reader(data, reader_id=self.user.pk)
