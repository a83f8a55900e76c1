"""Linking requests to an incident: only active requests of the incident's building, one
incident per request, each link and unlink one event of the request's history with its
line in the chat (English and Russian)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from tenantdesk.chat.models import Message
from tenantdesk.chat.serializers import system_text
from tenantdesk.incidents.models import IncidentLink
from tenantdesk.incidents.services.links import incident_link_request, incident_unlink_request
from tenantdesk.service_requests.models import RequestEvent, ServiceRequest
from tests.factories import BuildingFactory, IncidentFactory, PremisesFactory
from tests.unit.chat.helpers import make_service_request

pytestmark = pytest.mark.django_db


def _refusal(callable_, **kwargs) -> str:
    with pytest.raises(ValidationError) as caught:
        callable_(**kwargs)
    return caught.value.code


def test_linking_records_the_event_and_the_chat_says_so_in_each_language(
    manager, incident, placed_request
):
    link = incident_link_request(
        actor=manager, incident=incident, service_request_id=placed_request.pk
    )

    assert link.service_request == placed_request and link.linked_by == manager
    event = RequestEvent.objects.get(service_request=placed_request, kind="incident_linked")
    assert event.actor == manager
    assert event.payload.incident_id == incident.pk
    assert event.payload.incident == "Lift out of order"
    line = Message.objects.get(service_request=placed_request, kind=Message.Kind.SYSTEM)
    assert line.text == "Linked to incident: Lift out of order"
    with translation.override("ru"):
        assert system_text(line.event, line.text) == "Привязана к инциденту: Lift out of order"


def test_a_request_of_another_building_is_refused_and_nothing_is_stored(
    manager, incident, customer
):
    elsewhere = PremisesFactory(building=BuildingFactory(name="South Tower"), unit="12")
    stranger = make_service_request(customer, location=elsewhere)

    with pytest.raises(ValidationError) as caught:
        incident_link_request(actor=manager, incident=incident, service_request_id=stranger.pk)

    assert caught.value.code == "other_building"
    assert "South Tower" in caught.value.messages[0]
    assert "North Tower" in caught.value.messages[0]
    assert not IncidentLink.objects.exists()
    assert not RequestEvent.objects.filter(kind="incident_linked").exists()
    assert not Message.objects.exists()


def test_a_request_without_a_location_is_refused(manager, incident, customer):
    unplaced = make_service_request(customer)

    code = _refusal(
        incident_link_request, actor=manager, incident=incident, service_request_id=unplaced.pk
    )

    assert code == "no_location"
    assert not IncidentLink.objects.exists()


def test_a_closed_request_is_refused(manager, incident, customer, lift):
    done = make_service_request(customer, location=lift, status=ServiceRequest.Status.CLOSED)

    code = _refusal(
        incident_link_request, actor=manager, incident=incident, service_request_id=done.pk
    )

    assert code == "request_closed"


def test_a_request_belongs_to_one_incident_at_most(manager, incident, placed_request, tower):
    incident_link_request(actor=manager, incident=incident, service_request_id=placed_request.pk)
    second = IncidentFactory(title="Power cut", building=tower, created_by=manager)

    assert (
        _refusal(
            incident_link_request,
            actor=manager,
            incident=incident,
            service_request_id=placed_request.pk,
        )
        == "already_linked"
    )
    assert (
        _refusal(
            incident_link_request,
            actor=manager,
            incident=second,
            service_request_id=placed_request.pk,
        )
        == "linked_elsewhere"
    )
    assert IncidentLink.objects.count() == 1


def test_a_closed_incident_takes_no_more_requests(manager, incident, placed_request):
    incident.status = "closed"
    incident.save()

    code = _refusal(
        incident_link_request,
        actor=manager,
        incident=incident,
        service_request_id=placed_request.pk,
    )

    assert code == "incident_closed"


def test_only_managers_link(customer, incident, placed_request):
    with pytest.raises(PermissionDenied):
        incident_link_request(
            actor=customer, incident=incident, service_request_id=placed_request.pk
        )
    assert not IncidentLink.objects.exists()


def test_unlinking_records_the_event_and_the_chat_says_so(manager, incident, placed_request):
    incident_link_request(actor=manager, incident=incident, service_request_id=placed_request.pk)

    incident_unlink_request(actor=manager, incident=incident, service_request_id=placed_request.pk)

    assert not IncidentLink.objects.exists()
    event = RequestEvent.objects.get(service_request=placed_request, kind="incident_unlinked")
    assert event.payload.incident == "Lift out of order"
    texts = list(
        Message.objects.filter(service_request=placed_request, kind=Message.Kind.SYSTEM)
        .order_by("id")
        .values_list("text", flat=True)
    )
    assert texts == [
        "Linked to incident: Lift out of order",
        "Unlinked from incident: Lift out of order",
    ]
    # And once more: it is no longer linked.
    assert (
        _refusal(
            incident_unlink_request,
            actor=manager,
            incident=incident,
            service_request_id=placed_request.pk,
        )
        == "not_linked"
    )
