"""A manager places a request or moves it (issue 22): /request/<id>/location from the
outside (signed out, another organisation, a customer, a manager), the service's refusals,
the event "located" and the chat's system line in English and Russian, the request page."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tenantdesk.chat import broadcast
from tenantdesk.chat.models import Message
from tenantdesk.chat.serializers import message_for_language
from tenantdesk.core.errors import Closed
from tenantdesk.places.models import Premises
from tenantdesk.service_requests.models import RequestEvent
from tenantdesk.service_requests.services.location import service_request_set_location
from tenantdesk.service_requests.services.status import service_request_change_status
from tests.factories import BuildingFactory, CustomerFactory, ManagerFactory, PremisesFactory
from tests.unit.service_requests.helpers import create_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def service_request(customer):
    return create_request(customer)  # its organisation leases nothing: no location


@pytest.fixture
def building_a(db):
    return BuildingFactory(name="Building A")


@pytest.fixture
def office_204(building_a):
    return PremisesFactory(building=building_a, unit="204")


@pytest.fixture
def lobby(building_a):
    return PremisesFactory(building=building_a, unit="Lobby", kind=Premises.Kind.COMMON_AREA)


def url(sr):
    return f"/request/{sr.pk}/location"


def located_events():
    return RequestEvent.objects.filter(kind=RequestEvent.Kind.LOCATED)


def system_lines(sr, language):
    lines = []
    for message in Message.objects.filter(service_request=sr, kind=Message.Kind.SYSTEM):
        with translation.override(language):
            data = message_for_language(
                {
                    **{"author_id": None, "by_manager": False, "organisation": None},
                    "kind": message.kind,
                    "text": message.text,
                    "event": message.event,
                    "created_at": message.created_at.isoformat(),
                    "author_name": None,
                }
            )
        lines.append(data["text"])
    return lines


def unplaced(sr):
    sr.refresh_from_db()
    return sr.location_id is None and not located_events().exists()


# --- from the outside -------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in(client, service_request, office_204):
    for response in (client.get(url(service_request)), client.post(url(service_request))):
        assert response.status_code == 302 and "/accounts/login" in response["Location"]
    client.post(url(service_request), {"location": office_204.pk})
    assert unplaced(service_request)


def test_another_organisation_gets_404(client, other_customer, service_request, office_204):
    client.force_login(other_customer)
    assert client.get(url(service_request)).status_code == 404
    assert client.post(url(service_request), {"location": office_204.pk}).status_code == 404
    assert unplaced(service_request)


def test_a_customer_of_the_organisation_gets_403(client, customer, service_request, office_204):
    client.force_login(CustomerFactory(organisation=customer.organisation))
    assert client.get(url(service_request)).status_code == 403
    assert client.post(url(service_request), {"location": office_204.pk}).status_code == 403
    assert unplaced(service_request)
    # Nor is it offered on the page.
    html = client.get(service_request.get_absolute_url()).content.decode()
    assert 'data-testid="set-location"' not in html


def test_a_manager_places_the_request_from_its_page(
    client, manager, service_request, office_204, lobby
):
    client.force_login(manager)
    page = client.get(service_request.get_absolute_url()).content.decode()
    assert f'href="{url(service_request)}" data-testid="set-location"' in page
    assert "Not placed yet" in page
    form_page = client.get(url(service_request))
    html = form_page.content.decode()
    assert form_page.status_code == 200 and '<optgroup label="Building A">' in html
    assert f'<option value="{lobby.pk}">Lobby — Common area</option>' in html
    response = client.post(url(service_request), {"location": office_204.pk})
    assert response.status_code == 302
    assert response["Location"] == service_request.get_absolute_url()
    service_request.refresh_from_db()
    assert service_request.location == office_204
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Location set: Building A, 204." in [str(m) for m in page.context["messages"]]
    assert 'data-testid="request-location">Building A · 204<' in html
    assert "Location: Building A, 204" in html  # the history
    # Moved: the form shows where it is now.
    html = client.get(url(service_request)).content.decode()
    assert f'<option value="{office_204.pk}" selected>' in html


@pytest.mark.parametrize("value", ["", "nonsense", "999999"])
def test_a_bad_choice_is_refused_at_the_field(client, manager, service_request, office_204, value):
    client.force_login(manager)
    response = client.post(url(service_request), {"location": value})
    assert response.status_code == 400
    assert 'data-field-error="location"' in response.content.decode()
    assert unplaced(service_request)


def test_the_place_it_is_at_already_is_refused(client, manager, service_request, office_204):
    client.force_login(manager)
    client.post(url(service_request), {"location": office_204.pk})
    response = client.post(url(service_request), {"location": office_204.pk})
    assert response.status_code == 400
    assert "The request is already at Building A, 204." in response.content.decode()
    assert located_events().count() == 1


def test_a_closed_request_is_not_placed(client, manager, service_request, office_204):
    service_request_change_status(actor=manager, service_request=service_request, status="closed")
    client.force_login(manager)
    response = client.post(url(service_request), {"location": office_204.pk})
    assert response.status_code == 403
    assert "closed" in response.content.decode()
    assert unplaced(service_request)
    html = client.get(service_request.get_absolute_url()).content.decode()
    assert 'data-testid="set-location"' not in html


def test_the_request_page_asks_the_same_queries_placed_or_not(
    client, manager, customer, service_request, office_204
):
    def queries(who) -> int:
        client.force_login(who)
        client.get(service_request.get_absolute_url())
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(service_request.get_absolute_url()).status_code == 200
        return len(ctx.captured_queries)

    before = [queries(manager), queries(customer)]
    # Placed (without the event, whose chat line the chat loads on its own).
    type(service_request).objects.filter(pk=service_request.pk).update(location=office_204)
    # The place and its building are joined to the request's own query.
    assert [queries(manager), queries(customer)] == before


# --- the service, the event and the chat's line ----------------------------------------------


def test_the_event_and_the_chat_line_everyone_sees(
    manager, service_request, office_204, lobby, django_capture_on_commit_callbacks
):
    with broadcast.collecting() as outbox, django_capture_on_commit_callbacks(execute=True):
        event = service_request_set_location(
            actor=manager, service_request=service_request, location=office_204
        )
    assert event.kind == RequestEvent.Kind.LOCATED and event.actor == manager
    assert event.data == {"location_id": office_204.pk, "location": "Building A, 204"}
    assert service_request.location == office_204  # the passed instance too
    [(group, frame)] = [(g, e) for g, e in outbox if e["type"] == "chat.message"]
    assert group.endswith(str(service_request.pk)) and frame["internal"] is False
    moved = service_request_set_location(
        actor=manager, service_request=service_request, location=lobby
    )
    assert moved.payload.previous_id == office_204.pk
    assert moved.payload.previous == "Building A, 204"
    assert system_lines(service_request, "en") == [
        "Location: Building A, 204",
        "Location: Building A, Lobby",
    ]
    assert system_lines(service_request, "ru")[0] == "Место: Building A, 204"


def test_the_service_refuses_customers_and_a_no_op(customer, manager, service_request, office_204):
    with pytest.raises(PermissionDenied):
        service_request_set_location(
            actor=customer, service_request=service_request, location=office_204
        )
    assert unplaced(service_request)
    service_request_set_location(
        actor=manager, service_request=service_request, location=office_204
    )
    with pytest.raises(ValidationError) as error:
        service_request_set_location(
            actor=ManagerFactory(), service_request=service_request, location=office_204
        )
    assert error.value.code == "unchanged"
    assert located_events().count() == 1
    service_request_change_status(actor=manager, service_request=service_request, status="closed")
    with pytest.raises(Closed):
        service_request_set_location(
            actor=manager, service_request=service_request, location=PremisesFactory()
        )
    assert located_events().count() == 1
