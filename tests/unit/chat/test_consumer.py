"""The chat socket through the real ASGI stack: origin check, session auth, routing."""

import asyncio
import json
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from config.asgi import application
from tenantdesk.chat.models import Message
from tenantdesk.chat.services.receipts import messages_mark_delivered
from tenantdesk.chat.services.send import message_send
from tenantdesk.chat.services.system_messages import request_event_message_post
from tenantdesk.service_requests.models import ServiceRequest
from tests.unit.chat.helpers import session_cookie, status_change

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = b"http://127.0.0.1"


async def connect(service_request_id, cookie=None, origin=ORIGIN, lang="en"):
    headers = [(b"origin", origin), (b"host", b"127.0.0.1")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    communicator = WebsocketCommunicator(
        application, f"/ws/request/{service_request_id}/?lang={lang}", headers=headers
    )
    # Up to 10 s for the accept (channels' default, 1 s, ran out at load 10 in CI).
    connected, _ = await communicator.connect(timeout=10)
    return communicator, connected


async def receive(communicator, timeout=3):
    return json.loads(await communicator.receive_from(timeout=timeout))


async def receive_until(communicator, frame_type, timeout=3):
    while True:
        frame = await receive(communicator, timeout)
        if frame["type"] == frame_type:
            return frame


async def expect_close(communicator, code, timeout=3):
    output = await communicator.receive_output(timeout=timeout)
    assert output["type"] == "websocket.close"
    assert output.get("code") == code
    assert type(output["code"]) is int  # what a server takes (Daphne refuses an IntEnum)


async def send_text(communicator, text, client_id=None):
    client_id = client_id or str(uuid.uuid4())
    await communicator.send_json_to({"type": "message.send", "client_id": client_id, "text": text})
    return client_id


@pytest.fixture
def cookies(customer, manager, other_customer):
    return {
        "customer": session_cookie(customer),
        "manager": session_cookie(manager),
        "other": session_cookie(other_customer),
    }


async def test_customer_and_manager_exchange_messages_with_receipts(
    service_request, cookies, customer, manager
):
    cust, ok1 = await connect(service_request.pk, cookies["customer"])
    mgr, ok2 = await connect(service_request.pk, cookies["manager"])
    assert ok1 and ok2

    client_id = await send_text(cust, "The tap <b>drips</b>")
    own = (await receive_until(cust, "message"))["message"]
    seen = (await receive_until(mgr, "message"))["message"]
    # Whose it is the page tells from author_id (the frame is the same for every reader).
    assert own["client_id"] == client_id and own["author_id"] == customer.pk
    assert own["status"] == "sent" and "mine" not in own
    assert seen["id"] == own["id"] and seen["author_id"] == customer.pk
    assert seen["text"] == "The tap <b>drips</b>"
    # The person (no name given: their user name), then the side they speak for.
    assert seen["author_label"] == f"{customer.username} · {customer.organisation.name}"

    # The manager's client acknowledges: the customer sees "delivered" live.
    await mgr.send_json_to({"type": "message.delivered", "ids": [seen["id"]]})
    receipt = await receive_until(cust, "receipt")
    assert receipt["id"] == own["id"] and receipt["status"] == "delivered"
    assert receipt["delivered_at"]

    await send_text(mgr, "On our way")
    reply = (await receive_until(cust, "message"))["message"]
    assert reply["author_label"] == f"{manager.username} · Manager"
    assert reply["author_id"] == manager.pk

    stored = await database_sync_to_async(
        lambda: list(Message.objects.order_by("pk").values_list("text", "by_manager"))
    )()
    assert stored == [("The tap <b>drips</b>", False), ("On our way", True)]
    await cust.disconnect()
    await mgr.disconnect()


async def test_repeated_client_id_stores_one_message_and_sends_it_once_per_socket(
    service_request, cookies
):
    cust, _ = await connect(service_request.pk, cookies["customer"])
    client_id = await send_text(cust, "Once only")
    first = (await receive_until(cust, "message"))["message"]
    # The same socket got it already (live): the retry stores nothing and sends nothing;
    # the next message frame is the next message.
    await send_text(cust, "Once only", client_id=client_id)
    await send_text(cust, "And then this")
    after = (await receive_until(cust, "message"))["message"]
    assert after["text"] == "And then this"
    # A new socket (the page reconnected) that retries gets the stored message.
    again_socket, _ = await connect(service_request.pk, cookies["customer"])
    await send_text(again_socket, "Once only", client_id=client_id)
    again = (await receive_until(again_socket, "message"))["message"]
    assert again["id"] == first["id"]
    assert await database_sync_to_async(Message.objects.count)() == 2
    await cust.disconnect()
    await again_socket.disconnect()


# A fixed client id: the parameters name the tests, and every process of a parallel run
# (pytest-xdist) must collect the same names.
FIXED_CLIENT_ID = "5b0e8c1a-2f4d-4e6b-9a7c-1d3e5f7a9b0c"


@pytest.mark.parametrize(
    "frame, code",
    [
        (
            json.dumps(
                {
                    "type": "message.send",
                    "client_id": FIXED_CLIENT_ID,
                    "text": " ",
                }
            ),
            "empty",
        ),
        ("{not json", "malformed"),
        ("[1, 2, 3]", "malformed"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "message.send", "text": 5}', "invalid"),
        ('{"type": "message.send", "client_id": "nope", "text": "hi"}', "invalid_client_id"),
        ('{"type": "message.delivered", "ids": "all"}', "invalid"),
        ('{"type": "sync", "after_id": "x"}', "invalid"),
        # Numbers beyond a 64-bit id must be refused, not crash the database driver.
        ('{"type": "message.delivered", "ids": [9223372036854775808]}', "invalid_ids"),
        ('{"type": "message.delivered", "ids": [1e400]}', "invalid_ids"),
        ('{"type": "sync", "after_id": 1000000000000000000000000000000}', "invalid"),
        # Text PostgreSQL cannot store (NUL) or no encoding can carry (a lone surrogate).
        (
            '{"type": "message.send", "client_id": "' + FIXED_CLIENT_ID + '", "text": "a\\u0000b"}',
            "invalid_text",
        ),
        (
            '{"type": "message.send", "client_id": "' + FIXED_CLIENT_ID + '", "text": "\\ud800"}',
            "invalid_text",
        ),
        # Nesting deep enough to exhaust the parser's recursion.
        ("[" * 1000 + "]" * 1000, "malformed"),
        ('{"type": "sync", "x": ' + "[" * 1000 + "]" * 1000 + "}", "malformed"),
    ],
)
async def test_bad_frames_get_an_error_and_the_socket_stays_open(
    service_request, cookies, frame, code
):
    cust, _ = await connect(service_request.pk, cookies["customer"])
    await cust.send_to(text_data=frame)
    error = await receive(cust)
    assert error["type"] == "error" and error["code"] == code and error["detail"]
    sent = json.loads(frame) if code == "invalid_text" else {}
    if sent:  # a refused send names its client_id: the page drops it from its outbox
        assert error["client_id"] == sent["client_id"]
    assert await database_sync_to_async(Message.objects.count)() == 0
    # Still open and working.
    await send_text(cust, "still here")
    assert (await receive_until(cust, "message"))["message"]["text"] == "still here"
    await cust.disconnect()


async def test_too_long_message_and_oversized_frame(service_request, cookies, settings):
    settings.CHAT_MESSAGE_MAX_LENGTH = 20
    cust, _ = await connect(service_request.pk, cookies["customer"])
    await send_text(cust, "x" * 21)
    assert (await receive(cust))["code"] == "too_long"
    await send_text(cust, "x" * 5000)
    assert (await receive(cust))["code"] == "too_large"
    assert await database_sync_to_async(Message.objects.count)() == 0
    await cust.disconnect()


async def test_send_rate_limit(service_request, cookies, settings):
    settings.CHAT_SEND_RATE = 3
    cust, _ = await connect(service_request.pk, cookies["customer"])
    for i in range(4):
        await send_text(cust, f"m{i}")
    frames = [await receive(cust) for _ in range(4)]
    assert [f["type"] for f in frames].count("message") == 3
    assert [f.get("code") for f in frames if f["type"] == "error"] == ["rate_limited"]
    assert await database_sync_to_async(Message.objects.count)() == 3
    await cust.disconnect()


async def test_sync_returns_what_was_missed(service_request, cookies, customer):
    def store(n):
        return [
            message_send(
                author=customer, service_request=service_request, text=f"m{i}", client_id=None
            ).pk
            for i in range(n)
        ]

    ids = await database_sync_to_async(store)(3)
    cust, _ = await connect(service_request.pk, cookies["customer"])
    await cust.send_json_to({"type": "sync", "after_id": ids[0]})
    frame = await receive_until(cust, "sync")
    assert [m["id"] for m in frame["messages"]] == ids[1:]
    assert frame["has_more"] is False
    await cust.disconnect()


async def test_another_organisation_is_refused(service_request, cookies):
    other, connected = await connect(service_request.pk, cookies["other"])
    await expect_close(other, 4404)


async def test_missing_request_is_refused_like_a_foreign_one(cookies):
    other, _ = await connect(999999, cookies["customer"])
    await expect_close(other, 4404)


async def test_signed_out_user_is_refused(service_request):
    anonymous, _ = await connect(service_request.pk, None)
    await expect_close(anonymous, 4401)


async def test_foreign_origin_is_refused(service_request, cookies):
    evil, connected = await connect(
        service_request.pk, cookies["customer"], origin=b"http://evil.example"
    )
    assert connected is False


async def test_status_change_arrives_as_system_message_and_status_event(
    service_request, cookies, manager
):
    cust, _ = await connect(service_request.pk, cookies["customer"], lang="ru")
    mgr, _ = await connect(service_request.pk, cookies["manager"])

    def close_request():
        from django.db import transaction

        with transaction.atomic():
            change = status_change(service_request, manager, ServiceRequest.Status.CLOSED)
            request_event_message_post(event=change)

    await database_sync_to_async(close_request)()
    for communicator, word in ((cust, "Статус"), (mgr, "Status")):
        system = (await receive_until(communicator, "message"))["message"]
        assert system["kind"] == "system" and system["text"].startswith(word)
        event = await receive_until(communicator, "request.status")
        assert event["status"] == "closed" and event["closed"] is True
    # The request is read-only now.
    await send_text(cust, "one more thing")
    assert (await receive_until(cust, "error"))["code"] == "closed"
    await cust.disconnect()
    await mgr.disconnect()


async def test_signing_out_elsewhere_closes_the_socket(service_request, customer):
    browser = Client()
    await database_sync_to_async(browser.force_login)(customer)
    cust, _ = await connect(service_request.pk, browser.cookies["sessionid"].value)
    response = await database_sync_to_async(browser.post)("/accounts/logout")
    assert response.status_code == 302
    await expect_close(cust, 4401, timeout=10)


async def test_a_frame_after_the_session_ended_closes_the_socket_at_the_next_recheck(
    service_request, customer, monkeypatch
):
    from django.contrib.sessions.models import Session

    from tenantdesk.chat.ws import base as socket_access

    monkeypatch.setattr(socket_access, "ACCESS_RECHECK_SECONDS", 0.3)
    cookie = await database_sync_to_async(session_cookie)(customer)
    cust, _ = await connect(service_request.pk, cookie)
    # The session disappears without a sign-out signal (expired, deleted by an admin): no
    # push tells the socket, its periodic re-check does.
    await database_sync_to_async(Session.objects.filter(session_key=cookie).delete)()
    await asyncio.sleep(0.4)
    await send_text(cust, "hello?")
    await expect_close(cust, 4401)
    assert await database_sync_to_async(Message.objects.count)() == 0


async def test_losing_access_closes_the_socket(service_request, customer, other_customer):
    cookie = await database_sync_to_async(session_cookie)(customer)
    cust, _ = await connect(service_request.pk, cookie)

    def move_to_other_organisation():
        customer.organisation = other_customer.organisation
        customer.save(update_fields=["organisation"])

    await database_sync_to_async(move_to_other_organisation)()
    # Announced by accounts and pushed to the socket: it closes without a frame of its own.
    await expect_close(cust, 4404)


async def test_nothing_arrives_from_other_requests(service_request, cookies, customer):
    from tests.unit.chat.helpers import make_service_request

    elsewhere = await database_sync_to_async(make_service_request)(customer)
    cust, _ = await connect(service_request.pk, cookies["customer"])
    other, _ = await connect(elsewhere.pk, cookies["customer"])
    await send_text(other, "elsewhere")
    await receive_until(other, "message")
    assert await cust.receive_nothing(timeout=0.3)
    await cust.disconnect()
    await other.disconnect()


async def test_sync_brings_receipts_missed_while_away(service_request, cookies, customer, manager):
    def store_and_deliver():
        message = message_send(
            author=customer, service_request=service_request, text="seen?", client_id=None
        )
        messages_mark_delivered(
            reader=manager, service_request=service_request, message_ids=[message.pk]
        )
        return message.pk

    message_id = await database_sync_to_async(store_and_deliver)()
    cust, _ = await connect(service_request.pk, cookies["customer"])
    await cust.send_json_to({"type": "sync", "after_id": message_id, "receipts_for": [message_id]})
    frame = await receive_until(cust, "sync")
    assert frame["messages"] == []
    assert [(r["id"], r["status"]) for r in frame["receipts"]] == [(message_id, "delivered")]
    await cust.disconnect()


async def test_a_flood_of_any_frames_is_limited(service_request, cookies, settings):
    settings.CHAT_SEND_RATE = 2  # so 10 frames of any kind per 10 s
    cust, _ = await connect(service_request.pk, cookies["customer"])
    for _ in range(11):
        await cust.send_json_to({"type": "sync", "after_id": 0})
    frames = [await receive(cust) for _ in range(11)]
    assert [f["type"] for f in frames].count("sync") == 10
    assert frames[-1] == {**frames[-1], "type": "error", "code": "rate_limited"}
    await cust.disconnect()


async def test_sync_ignores_receipt_ids_beyond_a_64_bit_id(service_request, cookies):
    cust, _ = await connect(service_request.pk, cookies["customer"])
    await cust.send_json_to({"type": "sync", "after_id": 0, "receipts_for": [2**63, 10**30]})
    answer = await receive_until(cust, "sync")
    assert answer["receipts"] == []
    await cust.disconnect()


async def test_the_send_limit_is_one_per_person_across_tabs_and_http(
    service_request, customer, settings
):
    settings.CHAT_SEND_RATE = 3
    cookie = await database_sync_to_async(session_cookie)(customer)
    tab_one, _ = await connect(service_request.pk, cookie)
    tab_two, _ = await connect(service_request.pk, cookie)
    for tab, text in ((tab_one, "one"), (tab_two, "two")):
        await send_text(tab, text)
        while (await receive_until(tab, "message"))["message"]["text"] != text:
            pass  # the other tab's message, broadcast to both

    @database_sync_to_async
    def post_over_http(text):
        browser = Client()
        browser.force_login(customer)
        return browser.post(f"/chat/{service_request.pk}/messages", {"text": text})

    assert (await post_over_http("three")).status_code == 201
    refused = await post_over_http("four")
    assert refused.status_code == 429
    await send_text(tab_one, "five")
    assert (await receive_until(tab_one, "error"))["code"] == "rate_limited"
    texts = await database_sync_to_async(
        lambda: list(Message.objects.order_by("pk").values_list("text", flat=True))
    )()
    assert texts == ["one", "two", "three"]
    await tab_one.disconnect()
    await tab_two.disconnect()
