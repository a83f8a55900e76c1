"""Issue 22's walkthrough, as new users would do it, in one story: a company admin imports
two buildings from a CSV, assigns a manager and prints a QR sheet of a lift; a member scans
it (opens the sheet's address), signs in and reports the broken lift with the place filled
in; the manager opens an incident from that request; a second organisation's member starts
a report of the same type in the same building and joins the incident with one click; the
manager posts one update that appears in both chats live, then closes the incident and
both requests close."""

import re

import pytest
from playwright.sync_api import expect

from tenantdesk.incidents.models import Incident, IncidentLink
from tenantdesk.places.models import Building, Premises
from tenantdesk.service_requests.models import ServiceRequest
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, CustomerFactory, ManagerFactory, OrganisationFactory
from tests.unit.service_requests.helpers import noise_jpeg

pytestmark = pytest.mark.django_db(transaction=True)

CSV = """building,address,time_zone,unit,floor,kind,organisation,lease_start,lease_end
North Tower,1 Lenina Street,Europe/Moscow,204,2,office,Rosa Dental,2026-01-01,
North Tower,1 Lenina Street,Europe/Moscow,305,3,office,Blue Lawyers,2026-01-01,
North Tower,1 Lenina Street,Europe/Moscow,Lift 1,1,common_area,,,
South House,5 Mira Avenue,Asia/Yekaterinburg,P-1,-1,parking,,,
"""
UPDATE = "The lift technician arrives at 11:00."


def submit(page, form):
    with page.expect_navigation() as navigation:
        page.click(f"{form} button[type=submit]")
    return navigation.value.status


def chat_ready(page):
    page.wait_for_selector("[data-chat-connection][data-state=online]")


def test_import_print_scan_report_join_update_and_close(asgi_server, new_context, tmp_path):
    base = asgi_server.url
    boss = ManagerFactory(username="belova", company_admin=True, first_name="Irina")
    anna = ManagerFactory(username="ivanova", first_name="Anna", last_name="Ivanova")
    alice = CustomerFactory(username="alice", organisation=OrganisationFactory(name="Rosa Dental"))
    bob = CustomerFactory(username="bob", organisation=OrganisationFactory(name="Blue Lawyers"))
    csv_file = tmp_path / "buildings.csv"
    csv_file.write_text(CSV)
    photo = tmp_path / "lift.jpg"
    photo.write_bytes(noise_jpeg())

    # --- the company admin imports the buildings, assigns Anna, prints the lift's sheet ----
    admin = new_context(locale="en-GB").new_page()
    sign_in(admin, base, boss.username, PASSWORD)
    admin.wait_for_url(base + "/request/list")
    admin.get_by_test_id("nav-buildings").click()
    admin.get_by_test_id("import-link").click()
    admin.set_input_files("#id_file", str(csv_file))
    assert submit(admin, "[data-testid=import-form]") == 200
    expect(admin.get_by_test_id("import-summary")).to_contain_text(
        "To be created: 2 buildings, 4 premises, 2 leases."
    )
    assert submit(admin, "[data-testid=import-apply]") == 200
    admin.wait_for_url(base + "/company/buildings")
    admin.get_by_role("link", name="North Tower").click()
    admin.get_by_label("Anna Ivanova").check()
    assert submit(admin, "[data-testid=managers-form]") == 200
    expect(admin.get_by_label("Anna Ivanova")).to_be_checked()
    tower = Building.objects.get(name="North Tower")
    assert list(tower.managers.all()) == [anna]
    lift = Premises.objects.get(building=tower, unit="Lift 1")
    admin.locator(f"[data-premises='{lift.pk}'] a", has_text="Print").click()
    sheet = admin.get_by_test_id("qr-sheet")
    expect(sheet.locator("svg.qr-code")).to_be_visible()
    printed = sheet.get_by_test_id("qr-url").inner_text()
    path = re.search(r"/request/new\?place=[A-Za-z0-9_-]+", printed).group(0)

    # --- Rosa Dental's member scans the sheet, signs in and reports with the place filled in
    rosa = new_context(locale="en-GB").new_page()
    rosa.goto(base + path)
    rosa.wait_for_url(re.compile(r"/accounts/login\?next="))
    rosa.fill("#id_username", alice.username)
    rosa.fill("#id_password", PASSWORD)
    rosa.click("form button[type=submit]")
    rosa.wait_for_url(base + path)
    expect(rosa.get_by_test_id("qr-place")).to_contain_text("North Tower, Lift 1")
    expect(rosa.locator("#id_location")).to_have_value(str(lift.pk))
    rosa.locator("label.type-card[data-type=electrical]").click()
    rosa.fill("#id_title", "The lift is stuck")
    rosa.fill("#id_description", "It stopped between floors 2 and 3.")
    rosa.set_input_files("#id_photo", str(photo))
    rosa.click("form[data-testid=request-form] button[type=submit]")
    rosa.wait_for_url(re.compile(r"/request/\d+$"))
    stuck = ServiceRequest.objects.get(author=alice)
    assert stuck.location == lift
    chat_ready(rosa)

    # --- Anna opens an incident from the request's page -------------------------------------
    mgr = new_context(locale="en-GB").new_page()
    sign_in(mgr, base, anna.username, PASSWORD)
    mgr.wait_for_url(base + "/request/list")
    mgr.goto(f"{base}/request/{stuck.pk}")
    mgr.get_by_test_id("new-incident-from-request").click()
    expect(mgr.get_by_test_id("incident-source")).to_contain_text("The lift is stuck")
    mgr.fill("#id_title", "Lift out of order")
    mgr.locator("[data-testid=incident-form] button[type=submit]").click()
    expect(mgr.get_by_test_id("incident-title")).to_have_text("Lift out of order")
    incident = Incident.objects.get()
    assert incident.building == tower
    expect(rosa.locator(".chat-message").last).to_contain_text("Linked to incident")

    # --- Blue Lawyers' member starts a lift report and joins with one click ----------------
    blue = new_context(locale="en-GB").new_page()
    sign_in(blue, base, bob.username, PASSWORD)
    blue.goto(base + "/request/new")
    blue.locator("label.type-card[data-type=electrical]").click()
    blue.select_option("#id_location", str(lift.pk))
    issue = blue.get_by_test_id("known-issue")
    expect(issue).to_be_visible()
    expect(issue).to_contain_text("Known issue: Lift out of order")
    blue.fill("#id_title", "Lift not working")
    blue.fill("#id_description", "Our couriers cannot get up to floor 3.")
    blue.set_input_files("#id_photo", str(photo))
    blue.get_by_test_id("join-incident").click()
    blue.wait_for_url(re.compile(r"/request/\d+$"))
    joined = ServiceRequest.objects.get(author=bob)
    assert (joined.title, joined.location) == ("Lift not working", lift)
    assert IncidentLink.objects.filter(incident=incident).count() == 2
    chat_ready(blue)

    # --- one update, live in both chats; then one close for both ----------------------------
    mgr.goto(f"{base}/incidents/{incident.pk}")
    mgr.fill("#id_text", UPDATE)
    mgr.locator("[data-testid=update-form] button[type=submit]").click()
    expect(mgr.get_by_test_id("incident-updates")).to_contain_text(UPDATE)
    for page in (rosa, blue):
        expect(page.locator(".chat-message .chat-text").last).to_have_text(UPDATE)
    mgr.get_by_test_id("close-incident").click()
    expect(mgr.get_by_test_id("incident-status")).to_have_text("Closed")
    for page in (rosa, blue):
        expect(page.locator(".chat-message").last).to_contain_text("Closed with incident")
    assert set(ServiceRequest.objects.values_list("status", flat=True)) == {"closed"}
