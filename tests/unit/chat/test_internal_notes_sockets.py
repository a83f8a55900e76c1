"""Internal notes over the sockets, through the real ASGI stack: a second manager's chat
socket receives a note live; a customer's chat socket, its sync and its inbox socket never
do; a customer asking for one gets an error frame and nothing is stored."""

import asyncio
import json
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth.models import Group

from tenantdesk.accounts.models import User
from tenantdesk.accounts.roles import MANAGER_GROUP
from tenantdesk.chat.groups import service_request_group, service_request_managers_group
from tenantdesk.chat.models import Message
from tenantdesk.chat.services.send import message_send
from tests.factories import ManagerFactory
from tests.unit.chat.helpers import session_cookie
from tests.unit.chat.test_consumer import connect, receive, receive_until, send_text
from tests.unit.chat.test_inbox_consumer import connect as connect_inbox
from tests.unit.chat.test_inbox_consumer import frames

pytestmark = pytest.mark.django_db(transaction=True)

NOTE = "Internal: the landlord pays for this one"
QUIET_SECONDS = 0.5  # how long a socket that must hear nothing is listened to


@database_sync_to_async
def cookie_of(user):
    return session_cookie(user)


@database_sync_to_async
def stored_messages():
    return list(Message.objects.values_list("text", "internal"))


async def send_note(communicator, text=NOTE, client_id=None):
    client_id = client_id or str(uuid.uuid4())
    await communicator.send_json_to(
        {"type": "message.send", "client_id": client_id, "text": text, "internal": True}
    )
    return client_id


@pytest.fixture
async def sockets(service_request, customer, manager):
    second_manager = await database_sync_to_async(ManagerFactory)()
    opened = {}
    for name, user in (("customer", customer), ("manager", manager), ("second", second_manager)):
        socket, connected = await connect(service_request.pk, await cookie_of(user))
        assert connected, name
        opened[name] = socket
    yield opened
    for socket in opened.values():
        await socket.disconnect()


async def test_a_note_reaches_the_other_managers_socket_and_never_the_customers(sockets, manager):
    client_id = await send_note(sockets["manager"])
    own = (await receive_until(sockets["manager"], "message"))["message"]
    seen = (await receive_until(sockets["second"], "message"))["message"]
    assert own["client_id"] == client_id and own["internal"] is True
    assert own["author_id"] == manager.pk
    assert seen["id"] == own["id"] and seen["text"] == NOTE and seen["internal"] is True
    assert await sockets["customer"].receive_nothing(timeout=QUIET_SECONDS)

    # The next ordinary reply is the first thing the customer hears: no note queued ahead.
    await send_text(sockets["manager"], "We come at noon")
    heard = (await receive(sockets["customer"]))["message"]
    assert heard["text"] == "We come at noon" and heard["internal"] is False
    assert await stored_messages() == [(NOTE, True), ("We come at noon", False)]


async def test_a_customer_asking_for_a_note_gets_an_error_frame_and_nothing_is_stored(sockets):
    client_id = await send_note(sockets["customer"], text="let me write a note")
    error = await receive(sockets["customer"])
    assert error["type"] == "error" and error["code"] == "forbidden"
    assert error["client_id"] == client_id
    assert await sockets["manager"].receive_nothing(timeout=QUIET_SECONDS)
    assert await stored_messages() == []


async def test_a_non_boolean_internal_is_refused(sockets):
    await sockets["manager"].send_json_to(
        {"type": "message.send", "client_id": str(uuid.uuid4()), "text": "x", "internal": "yes"}
    )
    error = await receive(sockets["manager"])
    assert error["type"] == "error" and error["code"] == "invalid"
    assert await stored_messages() == []


async def test_sync_gives_managers_the_note_and_customers_only_the_rest(
    sockets, service_request, customer, manager
):
    await send_note(sockets["manager"])
    await receive_until(sockets["manager"], "message")
    await send_text(sockets["manager"], "Visible")
    await receive_until(sockets["customer"], "message")

    # A page that reconnects (a new socket) catches up with sync.
    for user, expected in ((customer, ["Visible"]), (manager, [NOTE, "Visible"])):
        socket, _ = await connect(service_request.pk, await cookie_of(user))
        await socket.send_json_to({"type": "sync", "after_id": 0})
        page = await receive_until(socket, "sync")
        assert [m["text"] for m in page["messages"]] == expected, user
        await socket.disconnect()


async def test_a_customers_sync_asking_for_a_notes_receipt_gets_none(sockets):
    await send_note(sockets["manager"])
    note_id = (await receive_until(sockets["manager"], "message"))["message"]["id"]
    await sockets["customer"].send_json_to(
        {"type": "sync", "after_id": 0, "receipts_for": [note_id]}
    )
    page = await receive_until(sockets["customer"], "sync")
    assert page["messages"] == [] and page["receipts"] == []


async def test_the_inbox_sockets_hear_nothing_of_a_note(service_request, customer, manager):
    customer_inbox, _ = await connect_inbox(await cookie_of(customer))
    manager_inbox, _ = await connect_inbox(await cookie_of(manager))
    await database_sync_to_async(message_send)(
        author=manager, service_request=service_request, text=NOTE, internal=True
    )
    assert await customer_inbox.receive_nothing(timeout=QUIET_SECONDS)
    assert await manager_inbox.receive_nothing(timeout=QUIET_SECONDS)
    # An ordinary message right after is heard: the sockets were listening.
    await database_sync_to_async(message_send)(
        author=manager, service_request=service_request, text="Visible"
    )
    (frame,) = await frames(customer_inbox, 1)
    assert frame["type"] == "request.message" and frame["preview"] == "Visible"
    await customer_inbox.disconnect()
    await manager_inbox.disconnect()


async def test_a_manager_who_lost_the_role_but_still_sees_the_request_gets_no_note(
    service_request, customer, manager
):
    # A manager who is also a member of the request's organisation: losing the role keeps
    # the request visible (as a customer), so the socket stays open and must drop notes.
    person = await database_sync_to_async(ManagerFactory)(organisation=customer.organisation)
    socket, connected = await connect(service_request.pk, await cookie_of(person))
    assert connected

    @database_sync_to_async
    def demote():
        User.objects.get(pk=person.pk).groups.remove(Group.objects.get(name=MANAGER_GROUP))

    await demote()
    await asyncio.sleep(0.3)  # the access.changed push reaches the socket
    await database_sync_to_async(message_send)(
        author=manager, service_request=service_request, text=NOTE, internal=True
    )
    assert await socket.receive_nothing(timeout=QUIET_SECONDS)
    await socket.disconnect()


async def test_a_note_is_broadcast_to_the_managers_group_only(service_request, manager):
    # The layer itself: whatever a consumer would do, the request's shared group (which
    # customers' sockets join) is never sent a note; the managers' group is.
    layer = get_channel_layer()
    everyone, managers = await layer.new_channel(), await layer.new_channel()
    await layer.group_add(service_request_group(service_request.pk), everyone)
    await layer.group_add(service_request_managers_group(service_request.pk), managers)
    await database_sync_to_async(message_send)(
        author=manager, service_request=service_request, text=NOTE, internal=True
    )
    event = await asyncio.wait_for(layer.receive(managers), timeout=3)
    assert event["type"] == "chat.message" and event["internal"] is True
    assert json.loads(event["frames"]["en"])["message"]["text"] == NOTE
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(layer.receive(everyone), timeout=QUIET_SECONDS)
