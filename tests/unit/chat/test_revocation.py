"""A user whose sign-in no longer holds loses their open chat sockets at once.

Password changes, deactivation, deletion and the loss of the manager role are announced
by accounts (tenantdesk/accounts/revocation.py) and pushed to every socket of the user; a
socket whose broadcast was missed still finds out on its next frame.
"""

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import Group
from django.test import Client

from tenantdesk.accounts.models import User
from tenantdesk.accounts.revocation import user_access_changed
from tenantdesk.accounts.roles import MANAGER_GROUP
from tenantdesk.chat.models import Message
from tests.unit.chat.helpers import session_cookie
from tests.unit.chat.test_consumer import connect, expect_close, receive_until, send_text

pytestmark = pytest.mark.django_db(transaction=True)

# The bound: every socket of the user reacts within two seconds.
REACTION_SECONDS = 2


@database_sync_to_async
def cookie_of(user):
    return session_cookie(user)


@database_sync_to_async
def change(user_id, **fields):
    user = User.objects.get(pk=user_id)
    for name, value in fields.items():
        if name == "password":
            user.set_password(value)
        else:
            setattr(user, name, value)
    user.save()


async def test_a_password_change_closes_every_socket_of_the_user(service_request, customer):
    first, _ = await connect(service_request.pk, await cookie_of(customer))
    second, _ = await connect(service_request.pk, await cookie_of(customer))
    await change(customer.pk, password="a-new-password-9")
    await expect_close(first, 4401, timeout=REACTION_SECONDS)
    await expect_close(second, 4401, timeout=REACTION_SECONDS)


async def test_a_password_changed_in_the_admin_site_closes_the_socket(
    service_request, customer, admin_user
):
    socket, _ = await connect(service_request.pk, await cookie_of(customer))
    admin = Client()
    await database_sync_to_async(admin.force_login)(admin_user)
    response = await database_sync_to_async(admin.post)(
        f"/admin/accounts/user/{customer.pk}/password/",
        {"password1": "Another-pass-2024", "password2": "Another-pass-2024"},
    )
    assert response.status_code == 302
    await expect_close(socket, 4401, timeout=REACTION_SECONDS)


async def test_deactivation_closes_the_socket(service_request, customer):
    socket, _ = await connect(service_request.pk, await cookie_of(customer))
    await change(customer.pk, is_active=False)
    await expect_close(socket, 4401, timeout=REACTION_SECONDS)


async def test_deleting_the_user_closes_the_socket(service_request, manager):
    # (A customer who opened requests cannot be deleted: the requests protect them.)
    socket, _ = await connect(service_request.pk, await cookie_of(manager))
    await database_sync_to_async(lambda: User.objects.get(pk=manager.pk).delete())()
    await expect_close(socket, 4401, timeout=REACTION_SECONDS)


@pytest.mark.parametrize("side", ["user", "group"])
async def test_losing_the_manager_role_closes_the_managers_socket(service_request, manager, side):
    socket, _ = await connect(service_request.pk, await cookie_of(manager))

    @database_sync_to_async
    def demote():
        group = Group.objects.get(name=MANAGER_GROUP)
        if side == "user":
            User.objects.get(pk=manager.pk).groups.remove(group)
        else:
            group.user_set.remove(manager)

    await demote()
    # A former manager without an organisation may see no request at all.
    await expect_close(socket, 4404, timeout=REACTION_SECONDS)


async def test_deleting_the_manager_group_closes_its_members_sockets(service_request, manager):
    socket, _ = await connect(service_request.pk, await cookie_of(manager))
    await database_sync_to_async(Group.objects.filter(name=MANAGER_GROUP).delete)()
    await expect_close(socket, 4404, timeout=REACTION_SECONDS)


async def test_a_socket_that_missed_the_push_finds_out_at_its_next_recheck(
    service_request, customer, monkeypatch
):
    from tenantdesk.chat.ws import base as socket_access

    monkeypatch.setattr(socket_access, "ACCESS_RECHECK_SECONDS", 0.3)
    socket, _ = await connect(service_request.pk, await cookie_of(customer))

    @database_sync_to_async
    def change_password_silently():
        # .update() sends no signal: only the session's password hash can tell.
        user = User.objects.get(pk=customer.pk)
        user.set_password("changed-without-a-signal-1")
        User.objects.filter(pk=customer.pk).update(password=user.password)

    await change_password_silently()
    await asyncio.sleep(0.4)
    await send_text(socket, "am I still here?")
    await expect_close(socket, 4401)
    assert await database_sync_to_async(Message.objects.count)() == 0


async def test_other_changes_leave_the_socket_alone(service_request, customer):
    socket, _ = await connect(service_request.pk, await cookie_of(customer))
    await change(customer.pk, email="new-address@example.com", first_name="Anna")
    await send_text(socket, "still here")
    assert (await receive_until(socket, "message"))["message"]["text"] == "still here"
    await socket.disconnect()


def test_only_changes_that_matter_are_announced(customer, django_capture_on_commit_callbacks):
    heard = []

    def listener(sender, user_ids, **kwargs):
        heard.extend(user_ids)

    user_access_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            customer.last_login = customer.date_joined
            customer.save(update_fields=["last_login"])  # what every sign-in does
            customer.first_name = "Anna"
            customer.save()
        assert heard == []
        with django_capture_on_commit_callbacks(execute=True):
            customer.set_password("another-one-77")
            customer.save()
        assert heard == [customer.pk]
    finally:
        user_access_changed.disconnect(listener)
