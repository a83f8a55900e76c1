"""The browser's push subscription endpoint and the service worker script, from outside:
signed out, without CSRF, with bad input, someone else's subscription, and endpoints the
outbound guard refuses (SPEC "Outbound requests"): names are answered at the guard's seam."""

import base64
import json
import os

import pytest
from django.test import Client

from tenantdesk.notifications.models import PushSubscription
from tests.outbound_helpers import fake_dns

pytestmark = pytest.mark.django_db

URL = "/live/push-subscription"
ENDPOINT = "https://fcm.googleapis.com/fcm/send/abc"
# What the push services' names and a few others resolve to here (public ones: nothing
# connects to them at subscription time).
DNS = {
    "fcm.googleapis.com": ["142.250.74.10", "2a00:1450:4001:80b::200a"],
    "updates.push.services.mozilla.com": ["34.117.59.81"],
    "web.push.apple.com": ["17.188.182.73"],
    "wns2-par02p.notify.windows.com": ["20.199.120.85"],
    "push.example.net": ["93.184.215.14"],
    # push services' names that an attacker's DNS (or a poisoned cache) points inside
    "evil.push.apple.com": ["10.0.0.5"],
    "loop.push.apple.com": ["127.0.0.1"],
    "mapped.push.apple.com": ["::ffff:169.254.169.254"],
    "half.push.apple.com": ["17.188.182.73", "192.168.1.10"],
}


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    return fake_dns(monkeypatch, {name: list(answer) for name, answer in DNS.items()})


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
        subscription(endpoint="http://fcm.googleapis.com/plain-http"),
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


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/abc",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
        "https://web.push.apple.com/QGhQ",
        "https://wns2-par02p.notify.windows.com/w/?token=BQYAAA",
    ],
)
def test_each_push_services_endpoint_is_accepted(customer, endpoint, dns):
    response = send(client_for(customer), "post", subscription(endpoint=endpoint))
    assert response.status_code == 201
    assert PushSubscription.objects.get().endpoint == endpoint
    assert dns.asked == [endpoint.split("/")[2]]  # looked up once, as the guard does


REFUSED = {
    # the audit's example and every form of an address inside
    "https://127.0.0.1:18443/x": "address",
    "https://[::1]/x": "address",
    "https://10.0.0.1/x": "address",
    "https://192.168.1.1/x": "address",
    "https://169.254.169.254/latest/meta-data/": "address",
    "https://[::ffff:127.0.0.1]/x": "address",
    "https://[::ffff:a9fe:a9fe]/x": "address",
    "https://[2002:7f00:1::1]/x": "address",
    "https://[64:ff9b::7f00:1]/x": "address",
    "https://[fd00::1]/x": "address",
    # a push service's name that resolves inside
    "https://evil.push.apple.com/x": "address",
    "https://loop.push.apple.com/x": "address",
    "https://mapped.push.apple.com/x": "address",
    "https://half.push.apple.com/x": "address",
    # not a push service, however public
    "https://push.example.net/send/abc": "host",
    "https://fcm.googleapis.com.push.example.net/x": "host",
    # not https
    "http://fcm.googleapis.com/fcm/send/abc": "scheme",
}
MESSAGES = {
    "address": "This address does not lead to the public internet, so it cannot be used.",
    "host": "This endpoint does not belong to a known push service.",
    "scheme": "The subscription needs an https endpoint.",
}


@pytest.mark.parametrize(("endpoint", "why"), REFUSED.items())
def test_an_endpoint_the_outbound_guard_refuses_gets_400_and_nothing_is_stored(
    customer, endpoint, why
):
    response = send(client_for(customer), "post", subscription(endpoint=endpoint))
    assert response.status_code == 400
    assert response.json()["error"]["detail"] == MESSAGES[why]
    assert not PushSubscription.objects.exists()


def test_an_endpoint_that_was_accepted_is_refused_once_its_name_moves_inside(customer, dns):
    send(client_for(customer), "post", subscription())
    dns.answers["fcm.googleapis.com"] = ["127.0.0.1"]
    response = send(client_for(customer), "post", subscription())
    assert response.status_code == 400
    # The refused POST changes nothing: the row stays the one stored before.
    assert PushSubscription.objects.count() == 1


def test_the_refusal_is_in_the_persons_language(customer):
    response = send(
        client_for(customer),
        "post",
        subscription(endpoint="https://push.example.net/send/abc"),
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.status_code == 400
    assert response.json()["error"]["detail"] == (
        "Этот адрес не принадлежит ни одному известному сервису push-уведомлений."
    )


def test_with_no_push_service_hosts_no_endpoint_is_accepted(customer, settings):
    settings.PUSH_SERVICE_HOSTS = []  # for the guard an empty list would mean any host
    response = send(client_for(customer), "post", subscription())
    assert response.status_code == 400
    assert response.json()["error"]["detail"] == MESSAGES["host"]
    assert not PushSubscription.objects.exists()


def test_a_malformed_body_costs_no_lookup(customer, dns):
    send(client_for(customer), "post", subscription(auth="***"))
    assert dns.asked == []


def test_a_refused_endpoint_stored_before_can_still_be_deleted(customer, dns):
    PushSubscription.objects.create(
        user=customer, endpoint="https://127.0.0.1:18443/x", p256dh="k", auth="a"
    )
    response = send(client_for(customer), "delete", {"endpoint": "https://127.0.0.1:18443/x"})
    assert response.status_code == 204
    assert not PushSubscription.objects.exists()
    assert dns.asked == []


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
