"""The managers' incident pages: lists that cost the same queries for 1 or 20 rows, a new
incident (from a request's page too), links and refusals with a clear message."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenantdesk.incidents.models import Incident, IncidentLink
from tenantdesk.incidents.services.links import incident_link_request
from tests.factories import BuildingFactory, CustomerFactory, IncidentFactory, PremisesFactory
from tests.unit.chat.helpers import make_service_request

pytestmark = pytest.mark.django_db


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_takes_the_same_queries_for_1_and_20_incidents(
    client, manager, incident, placed_request, django_assert_num_queries
):
    incident_link_request(actor=manager, incident=incident, service_request_id=placed_request.pk)
    client.force_login(manager)
    one = _queries(client, "/incidents")
    for n in range(19):
        IncidentFactory(
            building=incident.building, created_by=manager, status="closed" if n % 2 else "open"
        )

    with django_assert_num_queries(one):
        page = client.get("/incidents").content.decode()
    assert "Lift out of order" in page and "North Tower" in page


def test_an_incident_page_takes_the_same_queries_for_1_and_20_requests(
    client, manager, incident, placed_request, lift, django_assert_num_queries
):
    incident_link_request(actor=manager, incident=incident, service_request_id=placed_request.pk)
    client.force_login(manager)
    one = _queries(client, f"/incidents/{incident.pk}")
    for _n in range(19):
        sr = make_service_request(CustomerFactory(), location=lift)
        incident_link_request(actor=manager, incident=incident, service_request_id=sr.pk)

    with django_assert_num_queries(one):
        page = client.get(f"/incidents/{incident.pk}").content.decode()
    assert "20 linked requests" in page
    assert placed_request.organisation.name in page


def test_a_manager_creates_an_incident(client, manager, tower):
    client.force_login(manager)

    response = client.post(
        "/incidents/new", {"title": "Power cut", "building": tower.pk, "type": "electrical"}
    )

    incident = Incident.objects.get()
    assert response["Location"] == f"/incidents/{incident.pk}"
    assert (incident.title, incident.building, incident.created_by) == ("Power cut", tower, manager)
    assert incident.is_open


def test_a_bad_new_incident_says_why_at_the_field(client, manager, tower):
    client.force_login(manager)

    response = client.post("/incidents/new", {"title": "", "building": "999", "type": "bogus"})

    assert response.status_code == 400
    page = response.content.decode()
    for field in ("title", "building", "type"):
        assert f'data-field-error="{field}"' in page
    assert not Incident.objects.exists()


def test_an_incident_started_from_a_request_links_it(client, manager, placed_request, tower):
    client.force_login(manager)
    form = client.get(f"/incidents/new?from_request={placed_request.pk}").content.decode()
    assert "will be linked to it" in form

    client.post(
        "/incidents/new",
        {
            "title": "Lift out of order",
            "building": tower.pk,
            "type": "electrical",
            "from_request": placed_request.pk,
        },
    )

    assert IncidentLink.objects.get().service_request == placed_request


def test_an_incident_from_a_request_of_another_building_is_refused_whole(
    client, manager, placed_request
):
    client.force_login(manager)
    other = BuildingFactory(name="South Tower")

    response = client.post(
        "/incidents/new",
        {
            "title": "X",
            "building": other.pk,
            "type": "electrical",
            "from_request": placed_request.pk,
        },
    )

    assert response.status_code == 400
    assert "only requests of the incident&#x27;s building" in response.content.decode()
    assert not Incident.objects.exists() and not IncidentLink.objects.exists()


def test_linking_a_request_of_another_building_on_the_page_says_why(
    client, manager, incident, customer
):
    stranger = make_service_request(
        customer, location=PremisesFactory(building=BuildingFactory(name="South Tower"))
    )
    client.force_login(manager)

    response = client.post(f"/incidents/{incident.pk}/link", {"number": stranger.pk})

    assert response.status_code == 400
    assert 'data-field-error="number"' in response.content.decode()
    assert "South Tower" in response.content.decode()
    assert not IncidentLink.objects.exists()


def test_linking_a_missing_request_number_says_so(client, manager, incident):
    client.force_login(manager)

    response = client.post(f"/incidents/{incident.pk}/link", {"number": 4242})

    assert response.status_code == 400
    assert "There is no request #4242." in response.content.decode()


def test_the_request_page_offers_a_manager_its_buildings_open_incidents(
    client, manager, incident, placed_request
):
    client.force_login(manager)
    page = client.get(placed_request.get_absolute_url()).content.decode()
    assert "Link to an incident: Lift out of order" in page
    assert f"/incidents/new?from_request={placed_request.pk}" in page

    response = client.post(
        f"/incidents/{incident.pk}/link", {"number": placed_request.pk, "back": "request"}
    )

    assert response["Location"] == placed_request.get_absolute_url()
    page = client.get(placed_request.get_absolute_url()).content.decode()
    assert 'data-testid="request-incident"' in page


def test_a_customer_sees_no_incident_panel(client, customer, incident, placed_request):
    client.force_login(customer)
    page = client.get(placed_request.get_absolute_url()).content.decode()
    assert "incident-panel" not in page


def test_update_unlink_and_close_from_the_page(client, manager, incident, placed_request):
    incident_link_request(actor=manager, incident=incident, service_request_id=placed_request.pk)
    client.force_login(manager)

    client.post(f"/incidents/{incident.pk}/update", {"text": "On its way"})
    assert "On its way" in client.get(f"/incidents/{incident.pk}").content.decode()
    bad = client.post(f"/incidents/{incident.pk}/update", {"text": ""})
    assert bad.status_code == 400 and 'data-field-error="text"' in bad.content.decode()

    client.post(f"/incidents/{incident.pk}/close")
    placed_request.refresh_from_db()
    assert placed_request.is_closed
    again = client.post(f"/incidents/{incident.pk}/close")
    assert again.status_code == 400 and "already closed" in again.content.decode()
