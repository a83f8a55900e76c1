"""A request's location on /request/new (issue 22): a member chooses one of the places their
organisation may report about (required when it has any, preselected when there is one);
a forged choice is refused at the field and nothing is stored; a printed QR code's
`?place=<token>` chooses the place for a member who may report there, and says nothing
about it to anyone else; a manager's phone form may choose any premises."""

import datetime
import re
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tenantdesk.places.models import Premises, new_qr_token
from tenantdesk.service_requests.models import RequestEvent, ServiceRequest
from tests.factories import (
    PASSWORD,
    BuildingFactory,
    CustomerFactory,
    LeaseFactory,
    ManagerFactory,
    PremisesFactory,
)
from tests.unit.service_requests.helpers import create_request, good_upload, media_files

pytestmark = pytest.mark.django_db

URL = "/request/new"
COMMON = Premises.Kind.COMMON_AREA


def form_data(**overrides):
    data = {
        "type": "plumbing",
        "title": "Leaking pipe under the sink",
        "description": "Water drips from the joint.",
        "photo": good_upload(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def alder(organisation):
    """The customer's organisation leases Quillon Tower's suite 7Q; the tower has a lobby.
    Birch Court: another organisation's office and a lift; and an office the customer's
    organisation leased until last month."""
    today = timezone.localdate()
    tower = BuildingFactory(name="Quillon Tower")
    suite = PremisesFactory(building=tower, unit="Suite 7Q")
    lobby = PremisesFactory(building=tower, unit="Lobby", kind=COMMON)
    LeaseFactory(organisation=organisation, premises=suite)
    birch = BuildingFactory(name="Birch Court")
    theirs = PremisesFactory(building=birch, unit="301")
    lift = PremisesFactory(building=birch, unit="Lift", kind=COMMON)
    other = LeaseFactory(premises=theirs)
    expired = PremisesFactory(building=birch, unit="302")
    LeaseFactory(
        organisation=organisation,
        premises=expired,
        start=today - datetime.timedelta(days=400),
        end=today - datetime.timedelta(days=30),
    )
    return {
        "suite": suite,
        "lobby": lobby,
        "theirs": theirs,
        "lift": lift,
        "expired": expired,
        "other_organisation": other.organisation,
    }


def test_the_form_lists_the_organisations_places_grouped_by_building(client, customer, alder):
    client.force_login(customer)
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<optgroup label="Quillon Tower">' in html
    assert f'<option value="{alder["suite"].pk}">Suite 7Q</option>' in html
    assert f'<option value="{alder["lobby"].pk}">Lobby — Common area</option>' in html
    # Not theirs: another organisation's office, another building's lift, an expired lease.
    assert "Birch Court" not in html
    form = response.context["form"]
    assert form.fields["location"].required and "location" not in form.initial
    assert not form.fields["office"].required
    assert "Office / room, optional note" in html


def test_a_single_place_is_chosen_already(client, customer, organisation):
    only = LeaseFactory(organisation=organisation).premises  # a building without common areas
    client.force_login(customer)
    html = client.get(URL).content.decode()
    assert f'<option value="{only.pk}" selected>' in html


def test_a_member_creates_a_request_at_a_place_and_its_page_shows_it(client, customer, alder):
    client.force_login(customer)
    response = client.post(URL, form_data(location=alder["suite"].pk, office="by the window"))
    sr = ServiceRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == sr.get_absolute_url()
    assert sr.location == alder["suite"] and sr.office == "by the window"
    assert RequestEvent.objects.get().data == {"channel": "form"}
    html = client.get(sr.get_absolute_url()).content.decode()
    assert 'data-testid="request-location">Quillon Tower · Suite 7Q<' in html
    assert 'data-testid="request-office">by the window<' in html


def test_a_common_area_reads_as_one_on_the_request_page(client, customer, alder):
    client.force_login(customer)
    client.post(URL, form_data(location=alder["lobby"].pk))
    sr = ServiceRequest.objects.get()
    assert sr.location == alder["lobby"] and sr.office == ""
    html = client.get(sr.get_absolute_url()).content.decode()
    assert 'data-testid="request-location">Quillon Tower · Common area: Lobby<' in html
    assert 'data-testid="request-office"' not in html  # no note, no empty row


def test_with_places_the_location_is_required(client, customer, alder):
    client.force_login(customer)
    response = client.post(URL, form_data())
    assert response.status_code == 400
    assert response.context["form"].errors["location"] == ["Choose where the problem is."]
    assert 'data-field-error="location"' in response.content.decode()
    assert not ServiceRequest.objects.exists() and media_files() == []


def test_an_organisation_without_a_lease_opens_a_request_without_a_location(client, customer):
    client.force_login(customer)
    page = client.get(URL)
    assert "location" not in page.context["form"].fields
    assert 'data-testid="location-field"' not in page.content.decode()
    response = client.post(URL, form_data(office="12"))
    sr = ServiceRequest.objects.get()
    assert response.status_code == 302 and sr.location is None and sr.office == "12"
    html = client.get(sr.get_absolute_url()).content.decode()
    assert "Not placed yet" in html


@pytest.mark.parametrize("forged", ["theirs", "expired", "lift", "not a number", "999999"], ids=str)
def test_a_forged_place_is_refused_at_the_field_and_nothing_is_stored(
    client, customer, alder, forged
):
    value = alder[forged].pk if forged in alder else forged
    client.force_login(customer)
    response = client.post(URL, form_data(location=value))
    assert response.status_code == 400
    assert response.context["form"].errors["location"] == ["Choose a place from the list."]
    assert 'data-field-error="location"' in response.content.decode()
    assert not ServiceRequest.objects.exists() and not RequestEvent.objects.exists()
    assert media_files() == []


@pytest.mark.parametrize("forged", ["theirs", "expired", "lift"])
def test_the_creation_service_applies_the_same_rule(customer, alder, forged):
    with pytest.raises(ValidationError) as info:
        create_request(customer, location=alder[forged])
    assert info.value.message_dict["location"] == [
        "Choose one of your organisation's places from the list."
    ]
    assert not ServiceRequest.objects.exists() and media_files() == []
    assert create_request(customer, location=alder["lobby"]).location == alder["lobby"]


def test_the_create_page_asks_the_same_queries_with_one_place_or_twenty(
    client, customer, organisation
):
    client.force_login(customer)
    LeaseFactory(organisation=organisation)
    client.get(URL)  # the session and the translations warmed up
    with CaptureQueriesContext(connection) as one:
        assert client.get(URL).status_code == 200
    for _ in range(19):
        LeaseFactory(organisation=organisation)
    with CaptureQueriesContext(connection) as twenty:
        html = client.get(URL).content.decode()
    assert html.count("<optgroup") == 20
    assert len(twenty.captured_queries) == len(one.captured_queries)


# --- QR intake: /request/new?place=<token> ---------------------------------------------------


def _location_select(html: str) -> str:
    """The location's <select> as the page wrote it ("" without one)."""
    found = re.search(r'<select[^>]*name="location".*?</select>', html, re.S)
    return found[0] if found else ""


def _qr(premises) -> str:
    return f"{URL}?place={premises.qr_token}"


@pytest.mark.parametrize("place", ["suite", "lobby"])
def test_a_scanned_place_is_chosen_and_shown_for_a_member_who_may_report_there(
    client, customer, alder, place
):
    premises = alder[place]
    client.force_login(customer)
    html = client.get(_qr(premises)).content.decode()
    assert f'<option value="{premises.pk}" selected>' in html
    banner = re.search(r'data-testid="qr-place">(.*?)</p>', html)[1]
    assert "Reporting for:" in banner and f"Quillon Tower, {premises.unit}" in banner
    response = client.post(_qr(premises), form_data(location=premises.pk))
    assert response.status_code == 302
    assert ServiceRequest.objects.get().location == premises


def test_the_scanned_place_keeps_the_follow_up_prefill(client, customer, alder):
    old = create_request(customer, location=alder["suite"], title="Leak")
    client.force_login(customer)
    form = client.get(f"{URL}?follow_up={old.pk}").context["form"]
    assert form.initial["location"] == alder["suite"].pk  # the old request's place
    assert form.initial["title"] == "Follow-up: Leak"
    response = client.get(f"{URL}?follow_up={old.pk}&place={alder['lobby'].qr_token}")
    form = response.context["form"]
    assert form.initial["location"] == alder["lobby"].pk
    assert form.initial["title"] == "Follow-up: Leak"
    assert 'data-testid="follow-up-note"' in response.content.decode()


def _shows_nothing_of_the_place(response, premises) -> None:
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="qr-place"' not in html and "Reporting for" not in html
    assert " selected>" not in _location_select(html)
    assert premises.building.name not in html and premises.unit not in html


def test_a_member_of_another_organisation_gets_the_form_without_the_place(client, alder):
    stranger = CustomerFactory(organisation=alder["other_organisation"])  # leases in Birch
    client.force_login(stranger)
    _shows_nothing_of_the_place(client.get(_qr(alder["suite"])), alder["suite"])
    # Posting the scanned place anyway is refused at the field.
    response = client.post(_qr(alder["suite"]), form_data(location=alder["suite"].pk))
    assert response.status_code == 400 and "location" in response.context["form"].errors
    assert not ServiceRequest.objects.exists()


def test_a_member_of_an_organisation_without_places_gets_no_hint(client, alder):
    client.force_login(CustomerFactory())
    _shows_nothing_of_the_place(client.get(_qr(alder["suite"])), alder["suite"])


@pytest.mark.parametrize("token", ["rotated", "unknown", "x" * 200, ""])
def test_a_rotated_or_unknown_token_is_no_place(client, customer, alder, token):
    suite = alder["suite"]
    if token == "rotated":
        token = suite.qr_token
        suite.qr_token = new_qr_token()
        suite.save(update_fields=["qr_token"])
    elif token == "unknown":
        token = new_qr_token()
    client.force_login(customer)
    response = client.get(f"{URL}?place={token}")
    html = response.content.decode()
    assert response.status_code == 200 and "Reporting for" not in html
    assert "location" not in response.context["form"].initial


def test_a_manager_gets_the_phone_form_without_the_place(client, alder):
    client.force_login(ManagerFactory())
    response = client.get(_qr(alder["suite"]))
    html = response.content.decode()
    assert 'data-testid="phone-request-form"' in html and "Reporting for" not in html
    assert _location_select(html) and " selected>" not in _location_select(html)


def test_a_signed_out_visitor_signs_in_and_comes_back_to_the_form_with_the_place(
    client, customer, alder
):
    url = _qr(alder["suite"])
    response = client.get(url)
    assert response.status_code == 302
    login, _, query = response["Location"].partition("?")
    assert login == "/accounts/login"
    assert query == f"next=/request/new%3Fplace%3D{alder['suite'].qr_token}"
    response = client.post(
        f"{login}?{query}", {"username": customer.username, "password": PASSWORD, "next": url}
    )
    assert response.status_code == 302 and response.url == url
    assert 'data-testid="qr-place"' in client.get(response.url).content.decode()


# --- a request taken by phone: any premises, optional ----------------------------------------


def phone_data(organisation, **overrides):
    data = {
        "organisation": f"{organisation.name} (#{organisation.pk})",
        "type": "electrical",
        "title": "No light in the corridor",
        "description": "Called at 9:10.",
        "priority": "normal",
        "submission_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def test_the_phone_form_may_place_a_request_anywhere_or_nowhere(client, manager, alder):
    client.force_login(manager)
    html = client.get(URL).content.decode()
    assert '<optgroup label="Birch Court">' in html and '<optgroup label="Quillon Tower">' in html
    assert _location_select(html) and " selected>" not in _location_select(html)
    # Any premises, even one the organisation does not lease.
    organisation = alder["other_organisation"]
    response = client.post(URL, phone_data(organisation, location=alder["suite"].pk))
    assert response.status_code == 302
    assert ServiceRequest.objects.get().location == alder["suite"]
    # None: a manager places it later.
    client.post(URL, phone_data(organisation))
    assert ServiceRequest.objects.order_by("-pk").first().location is None
    response = client.post(URL, phone_data(organisation, location="999999"))
    assert response.status_code == 400
    assert 'data-field-error="location"' in response.content.decode()
    assert ServiceRequest.objects.count() == 2
