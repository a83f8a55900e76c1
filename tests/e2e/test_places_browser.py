"""A company admin's walkthrough of the buildings (issue 22), as a new user would do it:
import two buildings from a CSV (preview, then import), assign a manager to one, open a
QR sheet of a premises and find the code drawn. Every page passes axe."""

import pytest
from playwright.sync_api import expect

from tenantdesk.places.models import Building, Premises
from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, ManagerFactory, OrganisationFactory

pytestmark = pytest.mark.django_db(transaction=True)

CSV = """building,address,time_zone,unit,floor,kind,organisation,lease_start,lease_end
North Tower,1 Lenina Street,Europe/Moscow,204,2,office,Rainbow Ltd,2026-01-01,
North Tower,1 Lenina Street,Europe/Moscow,Lift 1,1,common_area,,,
South House,5 Mira Avenue,Asia/Yekaterinburg,P-1,-1,parking,,,
"""


def submit(page, form):
    with page.expect_navigation() as navigation:
        page.click(f"{form} button[type=submit]")
    return navigation.value.status


def test_a_company_admin_imports_buildings_assigns_a_manager_and_prints_a_qr_sheet(
    asgi_server, new_context, tmp_path, screenshot
):
    base = asgi_server.url
    boss = ManagerFactory(company_admin=True, first_name="Irina", last_name="Belova")
    ManagerFactory(first_name="Anna", last_name="Ivanova")
    OrganisationFactory(name="Rainbow Ltd")
    csv_file = tmp_path / "buildings.csv"
    csv_file.write_text(CSV)

    page = new_context(locale="en-GB").new_page()
    sign_in(page, base, boss.username, PASSWORD)
    page.wait_for_url(base + "/request/list")
    page.get_by_test_id("nav-buildings").click()
    page.wait_for_url(base + "/company/buildings")
    expect(page.get_by_test_id("buildings")).to_contain_text("No buildings yet.")
    assert_accessible(page)

    page.get_by_test_id("import-link").click()
    page.wait_for_url(base + "/company/buildings/import")
    assert_accessible(page)
    page.set_input_files("#id_file", str(csv_file))
    assert submit(page, "[data-testid=import-form]") == 200
    expect(page.get_by_test_id("import-summary")).to_contain_text(
        "To be created: 2 buildings, 3 premises, 1 leases."
    )
    assert_accessible(page)
    screenshot(page, "places-import-preview-en")
    assert not Building.objects.exists()  # the preview stored nothing

    assert submit(page, "[data-testid=import-apply]") == 200
    page.wait_for_url(base + "/company/buildings")
    expect(page.locator(".alert-success")).to_contain_text(
        "Imported: 2 buildings, 3 premises, 1 leases."
    )
    expect(page.get_by_test_id("buildings")).to_contain_text("North Tower")
    expect(page.get_by_test_id("buildings")).to_contain_text("South House")

    page.get_by_role("link", name="North Tower").click()
    page.wait_for_url(f"{base}/company/buildings/{Building.objects.get(name='North Tower').pk}")
    assert_accessible(page)
    page.get_by_label("Anna Ivanova").check()
    assert submit(page, "[data-testid=managers-form]") == 200
    expect(page.locator(".alert-success")).to_contain_text("Managers of North Tower saved.")
    expect(page.get_by_label("Anna Ivanova")).to_be_checked()
    screenshot(page, "places-building-en")
    page.goto(base + "/company/buildings")
    expect(page.locator("[data-testid=buildings] tr", has_text="North Tower")).to_contain_text(
        "Anna Ivanova"
    )

    office = Premises.objects.get(unit="204")
    page.goto(f"{base}/company/buildings/{office.building_id}")
    page.locator(f"[data-premises='{office.pk}'] a", has_text="Print").click()
    page.wait_for_url(f"{base}/company/premises/{office.pk}/qr")
    sheet = page.get_by_test_id("qr-sheet")
    expect(sheet.locator("svg.qr-code")).to_be_visible()
    expect(sheet.get_by_test_id("qr-url")).to_contain_text(f"/request/new?place={office.qr_token}")
    assert_accessible(page)
    screenshot(page, "places-qr-sheet-en")
    # The A6 sheet is the same code on smaller paper.
    page.get_by_test_id("size-a6").click()
    page.wait_for_url(f"{base}/company/premises/{office.pk}/qr?size=a6")
    expect(page.locator("svg.qr-code")).to_be_visible()
