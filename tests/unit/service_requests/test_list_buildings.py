"""/request/list and buildings (issue 22): rows show where a request is, both lists filter by
building (kept in the URL), search finds a building's name and a unit, and the managers'
"My buildings" tab lists the unassigned requests of the buildings they look after — all
without a query more than before."""

from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenantdesk.accounts.roles import is_manager
from tenantdesk.service_requests import queues
from tenantdesk.service_requests.models import ServiceRequest
from tests.factories import (
    BuildingFactory,
    CustomerFactory,
    LeaseFactory,
    ManagerFactory,
    PremisesFactory,
)
from tests.unit.service_requests.helpers import bulk_requests

pytestmark = pytest.mark.django_db

URL = "/request/list"


def row_ids(response) -> list[int]:
    return [sr.pk for sr in response.context["service_requests"]]


def tab_counts(response) -> dict[str, int]:
    return {tab["name"]: tab["count"] for tab in response.context["tabs"]}


def located(organisation, author, premises, **fields) -> ServiceRequest:
    [sr] = bulk_requests(organisation, author, 1, **fields)
    ServiceRequest.objects.filter(pk=sr.pk).update(location=premises)
    return ServiceRequest.objects.get(pk=sr.pk)


@pytest.fixture
def places(organisation, other_customer, manager):
    """Two buildings: Riverside Tower (the manager looks after it), Park House (nobody)."""
    riverside = BuildingFactory(name="Riverside Tower")
    park = BuildingFactory(name="Park House")
    riverside.managers.add(manager)
    office = PremisesFactory(building=riverside, unit="204")
    lobby = PremisesFactory(building=riverside, unit="Lobby", kind="common_area")
    storage = PremisesFactory(building=park, unit="S-7", kind="storage")
    LeaseFactory(organisation=organisation, premises=office)
    LeaseFactory(organisation=other_customer.organisation, premises=storage)
    return {
        "riverside": riverside,
        "park": park,
        "office": office,
        "lobby": lobby,
        "storage": storage,
    }


@pytest.fixture
def world(places, customer, organisation, other_customer, manager):
    other_org = other_customer.organisation
    return {
        "office": located(organisation, customer, places["office"], title="Dripping tap"),
        "lobby": located(organisation, customer, places["lobby"], title="Lobby door"),
        "taken": located(organisation, customer, places["lobby"], title="Taken one"),
        "closed": located(organisation, customer, places["office"], status="closed"),
        "storage": located(other_org, other_customer, places["storage"], title="Shelf fell"),
        "nowhere": bulk_requests(organisation, customer, 1, title="Old one", office="12B")[0],
    }


def _take(sr, manager):
    ServiceRequest.objects.filter(pk=sr.pk).update(assignee=manager)


def test_rows_show_the_location_or_else_the_office_note(client, manager, customer, world):
    client.force_login(manager)
    html = client.get(URL).content.decode()
    assert "Riverside Tower · 204" in html and "Park House · S-7" in html
    assert "office 12B" in html  # the note of a request from before the buildings
    client.force_login(customer)
    html = client.get(URL).content.decode()
    assert "Riverside Tower · 204" in html and "Riverside Tower · Lobby" in html
    assert "office 12B" in html


def test_the_location_is_escaped(client, manager, customer, organisation):
    premises = PremisesFactory(building=BuildingFactory(name="<b>Tower</b> & Co"), unit="<i>")
    located(organisation, customer, premises)
    for user in (manager, customer):
        client.force_login(user)
        html = client.get(URL).content.decode()
        assert "&lt;b&gt;Tower&lt;/b&gt; &amp; Co · &lt;i&gt;" in html and "<b>Tower" not in html


def test_managers_filter_by_any_building_and_the_filter_stays_in_the_links(
    client, manager, world, places
):
    client.force_login(manager)
    response = client.get(URL, {"building": places["riverside"].pk})
    assert set(row_ids(response)) == {world[n].pk for n in ("office", "lobby", "taken")}
    assert tab_counts(response)["active"] == 3 and tab_counts(response)["closed"] == 1
    for tab in response.context["tabs"]:
        query = parse_qs(urlparse(tab["url"]).query)
        assert query == {"tab": [tab["name"]], "building": [str(places["riverside"].pk)]}
    html = response.content.decode()
    # The menu lists every building, by name; the chosen one selected.
    assert html.index(">Park House</option>") < html.index(">Riverside Tower</option>")
    assert f'<option value="{places["riverside"].pk}" selected>Riverside Tower</option>' in html
    response = client.get(URL, {"building": places["park"].pk})
    assert row_ids(response) == [world["storage"].pk]
    # A building that does not exist, or junk: the filter falls back to every building.
    for junk in ("999999", "abc", "1" * 30):
        response = client.get(URL, {"building": junk})
        assert response.status_code == 200 and len(row_ids(response)) == 5


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("riverside", {"office", "lobby", "taken"}),  # the building's name, any case
        ("PARK HOUSE", {"storage"}),
        ("s-7", {"storage"}),  # a unit
        ("lobby", {"lobby", "taken"}),  # a common area's name (and a title)
        ("12b", {"nowhere"}),  # the office note still counts
    ],
)
def test_search_finds_building_names_and_units(client, manager, world, q, expected):
    client.force_login(manager)
    response = client.get(URL, {"q": q})
    assert set(row_ids(response)) == {world[name].pk for name in expected}


def test_my_buildings_lists_the_unassigned_active_requests_of_my_buildings(client, manager, world):
    _take(world["taken"], ManagerFactory())
    client.force_login(manager)
    response = client.get(URL, {"tab": "my_buildings"})
    # Not the assigned one, not the closed one, not Park House's, not the unplaced one.
    assert set(row_ids(response)) == {world["office"].pk, world["lobby"].pk}
    counts = tab_counts(response)
    assert counts["my_buildings"] == 2 and counts["unassigned"] == 4 and counts["active"] == 5
    names = [tab["name"] for tab in response.context["tabs"]]
    assert names == ["mine", "my_buildings", "unassigned", "active", "overdue", "closed"]
    assert 'data-tab="my_buildings"' in response.content.decode()
    # "Mine" stays what is assigned to me.
    _take(world["office"], manager)
    response = client.get(URL, {"tab": "mine"})
    assert row_ids(response) == [world["office"].pk]
    assert tab_counts(response)["my_buildings"] == 1


def test_my_buildings_is_no_tab_for_a_manager_without_buildings(client, world):
    other = ManagerFactory()
    client.force_login(other)
    response = client.get(URL)
    assert "my_buildings" not in [tab["name"] for tab in response.context["tabs"]]
    assert 'data-tab="my_buildings"' not in response.content.decode()
    # An old link to it still answers, empty, with the tab shown as the current one.
    response = client.get(URL, {"tab": "my_buildings"})
    assert response.status_code == 200 and row_ids(response) == []
    assert "Every active request in your buildings has an assignee." in response.content.decode()


def test_the_counts_with_my_buildings_are_still_two_queries(
    manager, world, django_assert_num_queries
):
    is_manager(manager)  # the role is looked up once per request, not per query
    with django_assert_num_queries(2):
        counts = queues.queue_counts(user=manager)
    assert counts["my_buildings"] == 3


def test_a_building_with_two_managers_is_counted_once(client, manager, world, places):
    places["riverside"].managers.add(ManagerFactory(), ManagerFactory())
    counts = queues.queue_counts(user=manager)
    assert counts["my_buildings"] == 3 and counts["active"] == 5 and counts["unassigned"] == 5


def test_customers_filter_by_the_buildings_their_requests_are_in(
    client, customer, organisation, world, places
):
    client.force_login(customer)
    response = client.get(URL)
    assert response.context["buildings"] == [(places["riverside"].pk, "Riverside Tower")]
    # One building (and unplaced requests): no menu, nothing to choose.
    assert 'data-testid="building-filter"' not in response.content.decode()
    located(organisation, customer, places["storage"], title="Our shelf")
    response = client.get(URL)
    html = response.content.decode()
    assert 'data-testid="building-filter"' in html
    assert ">Park House</option>" in html and ">Riverside Tower</option>" in html
    response = client.get(URL, {"building": places["park"].pk})
    assert [sr.title for sr in response.context["service_requests"]] == ["Our shelf"]
    assert response.context["tab_counts"] == {"active": 1, "closed": 0}
    # The tabs' links keep the building.
    response = client.get(URL, {"building": places["riverside"].pk, "tab": "closed"})
    assert row_ids(response) == [world["closed"].pk]
    assert response.context["tab_urls"]["active"].endswith(f"?building={places['riverside'].pk}")


def test_a_customer_cannot_see_another_organisations_building_with_the_filter(
    client, customer, world, places, other_customer
):
    client.force_login(other_customer)
    response = client.get(URL, {"building": places["riverside"].pk})
    # Not one of their buildings: no filter, their own requests only, no foreign name.
    assert row_ids(response) == [world["storage"].pk]
    assert response.context["building_id"] is None
    assert "Riverside Tower" not in response.content.decode()


def _count(client, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["customer", "manager"])
def test_a_building_filter_costs_the_same_queries_with_1_and_20_rows(
    request, client, role, customer, organisation, places, django_assert_num_queries
):
    """A row's location is joined in (no query per row): 8 queries for a customer (the
    announcement banner's among them) and 9 for a manager, as without the filter
    (test_list.py)."""
    client.force_login(request.getfixturevalue(role))
    # Premises of its own per row, so a per-row lookup of the location would show.
    located(organisation, customer, places["office"])
    params = {"building": places["riverside"].pk}
    if role == "customer":
        params["scope"] = "organisation"
        located(organisation, customer, places["storage"])
    one = _count(client, params)
    for n in range(19):
        premises = PremisesFactory(building=places["riverside"], unit=f"9{n:02d}")
        author = CustomerFactory(organisation=organisation)
        located(organisation, author, premises)
    with django_assert_num_queries(one):
        response = client.get(URL, params)
    assert len(row_ids(response)) == 20
    assert one == (8 if role == "customer" else 9)
