"""The floor: a raw ASGI app that speaks the chat's protocol with nothing behind it.

Served by the same uvicorn flags as a production worker (harness.stack.worker_command), it
answers what the benchmark sends Tenant Desk:

- WebSocket /ws/request/<room>/: `message.send {client_id, text}` is echoed to every socket
  of the room as `message {message: {id, client_id, text, …}}`; `message.delivered {ids}`
  goes to the room as one `receipt` per id. Rooms live in this process only (one worker).
- HTTP: a small fixed HTML page for any path (the "trivial view" baseline), and 201 with a
  small JSON body for a POST (the HTTP send baseline).

No framework, no database, no channel layer: what is left is uvicorn, the websockets
library, JSON and asyncio — the cost any server of this protocol pays.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from datetime import UTC, datetime

_rooms: dict[str, set] = defaultdict(set)
_ids = itertools.count(1)
_PAGE = b"<!doctype html><title>raw</title><p>" + b"raw baseline " * 50 + b"</p>"


async def _http(scope, receive, send):
    while True:  # drain the body
        message = await receive()
        if not message.get("more_body"):
            break
    if scope["method"] == "POST":
        status, body, kind = 201, json.dumps({"message": {"id": next(_ids)}}).encode(), b"json"
    else:
        status, body, kind = 200, _PAGE, b"html"
    content_type = b"application/json" if kind == b"json" else b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type)],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _broadcast(room: str, payload: dict) -> None:
    text = json.dumps(payload, ensure_ascii=False)
    for member_send in list(_rooms[room]):
        try:
            await member_send({"type": "websocket.send", "text": text})
        except Exception:  # noqa: S112 (a member that went away meanwhile)
            continue


async def _websocket(scope, receive, send):
    room = scope["path"].rstrip("/").rsplit("/", 1)[-1]
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    _rooms[room].add(send)
    try:
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            frame = json.loads(message.get("text") or "{}")
            if frame.get("type") == "message.send":
                now = datetime.now(UTC).isoformat()
                data = {
                    "id": next(_ids),
                    "client_id": frame.get("client_id"),
                    "text": frame.get("text", ""),
                    "created_at": now,
                    "status": "sent",
                }
                await _broadcast(room, {"type": "message", "message": data})
            elif frame.get("type") == "message.delivered":
                for message_id in frame.get("ids", []):
                    await _broadcast(room, {"type": "receipt", "id": message_id})
    finally:
        _rooms[room].discard(send)


async def app(scope, receive, send):
    if scope["type"] == "http":
        await _http(scope, receive, send)
    elif scope["type"] == "websocket":
        await _websocket(scope, receive, send)
