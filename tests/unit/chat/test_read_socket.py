"""Reading over the chat socket: message.read moves the reader's position, the sender sees
"read" live, and a page that was away learns it through sync."""

import pytest
from channels.db import database_sync_to_async

from tenantdesk.chat.models import Message, ReadCursor
from tenantdesk.chat.services.read_state import messages_mark_read
from tenantdesk.chat.services.receipts import messages_mark_delivered
from tenantdesk.chat.services.send import message_send
from tests.unit.chat.test_consumer import (  # the socket helpers of the consumer's tests
    connect,
    cookies,  # noqa: F401  (a fixture)
    receive,
    receive_until,
    send_text,
)

pytestmark = pytest.mark.django_db(transaction=True)


async def test_the_sender_sees_delivered_then_read_live(service_request, cookies):  # noqa: F811
    cust, _ = await connect(service_request.pk, cookies["customer"])
    mgr, _ = await connect(service_request.pk, cookies["manager"])
    await send_text(mgr, "A plumber comes at 15:00")
    sent = (await receive_until(mgr, "message"))["message"]
    seen = (await receive_until(cust, "message"))["message"]
    assert sent["status"] == "sent" and sent["read_at"] is None

    await cust.send_json_to({"type": "message.delivered", "ids": [seen["id"]]})
    delivered = await receive_until(mgr, "receipt")
    assert (delivered["id"], delivered["status"]) == (sent["id"], "delivered")

    await cust.send_json_to({"type": "message.read", "up_to_id": seen["id"]})
    read = await receive_until(mgr, "receipt")
    assert (read["id"], read["status"]) == (sent["id"], "read") and read["read_at"]

    cursor = await database_sync_to_async(ReadCursor.objects.get)()
    assert (cursor.user_id, cursor.last_read_id) == (service_request.author_id, sent["id"])
    # A repeated (or older) report changes nothing and broadcasts nothing.
    await cust.send_json_to({"type": "message.read", "up_to_id": seen["id"]})
    assert await mgr.receive_nothing(timeout=0.3)
    await cust.disconnect()
    await mgr.disconnect()


async def test_reading_ones_own_side_marks_nothing_read(
    service_request,
    cookies,  # noqa: F811
    customer,
):
    cust, _ = await connect(service_request.pk, cookies["customer"])
    await send_text(cust, "mine")
    own = (await receive_until(cust, "message"))["message"]
    await cust.send_json_to({"type": "message.read", "up_to_id": own["id"]})
    assert await cust.receive_nothing(timeout=0.3)  # no receipt: nobody of the other side read
    message = await database_sync_to_async(Message.objects.get)()
    assert message.read_at is None
    await cust.disconnect()


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "message.read"},
        {"type": "message.read", "up_to_id": "7"},
        {"type": "message.read", "up_to_id": -1},
        {"type": "message.read", "up_to_id": 2**63},
        {"type": "message.read", "up_to_id": None},
    ],
)
async def test_a_bad_read_frame_gets_an_error_and_moves_nothing(
    service_request,
    cookies,  # noqa: F811
    frame,
):
    cust, _ = await connect(service_request.pk, cookies["customer"])
    await cust.send_json_to(frame)
    error = await receive(cust)
    assert error["type"] == "error" and error["code"] == "invalid_id" and error["detail"]
    assert not await database_sync_to_async(ReadCursor.objects.exists)()
    # Still open.
    await send_text(cust, "still here")
    assert (await receive_until(cust, "message"))["message"]["text"] == "still here"
    await cust.disconnect()


async def test_sync_reports_read_for_what_was_read_while_the_page_was_away(
    service_request,
    cookies,  # noqa: F811
    customer,
    manager,
):
    def store_and_read():
        read = message_send(author=customer, service_request=service_request, text="a")
        delivered = message_send(author=customer, service_request=service_request, text="b")
        waiting = message_send(author=customer, service_request=service_request, text="c")
        messages_mark_read(reader=manager, service_request=service_request, up_to_id=read.pk)
        messages_mark_delivered(
            reader=manager, service_request=service_request, message_ids=[delivered.pk]
        )
        return read.pk, delivered.pk, waiting.pk

    read_id, delivered_id, waiting_id = await database_sync_to_async(store_and_read)()
    cust, _ = await connect(service_request.pk, cookies["customer"])
    await cust.send_json_to(
        {
            "type": "sync",
            "after_id": waiting_id,
            "receipts_for": [read_id, delivered_id, waiting_id],
        }
    )
    frame = await receive_until(cust, "sync")
    receipts = {r["id"]: r for r in frame["receipts"]}
    assert {i: r["status"] for i, r in receipts.items()} == {
        read_id: "read",
        delivered_id: "delivered",
    }
    assert receipts[read_id]["read_at"] and receipts[read_id]["delivered_at"]
    assert receipts[delivered_id]["read_at"] is None
    await cust.disconnect()


async def test_another_organisations_socket_cannot_read(service_request, cookies, manager):  # noqa: F811
    def reply():
        return message_send(author=manager, service_request=service_request, text="x").pk

    reply_id = await database_sync_to_async(reply)()
    other, connected = await connect(service_request.pk, cookies["other"])
    if connected:  # refused with 4404 after accepting: no frame of it is ever handled
        output = await other.receive_output(timeout=3)
        assert output["type"] == "websocket.close" and output["code"] == 4404
    message = await database_sync_to_async(Message.objects.get)(pk=reply_id)
    assert message.read_at is None
    assert not await database_sync_to_async(ReadCursor.objects.exists)()
