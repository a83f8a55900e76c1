"""The browser's push subscription endpoint and the service worker script, from outside:
signed out, without CSRF, with bad input, and someone else's subscription."""

import base64
import json
import os

import pytest
from django.test import Client

from tenantdesk.notifications.models import PushSubscription

pytestmark = pytest.mark.django_db

URL = "/live/push-subscription"
ENDPOINT = "https://push.example.net/send/abc"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def subscription(endpoint=ENDPOINT, p256dh=None, auth=None) -> dict:
    return {
        "endpoint": endpoint,
        "keys": {
            "p256dh": p256dh or b64url(b"\x04" + os.urandom(64)),
            "auth": auth or b64url(os.urandom(16)),
        },
    }


def client_for(user, csrf=False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def send(client, method, body, **extra):
    data = body if isinstance(body, str) else json.dumps(body)
    return getattr(client, method)(URL, data, content_type="application/json", **extra)


def test_a_signed_in_person_subscribes_this_browser(customer):
    response = send(client_for(customer), "post", subscription())
    assert response.status_code == 201
    stored = PushSubscription.objects.get()
    assert stored.user == customer and stored.endpoint == ENDPOINT
    # Again (every new tab session does it): the same row, 200.
    assert send(client_for(customer), "post", subscription()).status_code == 200
    assert PushSubscription.objects.count() == 1


def test_a_browser_belongs_to_whoever_signed_in_on_it_last(customer, manager):
    send(client_for(customer), "post", subscription())
    assert send(client_for(manager), "post", subscription()).status_code == 200
    assert PushSubscription.objects.get().user == manager


def test_a_signed_out_visitor_gets_401_and_nothing_is_stored():
    response = send(Client(), "post", subscription())
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "signed_out"
    assert not PushSubscription.objects.exists()


def test_without_the_csrf_token_it_is_refused(customer):
    response = send(client_for(customer, csrf=True), "post", subscription())
    assert response.status_code == 403
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        [1, 2],
        subscription(endpoint="http://push.example.net/plain-http"),
        subscription(endpoint="javascript:alert(1)"),
        subscription(endpoint="https://" + "a" * 1000 + ".example"),
        subscription(p256dh=b64url(b"\x04" + os.urandom(10))),  # too short
        subscription(p256dh=b64url(b"\x02" + os.urandom(64))),  # not an uncompressed point
        subscription(auth="***"),
        {"endpoint": ENDPOINT},  # no keys
    ],
)
def test_bad_input_gets_400_and_stores_nothing(customer, body):
    response = send(client_for(customer), "post", body)
    assert response.status_code == 400
    assert response.json()["error"]["detail"]
    assert not PushSubscription.objects.exists()


def test_delete_removes_ones_own_subscription_only(customer, other_customer):
    send(client_for(customer), "post", subscription())
    # Someone else naming it changes nothing (and learns nothing: the same 204).
    assert send(client_for(other_customer), "delete", {"endpoint": ENDPOINT}).status_code == 204
    assert PushSubscription.objects.filter(user=customer).exists()
    assert send(client_for(customer), "delete", {"endpoint": ENDPOINT}).status_code == 204
    assert not PushSubscription.objects.exists()


def test_get_is_not_allowed(customer):
    response = client_for(customer).get(URL)
    assert response.status_code == 405


def test_the_service_worker_may_control_the_whole_site():
    response = Client().get("/live/service-worker.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "Content-Security-Policy" in response
    assert b'addEventListener("push"' in response.content
