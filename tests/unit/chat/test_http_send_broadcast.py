"""The HTTP send broadcasts as the socket does: what one message announces (its request's
group, the managers' and the organisation's inboxes) goes out in one trip to the channel
layer, in that order, once stored (chat.broadcast.sent_together)."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from tenantdesk.chat import broadcast
from tenantdesk.chat.groups import service_request_group
from tenantdesk.chat.models import Message

# Real commits: the broadcast waits for one (a test transaction never commits).
pytestmark = pytest.mark.django_db(transaction=True)


def send_over_http(customer, service_request, text):
    client = Client()
    client.force_login(customer)
    return client.post(
        reverse("chat:messages", args=[service_request.pk]),
        {"text": text, "client_id": str(uuid.uuid4())},
        HTTP_ACCEPT="application/json",
    )


def test_one_message_sent_over_http_is_one_trip_to_the_layer(
    customer, service_request, monkeypatch
):
    trips = []
    real = broadcast.send_collected

    async def counting(outbox):
        trips.append([group for group, _event in outbox])
        await real(outbox)

    monkeypatch.setattr(broadcast, "send_collected", counting)
    response = send_over_http(customer, service_request, "Hello")

    assert response.status_code == 201
    assert Message.objects.filter(service_request=service_request, text="Hello").count() == 1
    assert len(trips) == 1
    groups = trips[0]
    assert groups[0] == service_request_group(service_request.pk)
    assert len(groups) == 3  # and the two inboxes


def test_a_refused_send_broadcasts_nothing(customer, service_request, monkeypatch):
    trips = []
    monkeypatch.setattr(broadcast, "send_collected", lambda outbox: trips.append(outbox))
    response = send_over_http(customer, service_request, "")

    assert response.status_code == 400
    assert trips == []
    assert not Message.objects.filter(service_request=service_request).exists()
