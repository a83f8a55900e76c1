"""WebSocket clients of the chat, as a page (or a load generator) uses the socket."""

from __future__ import annotations

import asyncio
import json
import time
import uuid


async def ws_connect(port: int, request_id: int, cookie: str, *, origin: str | None = None):
    from websockets.asyncio.client import connect

    return await connect(
        f"ws://127.0.0.1:{port}/ws/request/{request_id}/?lang=en",
        origin=origin or f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": f"sessionid={cookie}"},
        open_timeout=10,
        # The browser sends no pings of its own: neither does this client, so an idle
        # socket here is as idle as a chat tab nobody types in.
        ping_interval=None,
    )


async def ws_next(ws, frame_type: str, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        frame = json.loads(await asyncio.wait_for(ws.recv(), max(remaining, 0.01)))
        if frame["type"] == frame_type:
            return frame


async def ws_send_text(ws, text: str, client_id: str | None = None) -> str:
    client_id = client_id or str(uuid.uuid4())
    await ws.send(json.dumps({"type": "message.send", "client_id": client_id, "text": text}))
    return client_id


async def ws_reconnect(port: int, request_id: int, cookie: str, *, timeout: float = 30.0):
    """Connect again with growing pauses, as the chat page does after a drop."""
    from websockets.exceptions import InvalidHandshake

    delay = 0.1
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await ws_connect(port, request_id, cookie)
        except (OSError, InvalidHandshake):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


async def ws_quiet(ws, seconds: float = 0.5) -> bool:
    """True when no further chat message arrives (nothing twice)."""
    try:
        frame = json.loads(await asyncio.wait_for(ws.recv(), seconds))
    except TimeoutError:
        return True
    return frame["type"] != "message"
