"""The chat socket at /ws/request/<id>/: parse a frame, call one service, send the answer.

Protocol (JSON objects with a `type`):
  client → server: message.send {client_id, text}; message.delivered {ids};
                   sync {after_id, receipts_for?: [ids of own messages still shown as sent]}
  server → client: message {message}; receipt {id, status, delivered_at};
                   request.status {status, status_label, closed};
                   sync {after_id, messages, has_more, receipts}; error {code, detail, client_id?}
Close codes: 4401 signed out (or the session ended), 4404 request not visible, 1013 the
channel layer (Redis) cannot be reached: the page reconnects and catches up with `sync`.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from tenantdesk.accounts.sessions import session_user
from tenantdesk.chat import selectors, services
from tenantdesk.chat.groups import service_request_group, user_group
from tenantdesk.chat.serializers import message_data, message_for_reader
from tenantdesk.core.errors import RateLimited, error_frame
from tenantdesk.core.outages import REDIS_ERRORS
from tenantdesk.core.permissions import access_service_request
from tenantdesk.service_requests.models import ServiceRequest

logger = logging.getLogger(__name__)

CLOSE_SIGNED_OUT = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_TRY_AGAIN_LATER = 1013  # RFC 6455: the server is overloaded or a dependency is down
RATE_WINDOW_SECONDS = 10
# Frames of any kind allowed per window, as a multiple of CHAT_SEND_RATE.
FRAMES_PER_SEND = 5
# Re-check access on a broadcast at most this often (an incoming frame always re-checks).
ACCESS_RECHECK_SECONDS = 30


def max_frame_chars() -> int:
    # Room for the longest allowed text escaped as JSON, plus the other fields.
    return settings.CHAT_MESSAGE_MAX_LENGTH * 6 + 1024


class RequestChatConsumer(AsyncWebsocketConsumer):
    accepted = False

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        except REDIS_ERRORS as error:
            # The channel layer lost Redis (while joining groups or waiting for the next
            # broadcast). Without it this socket would miss messages silently, so close it
            # with "try again later": the page reconnects with back-off and catches up
            # with `sync` once Redis answers; nothing stored is lost.
            services.layer_outage.failed(error)
            await self._close_after_layer_error(send)

    async def _close_after_layer_error(self, send) -> None:
        try:
            if not self.accepted:  # accept first, else the client sees only a failed handshake
                await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": CLOSE_TRY_AGAIN_LATER})
        except Exception:  # the client may be gone already; nothing is left to tell it
            logger.debug("socket gone before its close after a channel layer error")

    async def accept(self, subprotocol=None, headers=None):
        await super().accept(subprotocol, headers)
        self.accepted = True

    async def connect(self):
        self.user = self.scope.get("user")
        self.groups_joined: list[str] = []
        self.sent_times: deque[float] = deque()
        self.frame_times: deque[float] = deque()
        self.language = self._language()
        if self.user is None or not self.user.is_authenticated:
            await self._refuse(CLOSE_SIGNED_OUT)
            return
        self.service_request_id = self.scope["url_route"]["kwargs"]["service_request_id"]
        try:
            self.service_request = await database_sync_to_async(access_service_request)(
                self.user, self.service_request_id
            )
        except Http404:
            await self._refuse(CLOSE_NOT_FOUND)
            return
        self.session_key = self._session_key()
        self.checked_at = time.monotonic()
        # Join the groups before accepting: once the client sees the socket open, nothing
        # broadcast to the request (or a sign-out elsewhere) may pass it by.
        for group in (service_request_group(self.service_request.pk), user_group(self.user.pk)):
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
        services.layer_outage.recovered()
        await self.accept()

    async def _refuse(self, code: int) -> None:
        # Accept first so the client receives our 4xxx close code; refusing the handshake
        # itself would only show up as a generic failure.
        await self.accept()
        await self.close(code=code)

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    # --- helpers ---------------------------------------------------------------------------

    def _language(self) -> str:
        # The page says which language it shows; the socket answers in the same one.
        query = self.scope.get("query_string", b"").decode("latin-1")
        for part in query.split("&"):
            key, _sep, value = part.partition("=")
            if key == "lang" and value in dict(settings.LANGUAGES):
                return value
        return settings.LANGUAGE_CODE

    def _session_key(self) -> str | None:
        session = self.scope.get("session")
        return getattr(session, "session_key", None) if session is not None else None

    def _still_allowed_sync(self) -> int | None:
        """None while the session and access hold, else the close code to use."""
        # The user as the session now has it: a changed password, deactivation or a new
        # role takes effect here, exactly as on the next page load.
        user = session_user(self.session_key)
        if user is None or user.pk != self.user.pk:
            return CLOSE_SIGNED_OUT
        self.user = user
        try:
            self.service_request = access_service_request(self.user, self.service_request_id)
        except Http404:
            return CLOSE_NOT_FOUND
        return None

    async def _check_still_allowed(self) -> bool:
        code = await database_sync_to_async(self._still_allowed_sync)()
        self.checked_at = time.monotonic()
        if code is not None:
            await self.close(code=code)
            return False
        return True

    async def _send_json(self, payload: dict) -> None:
        await self.send(text_data=json.dumps(payload, ensure_ascii=False))

    def _for_reader(self, data: dict) -> dict:
        with translation.override(self.language):
            return message_for_reader(data, reader_id=self.user.pk)

    # --- client frames -----------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        with translation.override(self.language):
            frame = None
            try:
                frame = self._parse(text_data)
                await self._handle(frame)
            except Http404:
                await self.close(code=CLOSE_NOT_FOUND)
            except (ValidationError, PermissionDenied, RateLimited, DatabaseError) as error:
                if isinstance(error, DatabaseError):
                    logger.warning("database error on a chat frame: %s", error)
                # A refused send names its client_id, so the page knows which one it was.
                extra = {"client_id": _send_client_id(frame)} if _is_send(frame) else {}
                await self._send_json(error_frame(error, **extra))

    def _parse(self, text_data) -> dict:
        if text_data is None:
            raise ValidationError(_("Frames must be JSON text."), code="malformed")
        if len(text_data) > max_frame_chars():
            raise ValidationError(_("The frame is too large."), code="too_large")
        try:
            frame = json.loads(text_data)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            raise ValidationError(_("The frame is not valid JSON."), code="malformed") from None
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            raise ValidationError(_("A frame must be a JSON object with a type."), code="malformed")
        return frame

    async def _handle(self, frame: dict) -> None:
        # Every frame costs queries: a generous cap on all of them, a strict one on sends.
        if self._over_limit(self.frame_times, settings.CHAT_SEND_RATE * FRAMES_PER_SEND):
            raise RateLimited(_("Too many requests; wait a few seconds."))
        if not await self._check_still_allowed():
            return
        handler = {
            "message.send": self._on_message_send,
            "message.delivered": self._on_delivered,
            "sync": self._on_sync,
        }.get(frame["type"])
        if handler is None:
            raise ValidationError(_("Unknown frame type."), code="unknown_type")
        await handler(frame)

    @staticmethod
    def _over_limit(times: deque, limit: int) -> bool:
        """Counts one more event in a sliding window; True when it is over the limit."""
        now = time.monotonic()
        while times and now - times[0] > RATE_WINDOW_SECONDS:
            times.popleft()
        if len(times) >= limit:
            return True
        times.append(now)
        return False

    async def _on_message_send(self, frame: dict) -> None:
        client_id = frame.get("client_id")
        text = frame.get("text", "")
        if not isinstance(client_id, str) or not isinstance(text, str):
            raise ValidationError(
                _("message.send needs a client_id and a text string."), code="invalid"
            )
        if self._over_limit(self.sent_times, settings.CHAT_SEND_RATE):
            raise RateLimited(_("You are sending messages too fast; wait a few seconds."))
        message = await database_sync_to_async(self._send_sync)(client_id, text)
        if message is not None:
            # A retry: nothing is broadcast again, so answer the sender directly.
            await self._send_json({"type": "message", "message": self._for_reader(message)})

    def _send_sync(self, client_id: str, text: str) -> dict | None:
        message = services.message_send(
            author=self.user, service_request=self.service_request, text=text, client_id=client_id
        )
        return None if message.was_created else message_data(message)

    async def _on_delivered(self, frame: dict) -> None:
        ids = frame.get("ids")
        if not isinstance(ids, list):
            raise ValidationError(_("message.delivered needs a list of ids."), code="invalid")
        await database_sync_to_async(services.messages_mark_delivered)(
            reader=self.user, service_request=self.service_request, message_ids=ids
        )

    async def _on_sync(self, frame: dict) -> None:
        after_id = frame.get("after_id", 0)
        if after_id is None:
            after_id = 0
        if not selectors.is_message_id(after_id):
            raise ValidationError(_("sync needs after_id, a message id or 0."), code="invalid")
        # Optional: ids of older messages the client still shows as "sent"; their receipts
        # may have been missed while it was away.
        watch = frame.get("receipts_for") or []
        if not isinstance(watch, list):
            raise ValidationError(_("receipts_for must be a list of ids."), code="invalid")
        page = await database_sync_to_async(self._sync_sync)(after_id, watch)
        await self._send_json(
            {
                "type": "sync",
                "after_id": after_id,
                "messages": [self._for_reader(data) for data in page["messages"]],
                "has_more": page["has_more"],
                "receipts": page["receipts"],
            }
        )

    def _sync_sync(self, after_id: int, watch: list) -> dict:
        page = selectors.messages_after(service_request=self.service_request, after_id=after_id)
        return {
            "messages": [message_data(m) for m in page.messages],
            "has_more": page.has_more,
            "receipts": selectors.delivered_receipts(
                service_request=self.service_request, message_ids=watch
            ),
        }

    # --- broadcasts --------------------------------------------------------------------------

    async def _still_allowed_on_broadcast(self) -> bool:
        if time.monotonic() - self.checked_at < ACCESS_RECHECK_SECONDS:
            return True
        return await self._check_still_allowed()

    async def chat_message(self, event):
        if await self._still_allowed_on_broadcast():
            await self._send_json({"type": "message", "message": self._for_reader(event["data"])})

    async def chat_receipt(self, event):
        if not await self._still_allowed_on_broadcast():
            return
        for receipt in event["receipts"]:
            await self._send_json({"type": "receipt", **receipt})

    async def request_status(self, event):
        if not await self._still_allowed_on_broadcast():
            return
        await self._send_json({"type": "message", "message": self._for_reader(event["data"])})
        with translation.override(self.language):
            label = str(ServiceRequest.Status(event["status"]).label)
        await self._send_json(
            {
                "type": "request.status",
                "status": event["status"],
                "status_label": label,
                "closed": event["status"] == ServiceRequest.Status.CLOSED,
            }
        )

    async def access_changed(self, event):
        # Pushed when the user's password, activity, role or organisation changed.
        await self._check_still_allowed()

    async def session_ended(self, event):
        key = event.get("session_key")
        if key is None or key == self.session_key:
            await self.close(code=CLOSE_SIGNED_OUT)


def _is_send(frame) -> bool:
    return isinstance(frame, dict) and frame.get("type") == "message.send"


def _send_client_id(frame: dict) -> str | None:
    client_id = frame.get("client_id")
    return client_id if isinstance(client_id, str) else None
