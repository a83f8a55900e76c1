"""Who is told on the manager side (notifications.recipients): the request's assignee when
they can be told, else every manager (NOTIFY_MANAGER_EMAILS narrows the team). The same
rule for digests, new-request e-mails and Web Push."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from tenantdesk.accounts.roles import MANAGER_GROUP
from tenantdesk.chat.services.send import message_send
from tenantdesk.notifications import push
from tenantdesk.notifications.models import EmailPreferences, PushSubscription, Side
from tenantdesk.notifications.recipients import (
    MISSED_MESSAGES,
    STATUS_CHANGES,
    manager_push_recipients,
    manager_recipients,
    side_recipients,
)
from tenantdesk.notifications.tasks import notify_new_request, send_digests
from tenantdesk.service_requests.models import ServiceRequest
from tests.factories import CustomerFactory, ManagerFactory
from tests.unit.notifications.email_helpers import move_back, run_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(manager):
    """Three managers: `manager`, Anna (the assignee in most tests) and Boris."""
    return {"manager": manager, "anna": ManagerFactory(), "boris": ManagerFactory()}


def _assign(service_request, user):
    ServiceRequest.objects.filter(pk=service_request.pk).update(assignee=user)
    service_request.refresh_from_db()
    return service_request


def _told(service_request, preference=STATUS_CHANGES):
    return list(manager_recipients(service_request, preference=preference))


def test_without_an_assignee_every_manager_with_an_address_is_told(service_request, team, customer):
    ManagerFactory(email="")  # no address
    ManagerFactory(is_active=False)
    assert _told(service_request) == [team["manager"], team["anna"], team["boris"]]
    assert customer not in _told(service_request)


def test_an_assignee_alone_is_told(service_request, team):
    _assign(service_request, team["anna"])
    assert _told(service_request) == [team["anna"]]
    assert list(
        side_recipients(service_request, side=Side.MANAGER, preference=MISSED_MESSAGES)
    ) == [team["anna"]]


def test_an_inactive_assignee_hands_it_back_to_every_manager(service_request, team):
    _assign(service_request, team["anna"])
    team["anna"].is_active = False
    team["anna"].save()
    assert _told(service_request) == [team["manager"], team["boris"]]


def test_an_assignee_who_turned_the_kind_off_hands_it_back_to_the_others(service_request, team):
    # Nothing about the request is lost: the team hears of it, the assignee does not.
    _assign(service_request, team["anna"])
    EmailPreferences.objects.create(user=team["anna"], status_changes=False)
    assert _told(service_request) == [team["manager"], team["boris"]]
    # Another kind they still want: they alone.
    assert _told(service_request, MISSED_MESSAGES) == [team["anna"]]


def test_an_assignee_without_an_address_or_out_of_the_group_is_not_the_one(service_request, team):
    _assign(service_request, team["anna"])
    team["anna"].groups.remove(Group.objects.get(name=MANAGER_GROUP))
    assert _told(service_request) == [team["manager"], team["boris"]]
    _assign(service_request, team["boris"])
    team["boris"].email = ""
    team["boris"].save()
    assert _told(service_request) == [team["manager"]]


def test_a_customer_set_as_assignee_is_never_told_as_a_manager(service_request, team, customer):
    # The assignment service allows managers only; whatever a row says, a customer is
    # not the manager side.
    _assign(service_request, customer)
    assert _told(service_request) == [team["manager"], team["anna"], team["boris"]]


def test_notify_manager_emails_narrows_the_team_not_the_assignee(service_request, team, settings):
    settings.NOTIFY_MANAGER_EMAILS = [team["boris"].email.upper(), "nobody@example.com"]
    assert _told(service_request) == [team["boris"]]
    _assign(service_request, team["anna"])
    assert _told(service_request) == [team["anna"]]
    team["anna"].is_active = False
    team["anna"].save()
    assert _told(service_request) == [team["boris"]]


# --- the e-mails and pushes that use it ---------------------------------------------------


def test_a_customers_message_on_an_assigned_request_is_a_digest_for_the_assignee_alone(
    service_request, team, customer, django_capture_on_commit_callbacks
):
    _assign(service_request, team["anna"])
    with django_capture_on_commit_callbacks(execute=True):
        message_send(author=customer, service_request=service_request, text="Still dripping")
    move_back(301)
    send_digests.call(service_request.pk, Side.MANAGER)
    run_worker()
    assert [m.to for m in mail.outbox] == [[team["anna"].email]]


def test_a_new_request_goes_to_every_manager(service_request, team):
    # A request has no assignee when it is created.
    assert service_request.assignee_id is None
    notify_new_request.call(service_request.pk)
    run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in team.values())


def _subscribe(user, name):
    return PushSubscription.objects.create(
        user=user, endpoint=f"https://push.example.com/{name}", p256dh="key", auth="auth"
    )


def test_web_push_follows_the_same_rule(service_request, team, customer):
    subscriptions = {name: _subscribe(user, name) for name, user in team.items()}
    _subscribe(customer, "customer")
    _subscribe(CustomerFactory(), "stranger")
    message = message_send(author=customer, service_request=service_request, text="Hello")
    everyone = sorted(s.pk for s in subscriptions.values())
    assert sorted(s.pk for s in push._subscriptions_for(message)) == everyone

    _assign(service_request, team["anna"])
    message.service_request.refresh_from_db()
    assert [s.pk for s in push._subscriptions_for(message)] == [subscriptions["anna"].pk]
    # A push needs no address and no e-mail preference: the subscription is the opt-in.
    EmailPreferences.objects.create(user=team["anna"], missed_messages=False)
    assert list(manager_push_recipients(service_request)) == [team["anna"]]
    team["anna"].is_active = False
    team["anna"].save()
    assert sorted(s.pk for s in push._subscriptions_for(message)) == sorted(
        [subscriptions["manager"].pk, subscriptions["boris"].pk]
    )
