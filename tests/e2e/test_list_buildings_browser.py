"""The lists and buildings in Chromium (issue 22): a manager who looks after a building finds
its unassigned request under "My buildings", narrows the list to a building with the menu (the
choice kept when changing tab), and a member narrows theirs; in Russian too."""

import pytest

from tenantdesk.service_requests.models import ServiceRequest
from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_workspace_browser import open_as
from tests.factories import (
    BuildingFactory,
    CustomerFactory,
    ManagerFactory,
    OrganisationFactory,
    PremisesFactory,
)
from tests.unit.service_requests.helpers import bulk_requests

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def places():
    organisation = OrganisationFactory(name="Rosa Dental LLC")
    customer = CustomerFactory(organisation=organisation, username="rosa")
    manager = ManagerFactory(username="ivanova", first_name="Anna", last_name="Ivanova")
    riverside = BuildingFactory(name="Riverside Tower")
    riverside.managers.add(manager)
    office = PremisesFactory(building=riverside, unit="204")
    lift = PremisesFactory(building=BuildingFactory(name="Park House"), unit="Lift")
    ours, theirs = bulk_requests(organisation, customer, 2)
    ServiceRequest.objects.filter(pk=ours.pk).update(title="Dripping tap", location=office)
    ServiceRequest.objects.filter(pk=theirs.pk).update(title="Lift stuck", location=lift)
    return customer, manager, ours, theirs


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_my_buildings_and_the_building_menu(asgi_server, new_context, places, lang):
    customer, manager, ours, theirs = places
    base = asgi_server.url
    page = open_as(new_context, base, manager, lang=lang)
    page.goto(f"{base}/request/list")
    tab = page.locator("[data-tab=my_buildings]")
    assert tab.inner_text().split()[-1] == "1"
    assert ("Мои здания" if lang == "ru" else "My buildings") in tab.inner_text()
    tab.click()
    page.wait_for_url("**tab=my_buildings**")
    rows = page.locator("[data-testid=request-row]")
    assert rows.count() == 1 and "Riverside Tower · 204" in rows.first.inner_text()
    page.goto(f"{base}/request/list")
    page.select_option("#id_building", label="Park House")
    page.locator("[data-testid=list-filters] button.list-filters-apply").click()
    page.wait_for_url("**building=**")
    assert page.locator("[data-testid=request-row]").count() == 1
    assert "Park House · Lift" in page.locator("[data-testid=request-row]").first.inner_text()
    # Another tab keeps the building.
    page.locator("[data-tab=closed]").click()
    page.wait_for_url("**tab=closed**")
    assert "building=" in page.url
    assert_accessible(page)
    assert not page.errors

    member = open_as(new_context, base, customer, lang=lang)
    member.goto(f"{base}/request/list")
    member.select_option("#building-filter", label="Riverside Tower")
    member.locator("[data-testid=building-filter] button[type=submit]").click()
    member.wait_for_url("**building=**")
    member_rows = member.locator("[data-testid=request-row]")
    assert member_rows.count() == 1 and "Dripping tap" in member_rows.first.inner_text()
    assert_accessible(member)
    assert not member.errors
