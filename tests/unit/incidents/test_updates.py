"""An update on an incident: written once, then in every linked active chat as that
manager's message (broadcast to each, counted for unread, digested like any other), never
twice for a retry."""

import uuid

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from tenantdesk.chat.models import Message
from tenantdesk.chat.services import send
from tenantdesk.incidents.models import IncidentUpdate
from tenantdesk.incidents.services.links import incident_link_request
from tenantdesk.incidents.services.updates import incident_update_post
from tenantdesk.service_requests.models import ServiceRequest
from tests.factories import CustomerFactory
from tests.unit.chat.helpers import follow, make_service_request
from tests.unit.notifications.email_helpers import move_back, run_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(manager, incident, placed_request, neighbour_request, lift, customer):
    done = make_service_request(customer, location=lift, type="electrical")
    for sr in (placed_request, neighbour_request, done):
        incident_link_request(actor=manager, incident=incident, service_request_id=sr.pk)
    ServiceRequest.objects.filter(pk=done.pk).update(status=ServiceRequest.Status.CLOSED)
    return placed_request, neighbour_request, done


@pytest.fixture
def broadcasts(monkeypatch):
    sent = []
    real = send.after_commit

    def record(group, event):
        sent.append((group, event["type"]))
        real(group, event)

    monkeypatch.setattr(send, "after_commit", record)
    return sent


def _user_messages(sr):
    return list(Message.objects.filter(service_request=sr, kind=Message.Kind.USER))


def test_an_update_is_stored_once_and_said_in_every_active_linked_chat_by_its_manager(
    manager, incident, linked, broadcasts, django_capture_on_commit_callbacks
):
    placed, neighbours, done = linked

    with django_capture_on_commit_callbacks(execute=True):
        update = incident_update_post(
            actor=manager, incident=incident, text="  The technician arrives at 11:00.  "
        )

    assert IncidentUpdate.objects.count() == 1
    assert update.text == "The technician arrives at 11:00." and update.sent == 2
    for sr in (placed, neighbours):
        (message,) = _user_messages(sr)
        assert message.author == manager and message.by_manager
        assert message.text == "The technician arrives at 11:00."
        sr.refresh_from_db()
        assert sr.messages_from_managers == 1  # counts for the customers' unread
    assert _user_messages(done) == []  # a closed chat is read-only
    assert sorted(broadcasts) == sorted(
        [(f"request.{placed.pk}", "chat.message"), (f"request.{neighbours.pk}", "chat.message")]
    )


def test_the_same_form_sent_again_doubles_nothing_and_completes_what_was_missing(
    manager, incident, linked, lift, customer
):
    placed, neighbours, _done = linked
    key = uuid.uuid4()
    first = incident_update_post(actor=manager, incident=incident, text="Soon", client_id=key)
    # A request linked since: the resubmitted form reaches it, the others stay as they were.
    later = make_service_request(customer, location=lift)
    incident_link_request(actor=manager, incident=incident, service_request_id=later.pk)

    again = incident_update_post(actor=manager, incident=incident, text="Soon", client_id=key)

    assert again.pk == first.pk and IncidentUpdate.objects.count() == 1
    assert again.sent == 1
    for sr in (placed, neighbours, later):
        assert len(_user_messages(sr)) == 1


def test_a_follower_of_a_linked_request_gets_one_digest_for_one_update(
    manager, incident, linked, customer, django_capture_on_commit_callbacks, settings
):
    settings.NOTIFY_DELAY_SECONDS = 300
    placed, _neighbours, _done = linked
    colleague = CustomerFactory(organisation=customer.organisation)
    follow(colleague, placed)

    with django_capture_on_commit_callbacks(execute=True):
        incident_update_post(actor=manager, incident=incident, text="Fixed by noon.")
    move_back(301)
    run_worker()
    move_back(3600)
    run_worker()

    to_colleague = [m for m in mail.outbox if colleague.email in m.to]
    assert len(to_colleague) == 1
    assert "Fixed by noon." in to_colleague[0].body


@pytest.mark.parametrize(
    ("text", "code"), [("", "required"), ("   ", "required"), ("x" * 4001, "too_long")]
)
def test_a_bad_update_is_refused_and_nothing_is_stored(manager, incident, linked, text, code):
    with pytest.raises(ValidationError) as caught:
        incident_update_post(actor=manager, incident=incident, text=text)

    assert caught.value.error_dict["text"][0].code == code
    assert not IncidentUpdate.objects.exists()
    assert not Message.objects.filter(kind=Message.Kind.USER).exists()


def test_a_customer_cannot_post_an_update(customer, incident, linked):
    with pytest.raises(PermissionDenied):
        incident_update_post(actor=customer, incident=incident, text="Hello from a tenant")
    assert not IncidentUpdate.objects.exists()


def test_a_closed_incident_takes_no_updates(manager, incident, linked):
    incident.status = "closed"
    incident.save()

    with pytest.raises(ValidationError):
        incident_update_post(actor=manager, incident=incident, text="Too late")
    assert not IncidentUpdate.objects.exists()
