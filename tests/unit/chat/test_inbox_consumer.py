"""The inbox socket (/ws/inbox/) through the real ASGI stack: Origin check, session auth,
who hears which request's events (managers: all; an organisation: its own; nobody else),
and sign-out / revocation like the chat socket."""

import asyncio
import json

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Group

from config.asgi import application
from tenantdesk.accounts.models import User
from tenantdesk.accounts.roles import MANAGER_GROUP
from tenantdesk.chat.groups import inbox_organisation_group, inbox_person_group
from tenantdesk.chat.inbox import EVENT_TYPE
from tenantdesk.chat.services.read_state import messages_mark_read
from tenantdesk.chat.services.send import message_send
from tenantdesk.chat.services.sockets import user_sockets_disconnect
from tenantdesk.chat.ws.outgoing import inbox_frames
from tenantdesk.chat.ws.protocol import Close
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services.status import service_request_change_status
from tests.factories import CustomerFactory, ManagerFactory
from tests.unit.chat.helpers import session_cookie
from tests.unit.chat.test_consumer import expect_close
from tests.unit.service_requests.helpers import create_request

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = b"http://127.0.0.1"
QUIET_SECONDS = 0.3  # how long a socket that must hear nothing is listened to


async def connect(cookie=None, origin=ORIGIN):
    headers = [(b"origin", origin), (b"host", b"127.0.0.1")]
    if cookie:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    communicator = WebsocketCommunicator(application, "/ws/inbox/?lang=en", headers=headers)
    # Up to 10 s for the accept (channels' default, 1 s, ran out at load 10 in CI).
    connected, _ = await communicator.connect(timeout=10)
    return communicator, connected


async def frames(communicator, count, timeout=3):
    return [json.loads(await communicator.receive_from(timeout=timeout)) for _ in range(count)]


async def hears_nothing(communicator):
    return await communicator.receive_nothing(timeout=QUIET_SECONDS)


@database_sync_to_async
def cookie_of(user):
    return session_cookie(user)


@database_sync_to_async
def make_people():
    """A manager, two members of one organisation, and a member of another one."""
    manager = ManagerFactory()
    customer = CustomerFactory()
    colleague = CustomerFactory(organisation=customer.organisation)
    stranger = CustomerFactory()
    return manager, customer, colleague, stranger


@pytest.fixture
async def people():
    manager, customer, colleague, stranger = await make_people()
    sockets = {}
    for name, user in {
        "manager": manager,
        "customer": customer,
        "colleague": colleague,
        "stranger": stranger,
    }.items():
        socket, connected = await connect(await cookie_of(user))
        assert connected, name
        sockets[name] = socket
    yield {"manager": manager, "customer": customer, "colleague": colleague}, sockets
    for socket in sockets.values():
        await socket.disconnect()


# --- who may open one -----------------------------------------------------------------------


async def test_a_signed_out_visitor_is_closed_with_4401():
    socket, connected = await connect(cookie=None)
    assert connected  # accepted so that the 4401 reaches the page
    await expect_close(socket, 4401)


async def test_another_sites_page_cannot_open_it(customer):
    socket, connected = await connect(await cookie_of(customer), origin=b"http://evil.example")
    assert not connected


async def test_it_takes_no_frames_but_delivery_reports_and_says_so(customer):
    socket, _ = await connect(await cookie_of(customer))
    await socket.send_to(text_data='{"type": "sync"}')
    (frame,) = await frames(socket, 1)
    assert frame["type"] == "error" and frame["code"] == "unknown_type"
    await socket.disconnect()


# --- who hears what -------------------------------------------------------------------------


async def test_a_new_request_reaches_managers_and_its_organisation_only(people):
    users, sockets = people
    created = await database_sync_to_async(create_request)(users["customer"], title="No heating")
    for name in ("manager", "customer", "colleague"):
        (frame,) = await frames(sockets[name], 1)
        assert frame == {
            "type": "request.new",
            "service_request_id": created.pk,
            "title": "No heating",
        }, name
    assert await hears_nothing(sockets["stranger"])


async def test_a_message_says_for_whom_it_counts_as_unread(people):
    users, sockets = people
    service_request = await database_sync_to_async(create_request)(users["customer"])
    for name in ("manager", "customer", "colleague"):
        await frames(sockets[name], 1)  # request.new

    await database_sync_to_async(message_send)(
        author=users["manager"],
        service_request=service_request,
        text="We come at noon.\nBring the key.",
        client_id=None,
    )
    heard = {name: (await frames(sockets[name], 1))[0] for name in ("manager", "customer")}
    colleague = (await frames(sockets["colleague"], 1))[0]
    assert heard["customer"]["type"] == "request.message"
    assert heard["customer"]["service_request_id"] == service_request.pk
    assert heard["customer"]["preview"] == "We come at noon."  # the first line
    assert heard["customer"]["title"] == service_request.title
    # The other side's message is unread for the organisation, not for its own author.
    assert heard["customer"]["other_side"] is True and colleague["other_side"] is True
    assert heard["manager"]["other_side"] is False
    assert await hears_nothing(sockets["stranger"])


async def test_a_customers_message_counts_for_managers_not_for_colleagues(people):
    users, sockets = people
    service_request = await database_sync_to_async(create_request)(users["customer"])
    for name in ("manager", "customer", "colleague"):
        await frames(sockets[name], 1)
    await database_sync_to_async(message_send)(
        author=users["customer"], service_request=service_request, text="Hello", client_id=None
    )
    manager, customer, colleague = [
        (await frames(sockets[name], 1))[0] for name in ("manager", "customer", "colleague")
    ]
    assert manager["other_side"] is True
    assert customer["other_side"] is False and colleague["other_side"] is False
    assert await hears_nothing(sockets["stranger"])


async def test_a_read_reaches_only_the_readers_own_sockets(people):
    users, sockets = people
    service_request = await database_sync_to_async(create_request)(users["customer"])
    message = await database_sync_to_async(message_send)(
        author=users["manager"], service_request=service_request, text="Hi", client_id=None
    )
    second_tab, _ = await connect(await cookie_of(users["customer"]))
    for name in ("manager", "customer", "colleague"):
        await frames(sockets[name], 2)  # request.new, request.message

    await database_sync_to_async(messages_mark_read)(
        reader=users["customer"], service_request=service_request, up_to_id=message.pk
    )
    expected = {
        "type": "request.read",
        "service_request_id": service_request.pk,
        "last_read_id": message.pk,
    }
    assert await frames(sockets["customer"], 1) == [expected]
    assert await frames(second_tab, 1) == [expected]
    for name in ("manager", "colleague", "stranger"):
        assert await hears_nothing(sockets[name]), name
    await second_tab.disconnect()


async def test_a_status_change_is_heard_once_committed_with_its_system_message(people):
    users, sockets = people
    service_request = await database_sync_to_async(create_request)(users["customer"])
    for name in ("manager", "customer", "colleague"):
        await frames(sockets[name], 1)
    await database_sync_to_async(service_request_change_status)(
        actor=users["manager"], service_request=service_request, status=ServiceRequest.Status.CLOSED
    )
    for name in ("manager", "customer"):
        heard = {frame["type"]: frame for frame in await frames(sockets[name], 2)}
        assert heard["request.status"] == {
            "type": "request.status",
            "service_request_id": service_request.pk,
            "status": "closed",
            "closed": True,
        }
        # The system message moves the request too, but is nobody's unread message.
        assert heard["request.message"]["system"] is True
        assert heard["request.message"]["other_side"] is False
    assert await hears_nothing(sockets["stranger"])


async def test_a_rolled_back_status_change_is_never_heard(people):
    users, sockets = people
    service_request = await database_sync_to_async(create_request)(users["customer"])
    for name in ("manager", "customer", "colleague"):
        await frames(sockets[name], 1)

    @database_sync_to_async
    def change_and_roll_back():
        from django.db import transaction

        with pytest.raises(RuntimeError), transaction.atomic():
            service_request_change_status(
                actor=users["manager"],
                service_request=service_request,
                status=ServiceRequest.Status.IN_PROGRESS,
            )
            raise RuntimeError("rolled back")

    await change_and_roll_back()
    for name in ("manager", "customer"):
        assert await hears_nothing(sockets[name]), name


async def test_an_event_of_another_organisation_is_dropped_even_in_the_wrong_group(people):
    # Belt and braces: were a socket ever in a group it should not be, the event's
    # organisation is checked again before anything is sent.
    users, sockets = people
    layer = get_channel_layer()
    foreign = {"type": "request.new", "service_request_id": 999, "title": "Foreign"}
    await layer.group_send(
        inbox_person_group(users["customer"].pk),
        {
            "type": EVENT_TYPE,
            "organisation_id": users["customer"].organisation_id + 1000,
            "frames": inbox_frames(foreign),
        },
    )
    await layer.group_send(
        inbox_organisation_group(users["customer"].organisation_id),
        {
            "type": EVENT_TYPE,
            "organisation_id": users["customer"].organisation_id,
            "frames": inbox_frames(foreign),
        },
    )
    # Only the second (its own organisation's) arrives.
    assert await frames(sockets["customer"], 1) == [foreign]
    assert await hears_nothing(sockets["customer"])


# --- sign-out and revocation ----------------------------------------------------------------


async def test_signing_out_closes_the_inbox_socket(customer):
    socket, _ = await connect(await cookie_of(customer))
    await database_sync_to_async(user_sockets_disconnect)(user_id=customer.pk, session_key=None)
    await expect_close(socket, 4401)


async def test_a_password_change_closes_it(customer):
    socket, _ = await connect(await cookie_of(customer))

    @database_sync_to_async
    def change_password():
        user = User.objects.get(pk=customer.pk)
        user.set_password("a-new-password-9")
        user.save()

    await change_password()
    await expect_close(socket, 4401, timeout=2)


async def test_becoming_a_manager_makes_the_page_reconnect_into_the_managers_group(customer):
    socket, _ = await connect(await cookie_of(customer))
    await database_sync_to_async(
        lambda: User.objects.get(pk=customer.pk).groups.add(Group.objects.get(name=MANAGER_GROUP))
    )()
    await expect_close(socket, Close.AUDIENCE_CHANGED, timeout=2)


async def test_moving_to_another_organisation_makes_the_page_reconnect(customer, other_customer):
    socket, _ = await connect(await cookie_of(customer))

    @database_sync_to_async
    def move():
        user = User.objects.get(pk=customer.pk)
        user.organisation = other_customer.organisation
        user.save()

    await move()
    await expect_close(socket, Close.AUDIENCE_CHANGED, timeout=2)
    await asyncio.sleep(0)
