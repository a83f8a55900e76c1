"""A request's location in Chromium (issue 22): a signed-out member opens a printed QR code's
address, signs in, lands on the form with the place chosen, reports; a manager moves the
request to another place from its page and the member's open chat shows the line live."""

import re

import pytest
from playwright.sync_api import expect

from tenantdesk.places.models import Premises
from tenantdesk.service_requests.models import ServiceRequest
from tests.factories import (
    PASSWORD,
    BuildingFactory,
    CustomerFactory,
    LeaseFactory,
    ManagerFactory,
    PremisesFactory,
)
from tests.unit.chat.helpers import session_cookie
from tests.unit.service_requests.helpers import noise_jpeg

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_member_reports_from_a_qr_code_and_a_manager_moves_the_request(
    asgi_server, new_context, screenshot, tmp_path
):
    base = asgi_server.url
    tower = BuildingFactory(name="Building A")
    office = PremisesFactory(building=tower, unit="204")
    lift = PremisesFactory(building=tower, unit="Lift", kind=Premises.Kind.COMMON_AREA)
    member = CustomerFactory(username="rosa")
    LeaseFactory(organisation=member.organisation, premises=office)
    manager = ManagerFactory()
    photo = tmp_path / "lift.jpg"
    photo.write_bytes(noise_jpeg())

    page = new_context().new_page()
    page.goto(f"{base}/request/new?place={lift.qr_token}")
    page.wait_for_url(re.compile(r"/accounts/login\?next="))
    page.fill("#id_username", "rosa")
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    # Back on the form, the place still in the address.
    page.wait_for_url(f"{base}/request/new?place={lift.qr_token}")
    expect(page.get_by_test_id("qr-place")).to_contain_text("Reporting for: Building A, Lift")
    expect(page.locator("#id_location")).to_have_value(str(lift.pk))
    page.locator("label.type-card[data-type=electrical]").click()
    page.fill("#id_title", "The lift is stuck on floor 3")
    page.fill("#id_description", "The doors do not open.")
    page.set_input_files("#id_photo", str(photo))
    screenshot(page, "location-qr-form")
    page.click("form[data-testid=request-form] button[type=submit]")
    page.wait_for_url(re.compile(r"/request/\d+$"))
    created = ServiceRequest.objects.get()
    assert created.location == lift
    expect(page.get_by_test_id("request-location")).to_have_text("Building A · Common area: Lift")
    page.wait_for_selector("[data-chat-connection][data-state=online]")

    staff = new_context()
    staff.add_cookies(
        [{"name": "sessionid", "value": session_cookie(manager), "url": base, "httpOnly": True}]
    )
    desk = staff.new_page()
    desk.goto(f"{base}/request/{created.pk}")
    desk.get_by_test_id("set-location").click()
    desk.select_option("#id_location", str(office.pk))
    desk.click("form[data-testid=location-form] button[type=submit]")
    desk.wait_for_url(f"{base}/request/{created.pk}")
    expect(desk.get_by_test_id("request-location")).to_have_text("Building A · 204")
    # The member's open chat hears it without a reload.
    expect(page.locator("[data-chat-messages]")).to_contain_text("Location: Building A, 204")
    screenshot(page, "location-chat-line")
