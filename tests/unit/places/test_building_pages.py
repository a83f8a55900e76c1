"""/company/buildings and /company/buildings/<id>: company admins edit buildings, premises,
leases and managers; other managers read; customers and signed-out visitors do not get in.
Every change is whole or nothing; a premises with leases or requests is not deleted."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenantdesk.places.models import Building, Lease, Premises
from tenantdesk.service_requests.models import ServiceRequest
from tests.factories import (
    BuildingFactory,
    CustomerFactory,
    LeaseFactory,
    ManagerFactory,
    OrganisationFactory,
    PremisesFactory,
)
from tests.unit.places.conftest import signed_in
from tests.unit.places.helpers import formset_post, lease_row, premises_row
from tests.unit.service_requests.helpers import create_request

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 1)


@pytest.fixture
def tower():
    return BuildingFactory(name="North Tower", address="1 Lenina Street")


def pages(building):
    return [
        ("/company/buildings", {"name": "X", "address": "Y", "time_zone": "Europe/Moscow"}),
        (f"/company/buildings/{building.pk}", {"name": "X", "address": "Y", "time_zone": "UTC"}),
        (f"/company/buildings/{building.pk}/premises", formset_post("premises", [])),
        (f"/company/buildings/{building.pk}/leases", formset_post("leases", [])),
        (f"/company/buildings/{building.pk}/managers", {}),
    ]


def test_a_signed_out_visitor_is_sent_to_sign_in(client, tower):
    for path, data in pages(tower):
        for answer in (client.get(path), client.post(path, data)):
            assert answer.status_code == 302, path
            assert answer["Location"].startswith("/accounts/login"), path


def test_a_customer_is_refused_everywhere(customer_client, tower):
    for path, data in pages(tower):
        assert customer_client.get(path).status_code in (403, 405), path
        assert customer_client.post(path, data).status_code == 403, path
    assert 'data-testid="nav-buildings"' not in customer_client.get("/").content.decode()
    tower.refresh_from_db()
    assert tower.name == "North Tower" and Building.objects.count() == 1


def test_another_manager_reads_but_cannot_change(anna_client, tower):
    PremisesFactory(building=tower, unit="204")
    listing = anna_client.get("/company/buildings")
    assert listing.status_code == 200
    assert "North Tower" in listing.content.decode()
    assert 'data-testid="building-form"' not in listing.content.decode()
    assert 'data-testid="nav-buildings"' in listing.content.decode()
    page = anna_client.get(f"/company/buildings/{tower.pk}")
    assert page.status_code == 200
    assert "204" in page.content.decode() and "premises-form" not in page.content.decode()
    for path, data in pages(tower):
        assert anna_client.post(path, data).status_code == 403, path
    tower.refresh_from_db()
    assert tower.name == "North Tower" and Building.objects.count() == 1


def test_a_missing_building_is_404_for_a_manager_and_403_for_a_customer(
    anna_client, customer_client
):
    assert anna_client.get("/company/buildings/4711").status_code == 404
    assert customer_client.get("/company/buildings/4711").status_code == 403


def test_the_list_shows_premises_counts_and_managers(boss_client, tower, anna):
    PremisesFactory.create_batch(3, building=tower)
    tower.managers.add(anna)
    BuildingFactory(name="South House")
    body = boss_client.get("/company/buildings").content.decode()
    assert "North Tower" in body and "South House" in body and "Anna Ivanova" in body
    assert f'<tr data-building="{tower.pk}">' in body
    assert "<td>3</td>" in body
    assert 'data-testid="building-form"' in body


def _count_queries(client, path):
    # One warm-up request, so the count is of the page, not of first-use caches.
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["boss", "anna"])
def test_the_list_costs_the_same_queries_for_1_and_20_buildings(who, request):
    client = signed_in(request.getfixturevalue(who))
    managers = ManagerFactory.create_batch(2)
    building = BuildingFactory()
    PremisesFactory(building=building)
    building.managers.add(*managers)
    one = _count_queries(client, "/company/buildings")
    for _n in range(19):
        more = BuildingFactory()
        PremisesFactory.create_batch(2, building=more)
        more.managers.add(*managers)
    assert _count_queries(client, "/company/buildings") == one


@pytest.mark.parametrize("who", ["boss", "anna"])
def test_the_building_page_costs_the_same_queries_for_1_and_20_premises(who, request, tower):
    client = signed_in(request.getfixturevalue(who))
    tower.managers.add(ManagerFactory())
    LeaseFactory(premises=PremisesFactory(building=tower))
    path = f"/company/buildings/{tower.pk}"
    one = _count_queries(client, path)
    for _n in range(19):
        LeaseFactory(premises=PremisesFactory(building=tower))
    OrganisationFactory.create_batch(5)
    assert _count_queries(client, path) == one


def test_a_company_admin_adds_a_building(boss_client):
    answer = boss_client.post(
        "/company/buildings",
        {"name": "Riverside", "address": "3 Naberezhnaya", "time_zone": "Asia/Yekaterinburg"},
    )
    building = Building.objects.get(name="Riverside")
    assert answer.status_code == 302 and answer["Location"] == f"/company/buildings/{building.pk}"
    assert building.time_zone == "Asia/Yekaterinburg"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "address": "3 Naberezhnaya", "time_zone": "UTC"}, "name"),
        ({"name": "North Tower", "address": "3 Naberezhnaya", "time_zone": "UTC"}, "name"),
        (
            {"name": "Riverside", "address": "3 Naberezhnaya", "time_zone": "Mars/Olympus"},
            "time_zone",
        ),
    ],
)
def test_a_bad_building_is_refused_at_its_field(boss_client, tower, data, field):
    answer = boss_client.post("/company/buildings", data)
    assert answer.status_code == 400
    assert f'data-field-error="{field}"' in answer.content.decode()
    assert Building.objects.count() == 1


def test_a_company_admin_edits_the_building(boss_client, tower):
    path = f"/company/buildings/{tower.pk}"
    answer = boss_client.post(
        path, {"name": "North Tower", "address": "2 Lenina", "time_zone": "UTC"}
    )
    assert answer.status_code == 302
    tower.refresh_from_db()
    assert (tower.address, tower.time_zone) == ("2 Lenina", "UTC")
    answer = boss_client.post(path, {"name": "North Tower", "address": "", "time_zone": "UTC"})
    assert answer.status_code == 400
    assert 'data-field-error="address"' in answer.content.decode()


def test_premises_are_added_changed_and_deleted_in_one_post(boss_client, tower):
    office = PremisesFactory(building=tower, unit="204", floor="2")
    gone = PremisesFactory(building=tower, unit="205")
    data = formset_post(
        "premises",
        [
            premises_row(office, floor="3"),
            premises_row(gone, DELETE="on"),
            {"unit": "Lobby", "floor": "1", "kind": "common_area"},
            {"unit": "", "floor": "", "kind": "office"},  # an untouched blank row
        ],
    )
    answer = boss_client.post(f"/company/buildings/{tower.pk}/premises", data)
    assert answer.status_code == 302
    assert sorted(tower.premises.values_list("unit", "floor", "kind")) == [
        ("204", "3", "office"),
        ("Lobby", "1", "common_area"),
    ]


def test_a_unit_twice_is_refused_and_nothing_is_saved(boss_client, tower):
    office = PremisesFactory(building=tower, unit="204", floor="2")
    data = formset_post(
        "premises",
        [premises_row(office, floor="9"), {"unit": "204", "floor": "1", "kind": "office"}],
    )
    answer = boss_client.post(f"/company/buildings/{tower.pk}/premises", data)
    assert answer.status_code == 400
    assert "Unit 204 is already on row 1" in answer.content.decode()
    office.refresh_from_db()
    assert office.floor == "2" and tower.premises.count() == 1


@pytest.mark.parametrize("points_at_it", ["lease", "request"])
def test_premises_with_leases_or_requests_are_not_deleted(boss_client, tower, points_at_it):
    office = PremisesFactory(building=tower, unit="204")
    other = PremisesFactory(building=tower, unit="205", floor="1")
    if points_at_it == "lease":
        LeaseFactory(premises=office)
    else:
        lease = LeaseFactory(premises=other)
        request = create_request(CustomerFactory(organisation=lease.organisation))
        ServiceRequest.objects.filter(pk=request.pk).update(location=office)
    data = formset_post(
        "premises", [premises_row(office, DELETE="on"), premises_row(other, floor="7")]
    )
    answer = boss_client.post(f"/company/buildings/{tower.pk}/premises", data)
    assert answer.status_code == 400
    body = answer.content.decode()
    assert "204 cannot be deleted" in body
    assert ("1 lease" if points_at_it == "lease" else "1 request") in body
    assert Premises.objects.filter(pk=office.pk).exists()
    other.refresh_from_db()
    assert other.floor == "1"  # nothing of that post was saved


def test_leases_are_saved_through_the_overlap_check(boss_client, tower):
    office = PremisesFactory(building=tower, unit="204")
    lobby = PremisesFactory(building=tower, unit="Lobby", kind=Premises.Kind.COMMON_AREA)
    first, second = OrganisationFactory(name="Rainbow Ltd"), OrganisationFactory(name="Sunrise")
    path = f"/company/buildings/{tower.pk}/leases"
    row = {"organisation": first.pk, "premises": office.pk, "start": "2026-01-01", "end": ""}
    assert boss_client.post(path, formset_post("leases", [row])).status_code == 302
    lease = Lease.objects.get()
    assert (lease.organisation, lease.premises, lease.end) == (first, office, None)

    overlapping = {"organisation": second.pk, "premises": office.pk, "start": "2026-05-01"}
    answer = boss_client.post(path, formset_post("leases", [lease_row(lease), overlapping]))
    assert answer.status_code == 400
    assert "is leased to Rainbow Ltd" in answer.content.decode()
    assert Lease.objects.count() == 1

    # A common area is not offered, and a forged one is refused at its field.
    page = boss_client.get(f"/company/buildings/{tower.pk}").content.decode()
    assert f'<option value="{lobby.pk}">Lobby</option>' not in page
    assert f'<option value="{office.pk}">204</option>' in page
    forged = {"organisation": second.pk, "premises": lobby.pk, "start": "2026-05-01"}
    answer = boss_client.post(path, formset_post("leases", [lease_row(lease), forged]))
    assert answer.status_code == 400 and Lease.objects.count() == 1

    ends_early = lease_row(lease, end="2025-12-31")
    answer = boss_client.post(path, formset_post("leases", [ends_early]))
    assert answer.status_code == 400
    lease.refresh_from_db()
    assert lease.end is None

    # Shortened, the first lease leaves room for the second.
    shortened = lease_row(lease, end="2026-04-30")
    answer = boss_client.post(path, formset_post("leases", [shortened, overlapping]))
    assert answer.status_code == 302
    assert Lease.objects.filter(organisation=second, start=datetime.date(2026, 5, 1)).exists()


def test_a_lease_of_another_building_cannot_be_posted(boss_client, tower):
    elsewhere = PremisesFactory(unit="9")
    row = {
        "organisation": OrganisationFactory().pk,
        "premises": elsewhere.pk,
        "start": "2026-01-01",
    }
    answer = boss_client.post(
        f"/company/buildings/{tower.pk}/leases", formset_post("leases", [row])
    )
    assert answer.status_code == 400
    assert not Lease.objects.exists()


def test_managers_are_assigned_to_a_building(boss_client, tower, anna, customer):
    path = f"/company/buildings/{tower.pk}/managers"
    assert boss_client.post(path, {"managers": [anna.pk]}).status_code == 302
    assert list(tower.managers.all()) == [anna]
    page = boss_client.get(f"/company/buildings/{tower.pk}").content.decode()
    assert f'value="{anna.pk}"' in page and "checked" in page
    # A customer is no manager: refused, and the assignment stays.
    answer = boss_client.post(path, {"managers": [customer.pk]})
    assert answer.status_code == 400
    assert list(tower.managers.all()) == [anna]
    assert boss_client.post(path, {}).status_code == 302
    assert not tower.managers.exists()


def test_a_deactivated_manager_is_not_offered(boss_client, tower):
    ManagerFactory(first_name="Gone", is_active=False)
    page = boss_client.get(f"/company/buildings/{tower.pk}").content.decode()
    assert "Gone" not in page


def test_the_company_nav_links_the_buildings(boss_client):
    body = boss_client.get("/company/team").content.decode()
    assert 'href="/company/buildings"' in body


def test_no_page_answers_with_a_stack_trace_for_nonsense(boss_client, tower):
    answer = boss_client.post(
        f"/company/buildings/{tower.pk}/premises", {"premises-TOTAL_FORMS": "x"}
    )
    assert answer.status_code == 400
