"""Known issues on /request/new and "Add us to it": the member's typed request is created
by the one creation service and linked to the incident in one go, or nothing is saved."""

import pytest

from tenantdesk.chat.models import Message
from tenantdesk.incidents.models import IncidentLink
from tenantdesk.places.models import Premises
from tenantdesk.service_requests.forms import ServiceRequestForm
from tenantdesk.service_requests.models import RequestEvent, RequestFollower, ServiceRequest
from tests.factories import IncidentFactory
from tests.unit.chat.helpers import photo_upload
from tests.unit.service_requests.helpers import media_files

pytestmark = pytest.mark.django_db


def _form(incident, **extra):
    # The place: the lift (a common area of the incident's building), where the form has a
    # place to choose (issue 22's location; a form without one ignores it).
    lift = Premises.objects.get(unit="Lift 2")
    return {
        "incident_join": str(incident.pk),
        "location": str(lift.pk),
        "type": "plumbing",  # whatever was picked: the request joins as the incident's type
        "title": "Our lift is stuck",
        "description": "Stuck between floors 2 and 3 since the morning.",
        "office": "204",
        "photo": photo_upload(),
        **extra,
    }


def test_the_create_page_shows_the_known_issues_of_the_members_buildings(
    client, customer, incident, placed_request, manager, neighbour
):
    from tenantdesk.incidents.services.links import incident_link_request

    incident_link_request(actor=manager, incident=incident, service_request_id=placed_request.pk)
    client.force_login(neighbour)

    page = client.get("/request/new").content.decode()

    assert "Known issue: Lift out of order" in page
    assert "1 report" in page
    assert f'formaction="/incidents/{incident.pk}/join"' in page
    assert "Add us to it" in page
    assert "incidents/known-issues.js" in page


def test_no_known_issue_for_an_organisation_elsewhere(client, other_customer, incident):
    client.force_login(other_customer)

    page = client.get("/request/new").content.decode()

    assert "Known issue" not in page and "known-issues.js" not in page


def test_add_us_to_it_creates_the_request_with_the_members_words_and_links_it(
    client, neighbour, incident, lift
):
    client.force_login(neighbour)

    response = client.post(f"/incidents/{incident.pk}/join", _form(incident))

    sr = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == sr.get_absolute_url()
    assert sr.title == "Our lift is stuck" and sr.author == neighbour
    assert sr.description == "Stuck between floors 2 and 3 since the morning."
    assert sr.type == incident.type and sr.photo
    if "location" in ServiceRequestForm.base_fields:  # the form's place (issue 22's location)
        assert sr.location == lift
    assert IncidentLink.objects.get().service_request == sr
    assert RequestFollower.objects.filter(service_request=sr, user=neighbour).exists()
    kinds = list(RequestEvent.objects.filter(service_request=sr).values_list("kind", flat=True))
    assert kinds == ["created", "incident_linked"]
    assert Message.objects.get(service_request=sr).text == "Linked to incident: Lift out of order"


def test_the_same_join_sent_twice_makes_one_linked_request(client, neighbour, incident, lift):
    client.force_login(neighbour)
    key = "5f0c8a0e-9c1b-4a53-8f57-0d0b3c8f1a11"

    client.post(f"/incidents/{incident.pk}/join", _form(incident, submission_key=key))
    client.post(f"/incidents/{incident.pk}/join", _form(incident, submission_key=key))

    assert ServiceRequest.objects.count() == 1 and IncidentLink.objects.count() == 1


def test_joining_an_incident_closed_meanwhile_is_refused_and_nothing_is_saved(
    client, neighbour, incident, lift
):
    incident.status = "closed"
    incident.save()
    client.force_login(neighbour)

    response = client.post(f"/incidents/{incident.pk}/join", _form(incident))

    assert response.status_code == 400
    assert "is closed" in response.content.decode()
    assert 'value="Our lift is stuck"' in response.content.decode()  # their words kept
    assert not ServiceRequest.objects.exists()
    assert media_files() == []


def test_a_join_with_errors_shows_them_and_saves_nothing(client, neighbour, incident, lift):
    client.force_login(neighbour)

    response = client.post(f"/incidents/{incident.pk}/join", _form(incident, title=""))

    assert response.status_code == 400
    assert 'data-field-error="title"' in response.content.decode()
    assert not ServiceRequest.objects.exists()


def test_create_request_from_a_page_the_join_rendered_is_a_plain_create(
    client, neighbour, incident, lift
):
    client.force_login(neighbour)
    data = _form(incident)
    data["incident_join"] = ""  # the hidden field the script fills for "Add us to it" only

    response = client.post(f"/incidents/{incident.pk}/join", data)

    assert response.status_code == 302
    assert ServiceRequest.objects.count() == 1 and not IncidentLink.objects.exists()


def test_a_second_incident_of_the_building_is_listed_too(client, neighbour, incident, manager):
    IncidentFactory(
        title="No water", building=incident.building, type="plumbing", created_by=manager
    )
    client.force_login(neighbour)

    page = client.get("/request/new").content.decode()

    assert 'data-type="plumbing"' in page and 'data-type="electrical"' in page


def test_joining_with_a_place_of_another_building_is_refused_before_anything_is_made(
    neighbour, incident
):
    from django.core.exceptions import ValidationError

    from tenantdesk.incidents.services.join import incident_join
    from tests.factories import BuildingFactory, PremisesFactory

    elsewhere = PremisesFactory(building=BuildingFactory(name="South Tower"))

    with pytest.raises(ValidationError) as caught:
        incident_join(
            author=neighbour,
            incident_id=incident.pk,
            location=elsewhere,
            title="Lift",
            description="Stuck",
            office="",
            photos=[photo_upload()],
        )

    assert caught.value.code == "other_building"
    assert "North Tower" in caught.value.messages[0]
    assert not ServiceRequest.objects.exists()
