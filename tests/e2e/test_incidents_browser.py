"""Incidents in Chromium: a manager groups two organisations' requests about one lift into
an incident (one linked by the manager, one by a member's "Add us to it" on /request/new),
posts one update that appears live in both customers' open chats, and closes the incident,
which closes both requests."""

import pytest
from playwright.sync_api import expect

from tenantdesk.incidents.models import Incident, IncidentLink
from tenantdesk.places.models import Premises
from tenantdesk.service_requests.models import ServiceRequest
from tests.e2e.conftest import sign_in
from tests.factories import (
    PASSWORD,
    BuildingFactory,
    CustomerFactory,
    LeaseFactory,
    ManagerFactory,
    OrganisationFactory,
    PremisesFactory,
    image_bytes,
)
from tests.unit.chat.helpers import make_service_request, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

UPDATE = "The lift technician arrives at 11:00."


@pytest.fixture
def tower():
    building = BuildingFactory(name="North Tower")
    lift = PremisesFactory(building=building, unit="Lift 2", kind=Premises.Kind.COMMON_AREA)
    alice = CustomerFactory(organisation=OrganisationFactory(name="Rosa Dental"), username="alice")
    bob = CustomerFactory(organisation=OrganisationFactory(name="Blue Lawyers"), username="bob")
    for member, unit in ((alice, "204"), (bob, "305")):
        LeaseFactory(
            organisation=member.organisation, premises=PremisesFactory(building=building, unit=unit)
        )
    stuck = make_service_request(
        alice, title="The lift is stuck", type=ServiceRequest.Type.ELECTRICAL, location=lift
    )
    return building, lift, alice, bob, stuck, ManagerFactory(username="ivanova")


def _signed_in_page(new_context, base, user):
    context = new_context()
    context.add_cookies(
        [{"name": "sessionid", "value": session_cookie(user), "url": base, "httpOnly": True}]
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    return page


def _chat_ready(page):
    page.wait_for_selector("[data-chat-connection][data-state=online]")


def test_one_incident_two_organisations_one_update_one_close(
    asgi_server, new_context, tower, tmp_path
):
    building, lift, alice, bob, stuck, manager = tower
    base = asgi_server.url

    # --- the manager opens the incident and links Rosa Dental's request ---------------------
    mgr = new_context().new_page()
    sign_in(mgr, base, manager.username, PASSWORD)
    mgr.wait_for_url(f"{base}/request/list")
    mgr.goto(f"{base}/incidents")
    mgr.get_by_test_id("new-incident").click()
    mgr.fill("#id_title", "Lift out of order")
    mgr.select_option("#id_building", str(building.pk))
    mgr.select_option("#id_type", "electrical")
    mgr.locator("[data-testid=incident-form] button[type=submit]").click()
    expect(mgr.get_by_test_id("incident-title")).to_have_text("Lift out of order")
    incident = Incident.objects.get()
    mgr.fill("#id_number", str(stuck.pk))
    mgr.locator("[data-testid=link-form] button[type=submit]").click()
    expect(mgr.get_by_test_id("incident-requests")).to_contain_text("Rosa Dental")

    # --- Blue Lawyers' member starts a report of the same type and joins with one click ----
    member = _signed_in_page(new_context, base, bob)
    member.goto(f"{base}/request/new")
    issue = member.get_by_test_id("known-issue")
    expect(issue).to_be_hidden()  # nothing picked yet
    member.locator("label.type-card[data-type=plumbing]").click()
    expect(issue).to_be_hidden()  # another type: not this issue
    member.locator("label.type-card[data-type=electrical]").click()
    expect(issue).to_be_visible()
    expect(issue).to_contain_text("Known issue: Lift out of order")
    expect(issue).to_contain_text("1 report")
    member.fill("#id_title", "Lift not working on floor 3")
    member.fill("#id_description", "Nobody can get up with the deliveries.")
    member.fill("#id_office", "305")
    if member.locator("select[name=location]").count():  # the form's place (issue 22)
        member.select_option("select[name=location]", str(lift.pk))
        expect(issue).to_be_visible()  # the lift is in the incident's building
    photo = tmp_path / "lift.jpg"
    photo.write_bytes(image_bytes())
    member.set_input_files("#id_photo", str(photo))
    member.get_by_test_id("join-incident").click()
    member.wait_for_url(f"{base}/request/*")
    joined = ServiceRequest.objects.get(author=bob)
    assert joined.title == "Lift not working on floor 3"
    assert IncidentLink.objects.filter(incident=incident).count() == 2
    _chat_ready(member)
    expect(member.locator(".chat-message").last).to_contain_text("Linked to incident")

    # --- Rosa Dental's member has their chat open too ---------------------------------------
    rosa = _signed_in_page(new_context, base, alice)
    rosa.goto(f"{base}/request/{stuck.pk}")
    _chat_ready(rosa)

    # --- one update, live in both chats ----------------------------------------------------
    mgr.goto(f"{base}/incidents/{incident.pk}")
    expect(mgr.get_by_test_id("incident-requests")).to_contain_text("Blue Lawyers")
    mgr.fill("#id_text", UPDATE)
    mgr.locator("[data-testid=update-form] button[type=submit]").click()
    expect(mgr.get_by_test_id("incident-updates")).to_contain_text(UPDATE)
    for page in (member, rosa):
        expect(page.locator(".chat-message .chat-text").last).to_have_text(UPDATE)

    # --- closing the incident closes both requests, live ------------------------------------
    mgr.get_by_test_id("close-incident").click()
    expect(mgr.get_by_test_id("incident-status")).to_have_text("Closed")
    for page in (member, rosa):
        expect(page.locator("[data-chat-notice]")).to_be_visible()
        expect(page.locator(".chat-message").last).to_contain_text("Closed with incident")
    assert set(ServiceRequest.objects.values_list("status", flat=True)) == {"closed"}
    for page in (member, rosa):
        page.reload()
        expect(page.get_by_test_id("rating-form")).to_be_visible()
        assert page.errors == []
