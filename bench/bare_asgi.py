"""The middle figure: a bare Channels consumer that speaks the chat's protocol through the
channel layer production uses, with no database, sessions or access checks. What Tenant
Desk costs beyond it is ours; what it costs beyond the raw app is Channels and the layer."""

import itertools
import json
import os
from datetime import UTC, datetime

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.bare_settings")
django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

_ids = itertools.count(1)


class RoomConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.group = f"room.{int(self.scope['url_route']['kwargs']['room'])}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None):
        frame = json.loads(text_data or "{}")
        if frame.get("type") == "message.send":
            data = {
                "id": next(_ids),
                "client_id": frame.get("client_id"),
                "text": frame.get("text", ""),
                "created_at": datetime.now(UTC).isoformat(),
                "status": "sent",
            }
            await self.channel_layer.group_send(self.group, {"type": "room.message", "data": data})
        elif frame.get("type") == "message.delivered":
            await self.channel_layer.group_send(
                self.group, {"type": "room.receipts", "ids": frame.get("ids", [])}
            )

    async def room_message(self, event):
        await self.send(text_data=json.dumps({"type": "message", "message": event["data"]}))

    async def room_receipts(self, event):
        for message_id in event["ids"]:
            await self.send(text_data=json.dumps({"type": "receipt", "id": message_id}))


application = ProtocolTypeRouter(
    {"websocket": URLRouter([path("ws/request/<int:room>/", RoomConsumer.as_asgi())])}
)
