"""The chat socket at /ws/request/<id>/: parse a frame, call one service, send the answer.

The wire format and close codes are in protocol.py; errors become frames through
core.errors; whether the person may still read the request is socket_access's question.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import parse_qs

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from tenantdesk.chat import protocol, selectors
from tenantdesk.chat.broadcast import in_turn, layer_outage, write_and_broadcast
from tenantdesk.chat.groups import (
    service_request_group,
    service_request_managers_group,
    user_group,
)
from tenantdesk.chat.layer import ClosesWhenADependencyFails
from tenantdesk.chat.ratelimit import SlidingWindow, check_send_rate
from tenantdesk.chat.serializers import message_data, message_for_reader, status_frame
from tenantdesk.chat.services.read_state import messages_mark_read
from tenantdesk.chat.services.receipts import messages_mark_delivered
from tenantdesk.chat.services.send import message_send
from tenantdesk.chat.socket_access import RequestSocketAccess
from tenantdesk.core.dbthread import DispatchesWithoutCleanup, in_database_thread
from tenantdesk.core.errors import RateLimited, error_frame
from tenantdesk.core.languages import supported_language

logger = logging.getLogger(__name__)

# Frames of any kind one socket may send per window, as a multiple of CHAT_SEND_RATE.
FRAMES_PER_SEND = 5
FRAME_ERRORS = (ValidationError, PermissionDenied, RateLimited, DatabaseError)


class RequestChatConsumer(
    ClosesWhenADependencyFails,
    DispatchesWithoutCleanup,
    RequestSocketAccess,
    AsyncWebsocketConsumer,
):
    async def connect(self):
        self.groups_joined: list[str] = []
        self.frames = SlidingWindow(settings.CHAT_SEND_RATE * FRAMES_PER_SEND)
        # The page says which language it shows; the socket answers in the same one.
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        self.language = supported_language(query.get("lang", [None])[0])
        self.service_request_id = self.scope["url_route"]["kwargs"]["service_request_id"]
        code = await self.open_access()
        if code is not None:
            # Accept first so the client receives our 4xxx code, not a failed handshake.
            await self.accept()
            return await self.close(code=code)
        # Join the groups before accepting: once the client sees the socket open, nothing
        # broadcast to the request (or a sign-out elsewhere) may pass it by.
        self.groups_joined = [
            service_request_group(self.service_request.pk),
            user_group(self.user.pk),
        ]
        if self.reads_internal_notes:
            # Internal notes are broadcast to this group alone (docs/internal-notes.md).
            self.groups_joined.append(service_request_managers_group(self.service_request.pk))
        await asyncio.gather(
            *(
                self.channel_layer.group_add(group, self.channel_name)
                for group in self.groups_joined
            )
        )
        layer_outage.recovered()
        await self.accept()

    async def disconnect(self, code):
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    # --- frames from the client ------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        frame = None
        with translation.override(self.language):
            try:
                frame = protocol.parse_frame(text_data)
                if self.frames.hit():
                    raise RateLimited(_("Too many requests; wait a few seconds."))
                if await self.still_allowed():
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
                await self.close_if_database_away(error)

    async def on_message_send(self, frame: dict) -> None:
        client_id, text = protocol.send_fields(frame)
        internal = protocol.send_internal(frame)
        async with in_turn(self.service_request.pk):  # no message overtakes the one before
            stored = await write_and_broadcast(self._send_message, client_id, text, internal)
        if stored is not None:  # a retry: nothing is broadcast again, so answer directly
            await self._send({"type": "message", "message": self._for_reader(stored)})

    def _send_message(self, client_id: str, text: str, internal: bool = False) -> dict | None:
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

    async def on_message_delivered(self, frame: dict) -> None:
        await write_and_broadcast(
            messages_mark_delivered,
            reader=self.user,
            service_request=self.service_request,
            message_ids=protocol.delivered_ids(frame),
            access_checked=True,
        )

    async def on_message_read(self, frame: dict) -> None:
        await write_and_broadcast(
            messages_mark_read,
            reader=self.user,
            service_request=self.service_request,
            up_to_id=protocol.read_up_to_id(frame),
            access_checked=True,
        )

    async def on_sync(self, frame: dict) -> None:
        after_id, receipts_for = protocol.sync_fields(frame)
        page = await in_database_thread(
            selectors.catch_up,
            service_request=self.service_request,
            after_id=after_id,
            receipts_for=receipts_for,
            include_internal=self.reads_internal_notes,
        )
        page["messages"] = [self._for_reader(data) for data in page["messages"]]
        await self._send({"type": "sync", "after_id": after_id, **page})

    # --- events from the channel layer -----------------------------------------------------

    async def chat_message(self, event):
        if await self.still_allowed():
            if event["data"].get("internal") and not self.reads_internal_notes:
                # Notes reach only the managers' group; a socket whose person stopped
                # being a manager since it joined drops them too.
                return
            await self._send({"type": "message", "message": self._for_reader(event["data"])})

    async def chat_receipt(self, event):
        if await self.still_allowed():
            for receipt in event["receipts"]:
                await self._send({"type": "receipt", **receipt})

    async def request_status(self, event):
        if await self.still_allowed():
            await self._send({"type": "message", "message": self._for_reader(event["data"])})
            with translation.override(self.language):
                await self._send(status_frame(event["status"]))

    async def access_changed(self, event):
        # Pushed when the user's password, activity, role or organisation changed.
        await self.still_allowed(at_most_every=0)

    async def session_ended(self, event):
        if event.get("session_key") in (None, self.session_key):
            await self.close(code=protocol.CLOSE_SIGNED_OUT)

    # --- helpers ---------------------------------------------------------------------------

    async def _send(self, payload: dict) -> None:
        await self.send(text_data=protocol.encode(payload))

    def _for_reader(self, data: dict) -> dict:
        with translation.override(self.language):
            return message_for_reader(data, reader_id=self.user.pk)
