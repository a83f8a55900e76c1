"""A chat socket's frames log the request id its handshake carried (core/request_id.py)."""

import asyncio
import logging

import pytest
from channels.testing import WebsocketCommunicator

from config.asgi import application
from tenantdesk.chat.ws import frames
from tests.unit.chat.helpers import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def cookies(customer, manager):
    return {"customer": session_cookie(customer), "manager": session_cookie(manager)}


async def test_socket_frames_log_the_id_of_their_handshake(
    records, monkeypatch, service_request, cookies
):
    parse_frame = frames.parse_client_frame

    def logging_parse_frame(text_data):
        # A log line emitted while the socket handles a frame.
        logging.getLogger("tenantdesk.chat.ws").warning("frame: %s", text_data)
        return parse_frame(text_data)

    monkeypatch.setattr(frames, "parse_client_frame", logging_parse_frame)

    async def open_socket(who, request_id):
        communicator = WebsocketCommunicator(
            application,
            f"/ws/request/{service_request.pk}/",
            headers=[
                (b"origin", b"http://127.0.0.1"),
                (b"host", b"127.0.0.1"),
                (b"cookie", f"sessionid={cookies[who]}".encode()),
                (b"x-request-id", request_id),
            ],
        )
        connected, _ = await communicator.connect(timeout=10)
        assert connected
        return communicator

    customer_socket = await open_socket("customer", b"socket-of-the-customer")
    manager_socket = await open_socket("manager", b"socket-of-the-manager")
    try:
        # Both sockets' frames are handled at the same time, each with its own id.
        await asyncio.gather(
            customer_socket.send_json_to({"type": "sync", "after_id": 0, "mark": "c"}),
            manager_socket.send_json_to({"type": "sync", "after_id": 0, "mark": "m"}),
        )
        for communicator in (customer_socket, manager_socket):
            assert (await communicator.receive_json_from(timeout=5))["type"] == "sync"
    finally:
        await customer_socket.disconnect()
        await manager_socket.disconnect()

    def frame_of(mark):
        return lambda r: r.getMessage().startswith("frame:") and f'"mark": "{mark}"' in r.args[0]

    assert records.ids_of(frame_of("c")) == ["socket-of-the-customer"]
    assert records.ids_of(frame_of("m")) == ["socket-of-the-manager"]
