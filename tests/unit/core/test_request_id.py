"""The request id nginx sets reaches every log line of its request and of its socket."""

import logging
import re

import pytest
from channels.testing import HttpCommunicator

from config.asgi import application
from tenantdesk.core.request_id import RequestId

pytestmark = pytest.mark.django_db(transaction=True)


async def http_get(path, *headers):
    communicator = HttpCommunicator(
        application, "GET", path, headers=[(b"host", b"testserver"), *headers]
    )
    return await communicator.get_response(timeout=5)


def response_id(response) -> str:
    [value] = [v for name, v in response["headers"] if name.lower() == b"x-request-id"]
    return value.decode()


def not_found_logged(record):
    return record.name == "django.request" and "/no-such-page" in record.getMessage()


async def test_an_http_request_logs_and_echoes_the_id_nginx_set(records):
    response = await http_get("/no-such-page", (b"x-request-id", b"3f2a9c0d41e84b7f"))
    assert response["status"] == 404
    assert response_id(response) == "3f2a9c0d41e84b7f"
    # Django logs the 404 while it handles the request ("Not Found: …").
    assert records.ids_of(not_found_logged) == ["3f2a9c0d41e84b7f"]
    # Outside the request the id is gone again.
    logging.getLogger("tenantdesk.test").warning("after the request")
    assert records.records[-1].request_id is None


@pytest.mark.parametrize(
    "sent",
    [None, b"", b"has spaces", b'quote"<script>', b"x" * 65, "ид".encode()],
)
async def test_a_missing_or_unfit_id_is_replaced_by_a_new_one(records, sent):
    headers = [] if sent is None else [(b"x-request-id", sent)]
    response = await http_get("/no-such-page", *headers)
    made = response_id(response)
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert records.ids_of(not_found_logged) == [made]


async def test_each_request_gets_its_own_id(records):
    first = response_id(await http_get("/no-such-page"))
    second = response_id(await http_get("/no-such-page"))
    assert first != second
    assert records.ids_of(not_found_logged) == [first, second]


async def test_probes_echo_the_id_too():
    response = await http_get("/healthz", (b"x-request-id", b"probe-1"))
    assert response["status"] == 200
    assert response_id(response) == "probe-1"


async def test_a_socket_handshake_answer_carries_the_id():
    sent = []

    async def consumer(scope, receive, send):
        await send({"type": "websocket.accept", "subprotocol": None})

    async def capture(message):
        sent.append(message)

    scope = {"type": "websocket", "headers": [(b"x-request-id", b"ws-7")], "path": "/ws/"}
    await RequestId(consumer)(scope, None, capture)
    assert sent == [
        {"type": "websocket.accept", "subprotocol": None, "headers": [(b"x-request-id", b"ws-7")]}
    ]
