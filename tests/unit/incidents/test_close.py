"""Closing an incident closes its active requests through the lifecycle's own step, each
with its system message, e-mail and rating prompt; a request already closed stays as it
is, and the incident closes once."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from tenantdesk.chat.models import Message
from tenantdesk.chat.serializers import system_text
from tenantdesk.incidents.models import Incident
from tenantdesk.incidents.services.close import incident_close
from tenantdesk.incidents.services.links import incident_link_request
from tenantdesk.service_requests.models import RequestEvent, ServiceRequest
from tenantdesk.service_requests.services.closure import closure_options
from tenantdesk.service_requests.services.status import service_request_close
from tests.unit.notifications.email_helpers import jobs

pytestmark = pytest.mark.django_db
Status = ServiceRequest.Status


@pytest.fixture
def linked(manager, incident, placed_request, neighbour_request):
    for sr in (placed_request, neighbour_request):
        incident_link_request(actor=manager, incident=incident, service_request_id=sr.pk)
    return placed_request, neighbour_request


def test_closing_an_incident_closes_each_linked_request_through_the_lifecycle(
    manager, incident, linked, customer
):
    closed = incident_close(actor=manager, incident=incident)

    assert closed == 2
    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED
    assert incident.closed_by == manager and incident.closed_at is not None
    for sr in linked:
        sr.refresh_from_db()
        assert sr.status == Status.CLOSED and sr.closed_at is not None
        (step,) = RequestEvent.objects.filter(service_request=sr, kind="status")
        assert step.payload.action == "incident_close"
        assert step.payload.reason == "Lift out of order"
        line = Message.objects.filter(service_request=sr, kind=Message.Kind.SYSTEM).last()
        assert (
            line.text
            == "Closed with incident “Lift out of order” by " + (manager.display_name) + "."
        )
        with translation.override("ru"):
            assert "Lift out of order" in system_text(line.event, line.text)
    # The e-mail every closed request sends, and the customer's rating prompt.
    assert jobs("notify_request_closed").count() == 2
    assert closure_options(user=customer, service_request=linked[0], rated=False).rate


def test_closing_an_incident_with_a_request_already_closed(manager, incident, linked):
    placed, neighbours = linked
    service_request_close(actor=manager, service_request=placed)

    assert incident_close(actor=manager, incident=incident) == 1

    steps = RequestEvent.objects.filter(service_request=placed, kind="status")
    assert [s.payload.action for s in steps] == ["close"]  # left as it was: no second close
    neighbours.refresh_from_db()
    assert neighbours.status == Status.CLOSED


def test_closing_twice_is_refused(manager, incident, linked):
    incident_close(actor=manager, incident=incident)

    with pytest.raises(ValidationError) as caught:
        incident_close(actor=manager, incident=incident)

    assert caught.value.code == "already_closed"
    assert RequestEvent.objects.filter(kind="status").count() == 2


def test_a_customer_cannot_close_an_incident(customer, incident, linked):
    with pytest.raises(PermissionDenied):
        incident_close(actor=customer, incident=incident)
    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN
    assert not RequestEvent.objects.filter(kind="status").exists()


def test_the_incident_close_is_not_offered_on_a_request_page(manager, placed_request):
    from tenantdesk.service_requests import lifecycle

    actions = [t.action for t in lifecycle.manager_actions(placed_request)]
    assert "incident_close" not in actions and "close" in actions
