"""Web Push sending (notifications/push.py), with the push service replaced at the HTTP
boundary: requests' transport adapter, or, for the outbound guard's part (SPEC "Outbound
requests"), an HTTPS server on this machine that the guard reaches only where the test's
DNS answer and OUTBOUND_ALLOW let it. Nothing leaves this machine; what a push service
would receive is captured, decrypted with the browser's keys made here, and checked."""

from __future__ import annotations

import base64
import json
import os

import http_ece
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client, override_settings
from django_tasks import default_task_backend
from py_vapid import Vapid02

from tenantdesk.accounts.roles import MANAGER_GROUP
from tenantdesk.chat.models import Message, ReadCursor
from tenantdesk.chat.services.send import message_send
from tenantdesk.chat.services.system_messages import request_event_message_post
from tenantdesk.notifications import push
from tenantdesk.notifications.management.commands.vapid_keys import vapid_key_pair
from tenantdesk.notifications.models import PushSubscription
from tenantdesk.service_requests.models import ServiceRequest
from tests.factories import CustomerFactory, ManagerFactory
from tests.outbound_helpers import (
    Answer,
    connections_before_mine,
    fake_dns,
    https_server,
    listener,
    make_certificates,
)
from tests.unit.chat.helpers import follow, make_service_request, status_change

pytestmark = pytest.mark.django_db


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Browser:
    """A browser's push keys (PushManager.subscribe makes these), to decrypt what it gets."""

    def __init__(self, name: str):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.endpoint = f"https://fcm.googleapis.com/fcm/send/{name}"

    def subscribe(self, user) -> PushSubscription:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return PushSubscription.objects.create(
            user=user, endpoint=self.endpoint, p256dh=b64url(public), auth=b64url(self.auth)
        )

    def decrypt(self, body: bytes) -> dict:
        return json.loads(http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth))


class PushService(requests.adapters.BaseAdapter):
    """Answers every POST with `status` (or status_for[endpoint]) and keeps the requests."""

    def __init__(self, status=201, status_for=None):
        super().__init__()
        self.status, self.status_for, self.requests = status, status_for or {}, []

    def send(self, request, **kwargs):
        self.requests.append(request)
        response = requests.Response()
        response.status_code = self.status_for.get(request.url, self.status)
        response.reason, response.url, response.request = "test", request.url, request
        response._content = b""
        return response

    def close(self):
        pass

    def endpoints(self) -> list[str]:
        return [r.url for r in self.requests]


@pytest.fixture
def vapid(settings):
    public, private = vapid_key_pair()
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = public, private
    settings.VAPID_SUBJECT = "mailto:desk@example.com"
    return public


@pytest.fixture
def push_service(monkeypatch):
    service = PushService()

    def session():
        http = requests.Session()
        http.mount("https://", service)
        http.mount("http://", service)
        return http

    monkeypatch.setattr(push, "http_session", session)
    return service


@pytest.fixture
def people(db):
    Group.objects.get_or_create(name=MANAGER_GROUP)
    manager, other_manager = ManagerFactory(), ManagerFactory()
    customer = CustomerFactory()
    colleague = CustomerFactory(organisation=customer.organisation)
    # A member of the organisation who does not follow the request (issue 21).
    bystander = CustomerFactory(organisation=customer.organisation)
    stranger = CustomerFactory()
    service_request = make_service_request(customer, title="Leaking pipe")
    follow(colleague, service_request)
    return {
        "manager": manager,
        "other_manager": other_manager,
        "customer": customer,
        "colleague": colleague,
        "bystander": bystander,
        "stranger": stranger,
        "request": service_request,
    }


def post(author, service_request, text="We come at noon.\nBring the key.") -> Message:
    return message_send(author=author, service_request=service_request, text=text, client_id=None)


def test_the_push_is_encrypted_for_the_stored_keys_and_signed_with_vapid(
    people, vapid, push_service
):
    browser = Browser("customer")
    browser.subscribe(people["customer"])
    message = post(people["manager"], people["request"])

    assert push.push_message.call(message_id=message.pk) == 1

    (request,) = push_service.requests
    assert request.method == "POST" and request.url == browser.endpoint
    assert request.headers["Content-Encoding"] == "aes128gcm"
    assert request.headers["TTL"] == str(push.TTL_SECONDS)
    # The body is not the payload in clear; the browser's private key opens it.
    assert b"noon" not in request.body
    assert browser.decrypt(request.body) == {
        "title": f"#{people['request'].pk} Leaking pipe",
        "body": "We come at noon.",
        "url": f"/request/{people['request'].pk}",
        "tag": f"td-request-{people['request'].pk}",
        "message_id": message.pk,
    }
    # Signed with our VAPID key, for the push service's origin (RFC 8292).
    authorization = request.headers["Authorization"]
    assert Vapid02.verify(authorization)
    assert authorization.endswith(f"k={vapid}")


def test_a_managers_message_goes_to_the_followers_not_to_managers_bystanders_or_strangers(
    people, vapid, push_service
):
    browsers = {name: Browser(name) for name in people if name != "request"}
    for name, browser in browsers.items():
        browser.subscribe(people[name])
    message = post(people["manager"], people["request"])

    assert push.push_message.call(message_id=message.pk) == 2
    assert sorted(push_service.endpoints()) == sorted(
        [browsers["customer"].endpoint, browsers["colleague"].endpoint]
    )


def test_a_customers_message_goes_to_every_manager_not_to_colleagues(people, vapid, push_service):
    browsers = {name: Browser(name) for name in people if name != "request"}
    for name, browser in browsers.items():
        browser.subscribe(people[name])
    message = post(people["customer"], people["request"])

    push.push_message.call(message_id=message.pk)
    assert sorted(push_service.endpoints()) == sorted(
        [browsers["manager"].endpoint, browsers["other_manager"].endpoint]
    )


def test_someone_who_read_it_meanwhile_gets_no_push(people, vapid, push_service):
    Browser("customer").subscribe(people["customer"])
    message = post(people["manager"], people["request"])
    ReadCursor.objects.create(
        user=people["customer"], service_request=people["request"], last_read_id=message.pk
    )
    assert push.push_message.call(message_id=message.pk) == 0
    assert push_service.requests == []


def test_an_inactive_person_gets_no_push(people, vapid, push_service):
    Browser("customer").subscribe(people["customer"])
    people["customer"].is_active = False
    people["customer"].save()
    message = post(people["manager"], people["request"])
    assert push.push_message.call(message_id=message.pk) == 0


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_forgot_is_deleted(people, vapid, push_service, status):
    gone, kept = Browser("gone"), Browser("kept")
    gone.subscribe(people["customer"])
    kept.subscribe(people["colleague"])
    push_service.status_for = {gone.endpoint: status}
    message = post(people["manager"], people["request"])

    assert push.push_message.call(message_id=message.pk) == 1
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [kept.endpoint]


def test_a_failing_push_service_keeps_the_subscription(people, vapid, push_service):
    Browser("customer").subscribe(people["customer"])
    push_service.status = 500
    message = post(people["manager"], people["request"])
    assert push.push_message.call(message_id=message.pk) == 0
    assert PushSubscription.objects.count() == 1


def test_an_attachment_without_text_is_named_in_the_persons_language(people, vapid, push_service):
    browser = Browser("customer")
    browser.subscribe(people["customer"])
    people["customer"].language = "ru"
    people["customer"].save()
    message = post(people["manager"], people["request"])
    Message.objects.filter(pk=message.pk).update(text="")  # as a photo sent alone is stored
    push.push_message.call(message_id=message.pk)
    assert browser.decrypt(push_service.requests[0].body)["body"] == "Отправлено вложение"


def test_without_vapid_keys_nothing_is_sent(people, push_service, settings):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    Browser("customer").subscribe(people["customer"])
    message = post(people["manager"], people["request"])
    assert push.push_message.call(message_id=message.pk) == 0
    assert push_service.requests == []


# --- the outbound guard at send time ------------------------------------------------------------


def test_an_endpoint_refused_without_a_lookup_is_deleted_and_never_sent_to(
    people, vapid, push_service, records
):
    # Stored before the guard existed (the audit's endpoint), or since PUSH_SERVICE_HOSTS
    # shrank: no DNS answer can make it acceptable.
    good = Browser("customer")
    good.subscribe(people["customer"])
    for endpoint in ["https://127.0.0.1:18443/x", "https://push.example.net/send/1"]:
        PushSubscription.objects.create(
            user=people["colleague"], endpoint=endpoint, p256dh="k", auth="a"
        )
    message = post(people["manager"], people["request"])

    assert push.push_message.call(message_id=message.pk) == 1
    assert push_service.endpoints() == [good.endpoint]
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [good.endpoint]
    refusals = [r.getMessage() for r in records.records if "refused" in r.getMessage()]
    assert len(refusals) == 2 and all("deleted" in line for line in refusals)


@pytest.fixture
def certificates(tmp_path):
    return make_certificates(tmp_path, ["fcm.googleapis.com"])


@pytest.fixture
def trusting_test_ca(monkeypatch, certificates):
    """The real guarded session of push.py, trusting the test's CA instead of the system's."""
    real = push.http_session

    def session():
        http = real()
        http.verify = str(certificates.ca_file)
        return http

    monkeypatch.setattr(push, "http_session", session)


def test_a_push_goes_through_the_guard_to_the_push_service(
    people, vapid, settings, monkeypatch, certificates, trusting_test_ca
):
    # 127.0.0.1 stands in for the push service's public address: allowed for this test only.
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    dns = fake_dns(monkeypatch, {"fcm.googleapis.com": ["127.0.0.1"]})
    with https_server(certificates) as service:
        browser = Browser("customer")
        browser.endpoint = f"https://fcm.googleapis.com:{service.port}/fcm/send/customer"
        browser.subscribe(people["customer"])
        message = post(people["manager"], people["request"])

        assert push.push_message.call(message_id=message.pk) == 1
    (seen,) = service.seen
    assert (seen.method, seen.path) == ("POST", "/fcm/send/customer")
    assert seen.host == f"fcm.googleapis.com:{service.port}"
    assert service.server_names == ["fcm.googleapis.com"]
    assert browser.decrypt(seen.body)["message_id"] == message.pk
    assert dns.asked == ["fcm.googleapis.com"]


def test_a_push_services_name_that_resolves_to_loopback_is_refused_before_connecting(
    people, vapid, monkeypatch, records, trusting_test_ca
):
    with listener() as inside:
        port = inside.getsockname()[1]
        fake_dns(monkeypatch, {"fcm.googleapis.com": ["127.0.0.1"]})
        browser = Browser("customer")
        browser.endpoint = f"https://fcm.googleapis.com:{port}/fcm/send/customer"
        browser.subscribe(people["customer"])
        message = post(people["manager"], people["request"])

        assert push.push_message.call(message_id=message.pk) == 0
        assert connections_before_mine(inside) == 0
    # Logged, and kept: a name's answer can be passing (push.py's docstring).
    assert PushSubscription.objects.count() == 1
    assert any("refused (address" in r.getMessage() for r in records.records)


def test_dns_rebinding_between_subscribing_and_sending_gets_nowhere(
    people, vapid, monkeypatch, trusting_test_ca
):
    # Public when the browser subscribes (checked, stored), 127.0.0.1 when the push is sent.
    with listener() as inside:
        port = inside.getsockname()[1]
        endpoint = f"https://fcm.googleapis.com:{port}/fcm/send/customer"
        dns = fake_dns(monkeypatch, {"fcm.googleapis.com": [["142.250.74.10"], ["127.0.0.1"]]})
        client = Client()
        client.force_login(people["customer"])
        browser = Browser("customer")
        public = browser.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        body = {
            "endpoint": endpoint,
            "keys": {"p256dh": b64url(public), "auth": b64url(browser.auth)},
        }
        response = client.post(
            "/live/push-subscription", json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 201
        message = post(people["manager"], people["request"])

        assert push.push_message.call(message_id=message.pk) == 0
        assert dns.asked == ["fcm.googleapis.com", "fcm.googleapis.com"]
        assert connections_before_mine(inside) == 0


def test_a_push_service_that_redirects_is_not_followed(
    people, vapid, settings, monkeypatch, certificates, trusting_test_ca
):
    settings.OUTBOUND_ALLOW = ["127.0.0.1"]
    fake_dns(monkeypatch, {"fcm.googleapis.com": ["127.0.0.1"]})
    with listener() as elsewhere:
        target = f"https://fcm.googleapis.com:{elsewhere.getsockname()[1]}/steal"
        answer = Answer(status=307, headers={"Location": target})
        with https_server(certificates, answer=answer) as service:
            browser = Browser("customer")
            browser.endpoint = f"https://fcm.googleapis.com:{service.port}/fcm/send/customer"
            browser.subscribe(people["customer"])
            message = post(people["manager"], people["request"])

            assert push.push_message.call(message_id=message.pk) == 0
        assert [s.path for s in service.seen] == ["/fcm/send/customer"]
        assert connections_before_mine(elsewhere) == 0
    assert PushSubscription.objects.count() == 1


# --- when the job is enqueued ----------------------------------------------------------------

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def queue():
    with override_settings(TASKS=DUMMY_TASKS):
        default_task_backend.clear()
        yield default_task_backend
        default_task_backend.clear()


def enqueued(queue) -> list[dict]:
    return [r.kwargs for r in queue.results if r.task.name == "push_message"]


def test_a_message_enqueues_its_push_once_committed(
    people, vapid, queue, django_capture_on_commit_callbacks
):
    Browser("customer").subscribe(people["customer"])
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = post(people["manager"], people["request"])
        assert enqueued(queue) == []  # not inside the transaction
    assert enqueued(queue) == [{"message_id": message.pk}]


def test_a_rolled_back_message_enqueues_nothing(
    people, vapid, queue, django_capture_on_commit_callbacks
):
    Browser("customer").subscribe(people["customer"])
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        post(people["manager"], people["request"])
        raise RuntimeError("rolled back")
    assert enqueued(queue) == []


def test_nothing_is_enqueued_without_keys_subscriptions_or_for_system_messages(
    people, vapid, queue, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post(people["manager"], people["request"])  # nobody subscribed
    Browser("customer").subscribe(people["customer"])
    with django_capture_on_commit_callbacks(execute=True):
        change = status_change(people["request"], people["manager"], ServiceRequest.Status.CLOSED)
        request_event_message_post(event=change)
    settings.VAPID_PRIVATE_KEY = ""
    with django_capture_on_commit_callbacks(execute=True):
        post(people["manager"], make_service_request(people["customer"]))
    assert enqueued(queue) == []
