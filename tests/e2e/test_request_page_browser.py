"""The request's page around the chat (issue 23) in Chromium: the header and details stay
live for both sides (two browsers: a manager uses the header's menus by keyboard, the
customer's page follows without a reload, rating form included, and the customer's star
rating reaches the manager), the menus without JavaScript, the details sheet on a phone.
Each failed on the page before issue 23 (stale panels, no menus, a select for rating)."""

import pytest
from playwright.sync_api import expect

from tenantdesk.service_requests.models import Rating, ServiceRequest
from tests.e2e.accessibility import assert_accessible
from tests.e2e.test_shell_browser import axe_in_both_themes
from tests.factories import CustomerFactory, ManagerFactory, OrganisationFactory
from tests.unit.chat.helpers import make_service_request, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def open_as(new_context, base, user, *, lang="en", viewport=None, **kwargs):
    context = new_context(
        locale="ru-RU" if lang == "ru" else "en-GB",
        viewport=viewport or {"width": 1366, "height": 768},
        **kwargs,
    )
    context.add_cookies(
        [{"name": "sessionid", "value": session_cookie(user), "url": base, "httpOnly": True}]
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    return page


@pytest.fixture
def people():
    organisation = OrganisationFactory(name="Rosa Dental LLC")
    customer = CustomerFactory(organisation=organisation, first_name="Rosa", last_name="Klein")
    manager = ManagerFactory(first_name="Anna", last_name="Ivanova")
    service_request = make_service_request(customer, title="Leaking pipe in office 101")
    return customer, manager, service_request


def choose(page, menu: str, item: str):
    """Open a header menu from the keyboard and pick the item (arrows, then Enter)."""
    button = page.get_by_test_id(f"{menu}-menu-button")
    button.focus()
    page.keyboard.press("ArrowDown")  # opens it, focus on the current choice
    for _ in range(10):
        if page.evaluate(
            "(sel) => document.activeElement && document.activeElement.matches(sel)", item
        ):
            break
        page.keyboard.press("ArrowDown")
    expect(page.locator(item)).to_be_focused()
    page.keyboard.press("Enter")


def test_the_header_and_details_are_live_on_both_sides(
    asgi_server, new_context, screenshot, people
):
    customer, manager, sr = people
    base = asgi_server.url
    # The customer's system is light, the manager's dark; axe checks both pages in both.
    cust = open_as(new_context, base, customer, color_scheme="light")
    mgr = open_as(new_context, base, manager, color_scheme="dark")
    for page in (cust, mgr):
        page.goto(f"{base}/request/{sr.pk}")
        page.wait_for_selector("[data-chat-connection][data-state=online]")
    # A customer has no menus; the status is a chip.
    expect(cust.get_by_test_id("status-actions")).to_have_count(0)
    expect(cust.get_by_test_id("request-status")).to_contain_text("Pending")

    # Assign to me, by keyboard: both pages' details follow.
    choose(mgr, "assignee", "[data-testid=take]")
    expect(mgr.get_by_test_id("header-assignee")).to_have_text("Anna Ivanova")
    expect(mgr.get_by_test_id("assignee-menu-button")).to_be_focused()  # focus kept
    expect(cust.get_by_test_id("request-assignee")).to_have_text("Anna Ivanova")

    choose(mgr, "priority", "[data-priority-choice=urgent]")
    expect(mgr.locator("[data-testid=header-priority] [data-priority=urgent]")).to_be_visible()
    expect(cust.locator("[data-testid=request-priority] [data-priority=urgent]")).to_be_visible()

    choose(mgr, "status", "[data-status-action=in_progress]")
    expect(cust.locator("#request-header")).to_have_attribute("data-status", "in_progress")
    expect(mgr.locator("[data-status-action=closed]")).to_be_attached()
    screenshot(mgr, "request-page-manager-dark")
    axe_in_both_themes(mgr)
    axe_in_both_themes(cust)

    # Close (the confirmation), and the customer's rating form appears without a reload.
    choose(mgr, "status", "[data-status-action=closed]")
    mgr.get_by_test_id("close-dialog-confirm").click()
    expect(mgr.get_by_test_id("status-closed-note")).to_be_visible()
    expect(cust.get_by_test_id("rating-form")).to_be_visible()
    assert ServiceRequest.objects.get(pk=sr.pk).status == ServiceRequest.Status.CLOSED

    # The stars by keyboard: arrows move the choice, each star has its name.
    stars = cust.locator(".td-star-input")
    stars.first.focus()
    cust.keyboard.press("ArrowRight")
    cust.keyboard.press("ArrowRight")
    expect(stars.nth(2)).to_be_checked()
    expect(stars.nth(2)).to_have_accessible_name("3 of 5 stars")
    screenshot(cust, "request-page-customer-rating-dark")  # axe_in_both_themes ended dark
    axe_in_both_themes(cust)
    cust.get_by_test_id("rating-form").locator("button[type=submit]").click()
    expect(cust.get_by_test_id("rating")).to_contain_text("Rated 3 out of 5")
    assert Rating.objects.get(service_request=sr).score == 3
    expect(mgr.get_by_test_id("rating")).to_contain_text("Rated 3 out of 5")  # live
    assert cust.errors == [] and mgr.errors == []


def test_the_menus_work_without_javascript(asgi_server, new_context, people):
    customer, manager, sr = people
    base = asgi_server.url
    page = open_as(new_context, base, manager, java_script_enabled=False)
    page.goto(f"{base}/request/{sr.pk}")
    page.get_by_test_id("assignee-menu-button").click()
    page.get_by_test_id("take").click()
    expect(page.get_by_test_id("header-assignee")).to_have_text("Anna Ivanova")
    page.get_by_test_id("priority-menu-button").click()
    page.locator("[data-priority-choice=high]").click()
    expect(page.locator("[data-testid=header-priority] [data-priority=high]")).to_be_visible()
    sr.refresh_from_db()
    assert (sr.assignee_id, sr.priority) == (manager.pk, "high")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_details_sheet_on_a_phone(asgi_server, new_context, screenshot, people, lang):
    customer, manager, sr = people
    base = asgi_server.url
    for who in (customer, manager):
        page = open_as(new_context, base, who, lang=lang, viewport=PHONE)
        page.goto(f"{base}/request/{sr.pk}")
        details = page.get_by_test_id("request-description")
        expect(details).to_be_hidden()  # the chat owns the phone's screen
        toggle = page.get_by_test_id("request-details-toggle")
        toggle.click()
        sheet = page.get_by_test_id("request-details-sheet")
        expect(sheet).to_be_visible()
        expect(details).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert_accessible(page)
        screenshot(page, f"request-page-sheet-{lang}-{who.username}")
        page.keyboard.press("Escape")
        expect(sheet).to_be_hidden()
        expect(toggle).to_be_focused()  # focus returns to the button
        # No label of the header wraps: each button is one line high.
        for button in page.locator(".rq-header summary, .rq-header button:visible").all():
            box = button.bounding_box()
            assert box["height"] < 44, button.inner_text()
        assert page.errors == []
