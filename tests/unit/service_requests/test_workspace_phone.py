"""Requests taken by phone from the outside: a manager opens one for an organisation
(chosen from the search box's list), photo optional; its members see it and its chat;
customers, other organisations and signed-out visitors cannot."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied

from tenantdesk.service_requests.models import RequestEvent, ServiceRequest
from tenantdesk.service_requests.services.create import service_request_create
from tests.factories import CustomerFactory, OrganisationFactory
from tests.unit.service_requests.helpers import good_upload, media_files

pytestmark = pytest.mark.django_db

URL = "/request/new"


def form_data(chosen, **overrides):
    data = {
        "organisation": f"{chosen.name} (#{chosen.pk})",
        "type": "electrical",
        "title": "No light in the corridor",
        "description": "Called at 9:10; the corridor on floor 2 is dark.",
        "office": "210",
        "priority": "high",
        "submission_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def test_the_manager_gets_the_phone_form_with_every_organisation(client, manager, organisation):
    other = OrganisationFactory(name="Northwind Logistics")
    client.force_login(manager)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="phone-request-form"' in html
    assert f'value="{organisation.name} (#{organisation.pk})"' in html
    assert f'value="Northwind Logistics (#{other.pk})"' in html
    assert 'data-testid="new-by-phone"' in client.get("/request/list").content.decode()


def test_a_manager_creates_a_request_without_a_photo(client, manager, organisation, customer):
    client.force_login(manager)
    response = client.post(URL, form_data(organisation))
    sr = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == sr.get_absolute_url()
    assert sr.organisation == organisation and sr.author == manager
    assert sr.priority == "high" and not sr.photo
    assert sr.first_response_due_at is not None and sr.resolution_due_at is not None
    change = RequestEvent.objects.get()
    assert change.kind == "created" and change.actor == manager
    assert change.data == {
        "channel": "phone",
        "organisation_id": organisation.pk,
        "organisation": organisation.name,
    }
    # The organisation's members see it in their list and open its page and chat.
    client.force_login(customer)
    assert sr.pk in [row.pk for row in client.get("/request/list").context["service_requests"]]
    page = client.get(sr.get_absolute_url())
    assert page.status_code == 200 and "Created by phone" in page.content.decode()
    assert client.get(f"/chat/{sr.pk}/messages").status_code == 200
    # Another organisation does not.
    client.force_login(CustomerFactory())
    assert client.get(sr.get_absolute_url()).status_code == 404


def test_a_photo_may_be_attached(client, manager, organisation):
    client.force_login(manager)
    client.post(URL, form_data(organisation, photo=good_upload()))
    sr = ServiceRequest.objects.get()
    assert sr.photo and sr.photo_thumbnail
    assert len(media_files()) == 2


def test_a_second_photo_is_refused_with_a_message_and_nothing_is_stored(
    client, manager, organisation
):
    client.force_login(manager)
    response = client.post(URL, form_data(organisation, photo=[good_upload(), good_upload()]))
    assert response.status_code == 400
    assert "at most one photo" in response.content.decode()
    assert not ServiceRequest.objects.exists() and media_files() == []


def test_the_organisation_may_be_typed_by_its_exact_name(client, manager, organisation):
    client.force_login(manager)
    client.post(URL, form_data(organisation, organisation=organisation.name.upper()))
    assert ServiceRequest.objects.get().organisation == organisation


@pytest.mark.parametrize("typed", ["", "Nobody LLC", "Tenant (#999999)", "Twin"])
def test_an_unknown_or_ambiguous_organisation_is_refused(client, manager, typed):
    OrganisationFactory(name="Twin")
    OrganisationFactory(name="Twin")
    client.force_login(manager)
    response = client.post(URL, form_data(OrganisationFactory(), organisation=typed))
    assert response.status_code == 400
    assert 'data-field-error="organisation"' in response.content.decode()
    assert not ServiceRequest.objects.exists() and not RequestEvent.objects.exists()


def test_a_resubmitted_form_makes_one_request(client, manager, organisation):
    client.force_login(manager)
    data = form_data(organisation)
    client.post(URL, data)
    client.post(URL, data)
    assert ServiceRequest.objects.count() == 1 and RequestEvent.objects.count() == 1


def test_signed_out_visitors_are_sent_to_sign_in(client, organisation):
    response = client.post(URL, form_data(organisation))
    assert response.status_code == 302 and "/accounts/login" in response["Location"]
    assert not ServiceRequest.objects.exists()


def test_a_customer_cannot_create_for_another_organisation(client, customer, other_customer):
    # The customer's own form ignores the extra fields: the request is their organisation's.
    client.force_login(customer)
    data = form_data(other_customer.organisation, photo=good_upload())
    client.post(URL, data)
    sr = ServiceRequest.objects.get()
    assert sr.organisation == customer.organisation and sr.priority == "normal"
    # Opened on the form, not taken by phone.
    assert RequestEvent.objects.get().data == {"channel": "form"}


def test_the_service_refuses_customers(customer, other_customer):
    with pytest.raises(PermissionDenied):
        service_request_create(
            author=customer,
            organisation=other_customer.organisation,
            type="electrical",
            title="x",
            description="y",
            office="1",
        )
    assert not ServiceRequest.objects.exists()
