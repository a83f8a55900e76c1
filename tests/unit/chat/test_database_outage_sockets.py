"""During a database outage both sockets close with 1013 ("try again later"), whether
they are opening or the database fails under an open socket, so the page backs off and
reconnects; once the database is back they open again."""

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from tenantdesk.chat.groups import user_group
from tenantdesk.chat.ws.protocol import Close
from tests.unit.chat import test_inbox_consumer
from tests.unit.chat.helpers import session_cookie
from tests.unit.chat.test_consumer import connect, expect_close, receive_until, send_text
from tests.unit.outage import database_fixture  # noqa: F401  (the `database` fixture)

pytestmark = pytest.mark.django_db(transaction=True)

TRY_AGAIN_LATER = Close.TRY_AGAIN_LATER


@database_sync_to_async
def cookie_of(user):
    return session_cookie(user)


async def test_sockets_opening_during_the_outage_close_with_1013_and_open_after(
    service_request, customer, database
):
    cookie = await cookie_of(customer)
    database.stop()
    chat, accepted = await connect(service_request.pk, cookie)
    # Accepted first, so the page sees the code rather than a failed handshake.
    assert accepted
    await expect_close(chat, TRY_AGAIN_LATER)
    inbox, accepted = await test_inbox_consumer.connect(cookie)
    assert accepted
    await expect_close(inbox, TRY_AGAIN_LATER)

    database.start()
    chat, accepted = await connect(service_request.pk, cookie)
    inbox, inbox_accepted = await test_inbox_consumer.connect(cookie)
    assert accepted and inbox_accepted
    await send_text(chat, "back again")
    assert (await receive_until(chat, "message"))["message"]["text"] == "back again"
    await chat.disconnect()
    await inbox.disconnect()


async def test_a_frame_failing_on_the_database_is_answered_then_the_socket_closes_with_1013(
    service_request, customer, database
):
    chat, accepted = await connect(service_request.pk, await cookie_of(customer))
    assert accepted
    database.stop()
    client_id = await send_text(chat, "while the database is down")
    # The page learns which message was refused (and keeps it to send again) ...
    refusal = await receive_until(chat, "error")
    assert refusal["code"] == "unavailable" and refusal["client_id"] == client_id
    # ... and backs off instead of sending more into a socket that cannot store them.
    await expect_close(chat, TRY_AGAIN_LATER)


async def test_the_inbox_socket_closes_with_1013_when_a_recheck_meets_the_outage(
    customer, database
):
    inbox, accepted = await test_inbox_consumer.connect(await cookie_of(customer))
    assert accepted
    database.stop()
    # What a password change elsewhere pushes: the socket reads the session again.
    await get_channel_layer().group_send(user_group(customer.pk), {"type": "access.changed"})
    await expect_close(inbox, TRY_AGAIN_LATER)
