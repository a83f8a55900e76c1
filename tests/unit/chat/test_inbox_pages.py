"""The HTTP side of the live list: the badge's count and what pages give the script."""

import json
import re

import pytest
from django.test import Client

from tenantdesk.chat.services.send import message_send
from tenantdesk.service_requests.models import ServiceRequest
from tests.unit.chat.helpers import make_service_request

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def live_config(response) -> dict | None:
    match = re.search(
        rb'<script id="live-config" type="application/json">(.*?)</script>', response.content
    )
    return json.loads(match.group(1)) if match else None


def test_the_badge_count_is_the_persons_unread_total(customer, manager, service_request):
    for text in ("one", "two"):
        message_send(author=manager, service_request=service_request, text=text, client_id=None)
    message_send(author=customer, service_request=service_request, text="mine", client_id=None)
    assert client_for(customer).get("/live/unread").json() == {"total": 2}
    assert client_for(manager).get("/live/unread").json() == {"total": 1}


def test_another_organisations_messages_never_count(other_customer, manager, service_request):
    message_send(author=manager, service_request=service_request, text="hi", client_id=None)
    assert client_for(other_customer).get("/live/unread").json() == {"total": 0}


def test_closed_requests_leave_the_total(customer, manager, service_request):
    message_send(author=manager, service_request=service_request, text="hi", client_id=None)
    ServiceRequest.objects.filter(pk=service_request.pk).update(status="closed")
    assert client_for(customer).get("/live/unread").json() == {"total": 0}


def test_the_count_is_one_query_beyond_the_session(customer, django_assert_num_queries):
    for _ in range(3):
        make_service_request(customer)
    client = client_for(customer)
    client.get("/live/unread")  # warm: the session and user are loaded on every request
    # session, the user with their role (accounts.backends), the count.
    with django_assert_num_queries(3):
        response = client.get("/live/unread")
    assert response["Cache-Control"] == "no-store"


def test_a_signed_out_visitor_gets_401_not_a_count():
    response = Client().get("/live/unread")
    assert response.status_code == 401


def test_signed_in_pages_load_the_live_script_with_push_only_when_configured(customer, settings):
    settings.VAPID_PUBLIC_KEY = ""
    response = client_for(customer).get("/request/list")
    config = live_config(response)
    assert config["wsPath"] == "/ws/inbox/" and config["vapidPublicKey"] is None
    assert b"js/inbox.js" in response.content
    assert b'id="notify-control"' in response.content
    settings.VAPID_PUBLIC_KEY = "BPublicKeyForTests"
    assert live_config(client_for(customer).get("/request/list"))["vapidPublicKey"] == (
        "BPublicKeyForTests"
    )


def test_signed_out_pages_have_neither_the_script_nor_the_control():
    response = Client().get("/accounts/login")
    assert live_config(response) is None
    assert b"js/inbox.js" not in response.content
    assert b'id="notify-control"' not in response.content
