"""An address is confirmed by a link before the service sends anything else to it (SPEC
"Organisations and people"): registration sends the link; until it is opened, no digest,
closing or new-request e-mail goes there; the profile sends it again; an invitation's link
confirms the address it reached."""

import re

import pytest
from django.core import mail
from django.test import Client

from tenantdesk.accounts.models import User
from tenantdesk.chat.services.send import message_send
from tenantdesk.notifications.models import Side
from tenantdesk.notifications.recipients import MISSED_MESSAGES, side_recipients
from tests.factories import CustomerFactory, ManagerFactory
from tests.unit.chat.helpers import make_service_request
from tests.unit.notifications.email_helpers import run_worker

pytestmark = pytest.mark.django_db

PASSWORD = "tall-Giraffe-eats-7-leaves"
LINK = re.compile(r"https://desk\.example\.com(/accounts/profile/email/confirm/\S+)")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://desk.example.com"


def register(client):
    return client.post(
        "/accounts/register",
        {
            "name": "Olga Smirnova",
            "username": "olga",
            "email": "olga@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "organisation_name": "Rainbow Ltd",
            "organisation_address": "5 Lenina Street",
            "organisation_phone": "+79090951670",
        },
    )


def link_in_outbox(to):
    run_worker()
    (message,) = [m for m in mail.outbox if m.to == [to]]
    return LINK.search(message.body).group(1), message


def test_registering_sends_the_link_and_opening_it_confirms(client):
    assert register(client).status_code == 302
    olga = User.objects.get(username="olga")
    assert olga.email_confirmed_at is None
    path, message = link_in_outbox("olga@example.com")
    assert "Confirm your e-mail address" in message.subject
    # Until then nothing else reaches the address: not even a digest of a request she follows.
    service_request = make_service_request(olga)
    assert (
        list(side_recipients(service_request, side=Side.CUSTOMER, preference=MISSED_MESSAGES)) == []
    )
    profile = client.get("/accounts/profile").content.decode()
    assert 'data-testid="email-unconfirmed"' in profile

    response = client.get(path, follow=True)
    assert "Your e-mail address olga@example.com is confirmed." in response.content.decode()
    olga.refresh_from_db()
    assert olga.email_confirmed_at is not None and olga.email == "olga@example.com"
    assert list(
        side_recipients(service_request, side=Side.CUSTOMER, preference=MISSED_MESSAGES)
    ) == [olga]


def test_an_unconfirmed_address_gets_no_digest(settings, django_capture_on_commit_callbacks):
    settings.NOTIFY_DELAY_SECONDS = 0
    customer = CustomerFactory(email_confirmed_at=None)
    service_request = make_service_request(customer)
    with django_capture_on_commit_callbacks(execute=True):
        message_send(author=ManagerFactory(), service_request=service_request, text="Hello")
    run_worker()
    assert [m for m in mail.outbox if m.to == [customer.email]] == []


def test_the_profile_sends_the_link_again_within_the_limits(settings):
    customer = CustomerFactory(email_confirmed_at=None)
    client = Client()
    client.force_login(customer)
    response = client.post("/accounts/profile/email/confirm-again")
    assert response.status_code == 302
    path, _message = link_in_outbox(customer.email)
    for _ in range(5):
        last = client.post("/accounts/profile/email/confirm-again")
    # The hourly limit of confirmation e-mails per address holds here too.
    assert last.status_code == 429
    client.get(path)
    customer.refresh_from_db()
    assert customer.email_confirmed_at is not None


def test_a_link_of_another_person_confirms_nothing():
    olga = CustomerFactory(email_confirmed_at=None)
    ivan = CustomerFactory(email_confirmed_at=None)
    client = Client()
    client.force_login(olga)
    client.post("/accounts/profile/email/confirm-again")
    path, _message = link_in_outbox(olga.email)
    intruder = Client()
    intruder.force_login(ivan)
    assert intruder.get(path).status_code == 400
    olga.refresh_from_db()
    ivan.refresh_from_db()
    assert olga.email_confirmed_at is None and ivan.email_confirmed_at is None
