"""Every incident page and form from the outside: a signed-out visitor is sent to sign in,
a customer is refused (403, nothing stored), a manager is served; a member joins only
incidents of their own buildings (404 for any other)."""

import pytest

from tenantdesk.incidents.models import Incident, IncidentLink, IncidentUpdate
from tenantdesk.service_requests.models import RequestEvent, ServiceRequest
from tests.factories import BuildingFactory, IncidentFactory
from tests.unit.chat.helpers import photo_upload

pytestmark = pytest.mark.django_db


def _pages(incident, sr):
    pk = incident.pk
    return [
        ("get", "/incidents", {}),
        ("get", "/incidents/new", {}),
        (
            "post",
            "/incidents/new",
            {"title": "X", "building": incident.building_id, "type": "electrical"},
        ),
        ("get", f"/incidents/{pk}", {}),
        ("post", f"/incidents/{pk}/update", {"text": "Hello"}),
        ("post", f"/incidents/{pk}/link", {"number": sr.pk}),
        ("post", f"/incidents/{pk}/unlink/{sr.pk}", {}),
        ("post", f"/incidents/{pk}/close", {}),
    ]


def _nothing_changed(incident):
    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN
    assert Incident.objects.count() == 1
    assert not IncidentUpdate.objects.exists()
    assert not IncidentLink.objects.exists()
    assert not RequestEvent.objects.exists()


def test_a_signed_out_visitor_is_sent_to_sign_in(client, incident, placed_request):
    for method, url, data in _pages(incident, placed_request):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login"), url
    _nothing_changed(incident)


def test_a_customer_is_refused_everywhere_and_nothing_is_stored(
    client, customer, incident, placed_request
):
    client.force_login(customer)
    for method, url, data in _pages(incident, placed_request):
        assert getattr(client, method)(url, data).status_code == 403, url
    _nothing_changed(incident)


def test_a_customer_posting_an_incident_update_is_refused(client, customer, incident):
    client.force_login(customer)

    response = client.post(f"/incidents/{incident.pk}/update", {"text": "We fixed it ourselves"})

    assert response.status_code == 403
    assert not IncidentUpdate.objects.exists()


def test_a_manager_is_served_and_a_missing_incident_is_404(client, manager, incident):
    client.force_login(manager)
    assert client.get("/incidents").status_code == 200
    assert client.get("/incidents/new").status_code == 200
    assert client.get(f"/incidents/{incident.pk}").status_code == 200
    assert client.get(f"/incidents/{incident.pk + 100}").status_code == 404
    assert client.post(f"/incidents/{incident.pk + 100}/close").status_code == 404


def _join_form(**extra):
    return {
        "incident_join": "1",
        "type": "electrical",
        "title": "Our lift is stuck",
        "description": "Stuck between floors 2 and 3.",
        "office": "204",
        "photo": photo_upload(),
        **extra,
    }


def test_joining_an_incident_of_a_building_where_the_organisation_does_not_lease_is_404(
    client, other_customer, incident
):
    client.force_login(other_customer)

    response = client.post(f"/incidents/{incident.pk}/join", _join_form())

    assert response.status_code == 404
    assert not ServiceRequest.objects.exists()


def test_a_manager_cannot_join_and_a_signed_out_visitor_is_sent_to_sign_in(
    client, manager, incident
):
    response = client.post(f"/incidents/{incident.pk}/join", _join_form())
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login")

    client.force_login(manager)
    assert client.post(f"/incidents/{incident.pk}/join", _join_form()).status_code == 403
    assert not ServiceRequest.objects.exists()


def test_an_incident_of_another_building_is_not_joinable(client, customer, office, manager):
    elsewhere = IncidentFactory(building=BuildingFactory(), created_by=manager)
    client.force_login(customer)

    assert client.post(f"/incidents/{elsewhere.pk}/join", _join_form()).status_code == 404
    assert not ServiceRequest.objects.exists()
