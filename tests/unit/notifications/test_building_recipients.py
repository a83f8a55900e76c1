"""The manager side and buildings (issue 22): a new request, and later anything about an
unassigned one, goes to the managers of its building; to every manager (narrowed by
NOTIFY_MANAGER_EMAILS) when it has no location or its building has no managers who can be
told. An assignee still comes first."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from tenantdesk.accounts.roles import MANAGER_GROUP
from tenantdesk.chat.services.send import message_send
from tenantdesk.notifications import push
from tenantdesk.notifications.models import EmailPreferences, PushSubscription, Side
from tenantdesk.notifications.recipients import (
    MISSED_MESSAGES,
    NEW_REQUESTS,
    manager_recipients,
)
from tenantdesk.notifications.tasks import notify_new_request, send_digests
from tenantdesk.service_requests.models import ServiceRequest
from tests.factories import BuildingFactory, ManagerFactory, PremisesFactory
from tests.unit.notifications.email_helpers import move_back, run_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(manager):
    """`manager` and Boris look after Riverside Tower; Anna after nothing."""
    boris, anna = ManagerFactory(), ManagerFactory()
    riverside = BuildingFactory(name="Riverside Tower")
    riverside.managers.add(manager, boris)
    return {
        "manager": manager,
        "boris": boris,
        "anna": anna,
        "riverside": riverside,
        "office": PremisesFactory(building=riverside, unit="204"),
        "empty": PremisesFactory(building=BuildingFactory(name="Park House"), unit="1"),
    }


def _set(service_request, **fields):
    ServiceRequest.objects.filter(pk=service_request.pk).update(**fields)
    service_request.refresh_from_db()
    return service_request


def _told(service_request, preference=NEW_REQUESTS):
    return list(manager_recipients(service_request, preference=preference))


def _new_request_mail(service_request) -> list[str]:
    mail.outbox.clear()
    notify_new_request.call(service_request.pk)
    run_worker()
    return sorted(m.to[0] for m in mail.outbox)


def test_a_new_request_goes_to_its_buildings_managers(service_request, team):
    _set(service_request, location=team["office"])
    assert _told(service_request) == [team["manager"], team["boris"]]
    assert _new_request_mail(service_request) == sorted(
        [team["manager"].email, team["boris"].email]
    )


def test_without_a_location_or_managers_of_the_building_every_manager_is_told(
    service_request, team
):
    everyone = [team["manager"], team["boris"], team["anna"]]
    assert service_request.location_id is None
    assert _new_request_mail(service_request) == sorted(u.email for u in everyone)
    # (One new-request e-mail per person and request: the rule is asked directly now.)
    _set(service_request, location=team["empty"])
    assert _told(service_request) == everyone


def test_notify_manager_emails_narrows_the_team_not_the_buildings_managers(
    service_request, team, settings
):
    settings.NOTIFY_MANAGER_EMAILS = [team["anna"].email]
    assert _told(service_request) == [team["anna"]]
    _set(service_request, location=team["office"])
    assert _told(service_request) == [team["manager"], team["boris"]]


def test_managers_of_the_building_who_cannot_be_told_hand_it_to_the_team(service_request, team):
    _set(service_request, location=team["office"])
    EmailPreferences.objects.create(user=team["boris"], new_requests=False)
    assert _told(service_request) == [team["manager"]]
    # Out of the managers' group: no longer the building's manager for e-mails.
    team["manager"].groups.remove(Group.objects.get(name=MANAGER_GROUP))
    # Nobody of the building left who wants it: the team, so nothing is lost.
    assert _told(service_request) == [team["anna"]]


def test_an_assignee_still_comes_first(service_request, team):
    _set(service_request, location=team["office"], assignee=team["anna"])
    assert _told(service_request, MISSED_MESSAGES) == [team["anna"]]
    team["anna"].is_active = False
    team["anna"].save()
    # An assignee who left: back to the building's managers.
    assert _told(service_request, MISSED_MESSAGES) == [team["manager"], team["boris"]]


def test_a_digest_of_an_unassigned_request_goes_to_its_buildings_managers(
    service_request, team, customer, django_capture_on_commit_callbacks
):
    _set(service_request, location=team["office"])
    with django_capture_on_commit_callbacks(execute=True):
        message_send(author=customer, service_request=service_request, text="Still dripping")
    move_back(301)
    mail.outbox.clear()
    send_digests.call(service_request.pk, Side.MANAGER)
    run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [team["manager"].email, team["boris"].email]
    )


def test_web_push_follows_the_building_rule(service_request, team, customer):
    _set(service_request, location=team["office"])
    subscriptions = {
        name: PushSubscription.objects.create(
            user=team[name], endpoint=f"https://push.example.com/{name}", p256dh="k", auth="a"
        )
        for name in ("manager", "boris", "anna")
    }
    message = message_send(author=customer, service_request=service_request, text="Hello")
    assert sorted(s.pk for s in push._subscriptions_for(message)) == sorted(
        [subscriptions["manager"].pk, subscriptions["boris"].pk]
    )


def test_the_new_request_email_says_where_it_is(service_request, team):
    lobby = PremisesFactory(building=team["riverside"], unit="Lobby", kind="common_area")
    _set(service_request, location=lobby, office="near the lifts")
    _new_request_mail(service_request)
    message = mail.outbox[0]
    place = "Riverside Tower · Common area: Lobby (near the lifts)"
    assert f"Place: {place}" in message.body
    assert place in message.alternatives[0][0]
    # A request not placed yet shows its office note alone.
    _set(service_request, location=None, office="12B")
    _new_request_mail(service_request)
    assert "Place: 12B" in mail.outbox[0].body
