"""Access taken away in bulk closes the person's sockets at once, as a save does.

Admin actions and scripts change users with QuerySet.update(), bulk_update() or bulk
deletes, which send no save signal; accounts.revocation announces them too
(UserQuerySet, the membership table's post_delete). For each way, the person's chat socket
and inbox socket close with the code the page acts on, and a frame the chat socket still
receives after its close stores nothing.

What makes it "at once" is that the close is pushed: an idle socket re-checks its access
only when a frame or event reaches it (chat/ws/base.py), and these tests send none before
the close, so without the announcement the sockets would stay open. The wait below is
therefore a generous bound for a loaded machine, not a timing target (speed is measured by
the benchmark harness; a 2 s bound here failed under load 15 while the push was working).
"""

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.hashers import make_password
from django.test import Client

from tenantdesk.accounts.models import User
from tenantdesk.accounts.roles import MANAGER_GROUP
from tenantdesk.chat.models import Message
from tenantdesk.chat.ws.protocol import Close
from tests.factories import OrganisationFactory, UserFactory
from tests.unit.chat import test_inbox_consumer
from tests.unit.chat.helpers import session_cookie
from tests.unit.chat.test_consumer import connect, expect_close, send_text

pytestmark = pytest.mark.django_db(transaction=True)

# How long to wait for the pushed close before calling it missing (see the docstring).
CLOSE_WAIT_SECONDS = 20
SIGNED_OUT = (Close.SIGNED_OUT, Close.SIGNED_OUT)
# (chat, inbox): the request is no longer theirs to read; the inbox must join other groups.
LOST_ACCESS = (Close.NOT_FOUND, Close.AUDIENCE_CHANGED)


def _admin_action(action: str, user_id: int, **extra) -> None:
    admin = Client()
    admin.force_login(
        User.objects.create_superuser("bulk-admin", "bulk-admin@example.com", "unused-pass-9")
    )
    response = admin.post(
        "/admin/accounts/user/",
        {"action": action, "_selected_action": [user_id], "index": 0, **extra},
    )
    assert response.status_code == 302, response.content[:500]


def _bulk_update(user_id: int) -> None:
    user = User.objects.get(pk=user_id)
    user.is_active = False
    User.objects.bulk_update([user], ["is_active"])


# name -> (whose sockets: "customer" or "manager", the change, (chat code, inbox code))
PATHS = {
    "update(is_active)": (
        "customer",
        lambda pk: User.objects.filter(pk__in=[pk]).update(is_active=False),
        SIGNED_OUT,
    ),
    "update(password)": (
        "customer",
        lambda pk: User.objects.filter(pk=pk).update(password=make_password("bulk-new-pass-1")),
        SIGNED_OUT,
    ),
    "organisation.members.update(is_active)": (
        "customer",
        lambda pk: User.objects.get(pk=pk).organisation.members.update(is_active=False),
        SIGNED_OUT,
    ),
    "bulk_update(is_active)": ("customer", _bulk_update, SIGNED_OUT),
    "update(organisation)": (
        "customer",
        lambda pk: User.objects.filter(pk=pk).update(organisation=OrganisationFactory()),
        LOST_ACCESS,
    ),
    "update(is_superuser)": (
        "superuser",
        lambda pk: User.objects.filter(pk=pk).update(is_superuser=False),
        LOST_ACCESS,
    ),
    "delete() in bulk": (
        # (A customer who opened requests cannot be deleted: the requests protect them.)
        "manager",
        lambda pk: User.objects.filter(pk__in=[pk]).delete(),
        SIGNED_OUT,
    ),
    "groups.through delete() in bulk": (
        "manager",
        lambda pk: User.groups.through.objects.filter(
            user_id=pk, group__name=MANAGER_GROUP
        ).delete(),
        LOST_ACCESS,
    ),
    "admin: deactivate": ("customer", lambda pk: _admin_action("deactivate", pk), SIGNED_OUT),
    "admin: delete selected": (
        "manager",
        lambda pk: _admin_action("delete_selected", pk, post="yes"),
        SIGNED_OUT,
    ),
}


@database_sync_to_async
def _person(kind, customer, manager):
    if kind == "superuser":
        # A superuser outside the managers' group: a manager only by that flag.
        user = UserFactory(is_superuser=True, is_staff=True)
    else:
        user = {"customer": customer, "manager": manager}[kind]
    return user.pk, session_cookie(user)


@pytest.mark.parametrize("path", PATHS)
async def test_access_taken_away_in_bulk_closes_both_sockets_at_once(
    path, service_request, customer, manager
):
    kind, change, (chat_code, inbox_code) = PATHS[path]
    user_id, cookie = await _person(kind, customer, manager)
    chat, chat_open = await connect(service_request.pk, cookie)
    inbox, inbox_open = await test_inbox_consumer.connect(cookie)
    assert chat_open and inbox_open

    await database_sync_to_async(change)(user_id)

    await asyncio.gather(
        expect_close(chat, chat_code, timeout=CLOSE_WAIT_SECONDS),
        expect_close(inbox, inbox_code, timeout=CLOSE_WAIT_SECONDS),
    )
    # A frame already on its way when the socket closed: handled (the consumer ends only
    # after it), and nothing is stored.
    await send_text(chat, "sent after the close")
    await chat.disconnect()
    await inbox.disconnect()
    stored = database_sync_to_async(Message.objects.filter(text="sent after the close").count)
    assert await stored() == 0


def test_a_bulk_change_of_other_fields_announces_nobody(
    customer, django_capture_on_commit_callbacks
):
    from tenantdesk.accounts.revocation import user_access_changed

    heard = []

    def listener(sender, user_ids, **kwargs):
        heard.extend(user_ids)

    user_access_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            User.objects.filter(pk=customer.pk).update(first_name="Anna", language="ru")
        assert callbacks == [] and heard == []
        with django_capture_on_commit_callbacks(execute=True):
            count = User.objects.filter(organisation=customer.organisation).update(is_active=False)
        assert count == 1 and heard == [customer.pk]
    finally:
        user_access_changed.disconnect(listener)
