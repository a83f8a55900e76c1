""" "Delivered" from the inbox socket (issue 23): a page of any kind that receives a new
message of the other side acknowledges it over /ws/inbox/, so the sender sees "delivered"
while the receiver only has a list open. Only ids the socket itself sent to that person
count; a batch is one statement."""

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenantdesk.chat.groups import service_request_group
from tenantdesk.chat.models import Message
from tenantdesk.chat.services.receipts import messages_mark_delivered_anywhere
from tenantdesk.chat.services.send import message_send
from tests.unit.chat.test_inbox_consumer import frames, hears_nothing, people
from tests.unit.service_requests.helpers import create_request

pytestmark = pytest.mark.django_db(transaction=True)
_ = people  # the fixture: a manager, two members of one organisation, a stranger; their sockets


@database_sync_to_async
def delivered_at(message):
    return Message.objects.get(pk=message.pk).delivered_at


async def send(author, service_request, text):
    return await database_sync_to_async(message_send)(
        author=author, service_request=service_request, text=text, client_id=None
    )


async def test_a_customer_with_only_a_list_open_acknowledges_a_managers_message(people):
    users, sockets = people
    service_request = await database_sync_to_async(create_request)(users["customer"])
    for name in ("manager", "customer", "colleague"):
        await frames(sockets[name], 1)  # request.new
    layer = get_channel_layer()
    chat = await layer.new_channel()  # stands for the manager's open chat
    await layer.group_add(service_request_group(service_request.pk), chat)

    message = await send(users["manager"], service_request, "We come at noon")
    await layer.receive(chat)  # the message itself
    (heard,) = await frames(sockets["customer"], 1)
    assert heard["other_side"] is True
    await sockets["customer"].send_json_to({"type": "message.delivered", "ids": [message.pk]})
    receipt = await layer.receive(chat)
    assert receipt["type"] == "chat.receipt" and '"delivered"' in receipt["frames"][0]
    assert await delivered_at(message) is not None
    await layer.group_discard(service_request_group(service_request.pk), chat)


async def test_only_ids_the_socket_sent_as_the_other_sides_count(people):
    users, sockets = people
    service_request = await database_sync_to_async(create_request)(users["customer"])
    for name in ("manager", "customer", "colleague"):
        await frames(sockets[name], 1)
    own_side = await send(users["customer"], service_request, "Hello")
    for name in ("manager", "customer", "colleague"):
        await frames(sockets[name], 1)
    # A colleague (the author's own side) cannot make it delivered, nor can a stranger
    # who names its id.
    await sockets["colleague"].send_json_to({"type": "message.delivered", "ids": [own_side.pk]})
    stranger = sockets["stranger"]
    await stranger.send_json_to({"type": "message.delivered", "ids": [own_side.pk]})
    assert await hears_nothing(sockets["colleague"])
    assert await hears_nothing(stranger)
    assert await delivered_at(own_side) is None
    # The manager's socket heard it as the other side's: its report counts.
    await sockets["manager"].send_json_to({"type": "message.delivered", "ids": [own_side.pk]})
    await sockets["manager"].receive_nothing(timeout=0.3)
    assert await delivered_at(own_side) is not None


async def test_other_frames_are_still_refused(people):
    _users, sockets = people
    await sockets["customer"].send_to(text_data='{"type": "sync"}')
    (frame,) = await frames(sockets["customer"], 1)
    assert frame["type"] == "error" and frame["code"] == "unknown_type"
    await sockets["customer"].send_to(text_data='{"type": "message.delivered", "ids": 3}')
    (frame,) = await frames(sockets["customer"], 1)
    assert frame["type"] == "error"


@pytest.mark.django_db(transaction=False)
def test_a_batch_over_several_requests_is_one_statement(customer, manager, other_customer):
    first = create_request(customer)
    second = create_request(customer)
    foreign = create_request(other_customer)
    ids = [
        message_send(author=manager, service_request=request, text="Hi", client_id=None).pk
        for request in (first, second, foreign)
    ]
    own = message_send(author=customer, service_request=first, text="Mine", client_id=None).pk
    with CaptureQueriesContext(connection) as queries:
        receipts = messages_mark_delivered_anywhere(reader=customer, message_ids=[*ids, own])
    assert len(queries) == 1
    # Another organisation's request and one's own side's message are left alone.
    assert sorted(r["id"] for r in receipts) == ids[:2]
    assert Message.objects.get(pk=ids[2]).delivered_at is None
    assert Message.objects.get(pk=own).delivered_at is None
    # A manager's batch: the customers' messages of any organisation.
    theirs = message_send(author=other_customer, service_request=foreign, text="Q", client_id=None)
    assert [
        r["id"] for r in messages_mark_delivered_anywhere(reader=manager, message_ids=[theirs.pk])
    ] == [theirs.pk]
