"""The closure loop in a real browser: a manager closes through the confirmation dialog
(Cancel and Escape keep it open), the customer rates it, finds it under Closed, reopens it
with a reason and the manager's open page gets the system message live; a request made with
three photos shows them all. Screenshots in English and Russian, desktop and 390 px."""

import pytest
from playwright.sync_api import expect

from tenantdesk.service_requests.models import Rating, RequestEvent, RequestPhoto, ServiceRequest
from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, CustomerFactory, ManagerFactory, OrganisationFactory
from tests.unit.service_requests.helpers import create_request, noise_jpeg

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
TEXTS = {
    "en": {
        "locale": "en-GB",
        "dialog": "Close request #{pk} “Leak under the sink”?",
        "rated": "Rated 4 out of 5",
        "reopened": "Anna Ivanova reopened the request: Still dripping",
        "closed_tab": "Closed",
    },
    "ru": {
        "locale": "ru-RU",
        "dialog": "Закрыть заявку №{pk} «Leak under the sink»?",
        "rated": "Оценка: 4 из 5",
        "reopened": "Заявка открыта снова (Anna Ivanova): Still dripping",
        "closed_tab": "Закрытые",
    },
}


def _no_horizontal_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def _status(sr):
    return ServiceRequest.objects.get(pk=sr.pk).status


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_close_rate_find_and_reopen(asgi_server, new_context, screenshot, lang):
    texts = TEXTS[lang]
    base = asgi_server.url
    organisation = OrganisationFactory(name="Horns & Hooves")
    customer = CustomerFactory(organisation=organisation, first_name="Anna", last_name="Ivanova")
    manager = ManagerFactory(first_name="Oleg", last_name="Petrov")
    sr = create_request(customer, title="Leak under the sink")
    detail = f"{base}/request/{sr.pk}"

    # --- the manager closes, after the dialog ---------------------------------------------
    mgr = new_context(locale=texts["locale"]).new_page()
    sign_in(mgr, base, manager.username, PASSWORD)
    mgr.wait_for_url(f"{base}/request/list")
    mgr.goto(detail)
    dialog = mgr.get_by_test_id("close-dialog")
    close_button = mgr.locator("[data-status-action=closed]")

    mgr.get_by_test_id("status-menu-button").click()  # the header's status menu (issue 23)
    close_button.click()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(texts["dialog"].format(pk=sr.pk))
    expect(mgr.get_by_test_id("close-dialog-cancel")).to_be_focused()  # the safe choice first
    screenshot(mgr, f"closure-close-dialog-{lang}")
    assert_accessible(mgr)
    mgr.get_by_test_id("close-dialog-cancel").click()
    expect(dialog).to_be_hidden()
    expect(close_button).to_be_focused()  # focus goes back where it was
    mgr.keyboard.press("Enter")  # the keyboard opens it again …
    expect(dialog).to_be_visible()
    mgr.keyboard.press("Escape")  # … and Escape cancels
    expect(dialog).to_be_hidden()
    assert _status(sr) == ServiceRequest.Status.PENDING

    close_button.click()
    mgr.get_by_test_id("close-dialog-confirm").click()
    expect(mgr.get_by_test_id("status-closed-note")).to_be_visible()
    assert _status(sr) == ServiceRequest.Status.CLOSED
    expect(mgr.get_by_test_id("rating-none")).to_be_visible()

    # --- the customer: the closed request with its rating form, desktop and phone ---------------
    cust_context = new_context(locale=texts["locale"])
    cust = cust_context.new_page()
    sign_in(cust, base, customer.username, PASSWORD)
    cust.wait_for_url(f"{base}/request/new")
    cust.goto(detail)
    expect(cust.get_by_test_id("rating-form")).to_be_visible()
    expect(cust.get_by_test_id("reopen")).to_be_visible()
    expect(cust.locator("[data-chat-composer]")).to_be_hidden()
    expect(cust.locator("[data-chat-notice]")).to_be_visible()
    screenshot(cust, f"closure-closed-request-{lang}")
    assert_accessible(cust)
    phone = new_context(
        locale=texts["locale"], viewport=PHONE, storage_state=cust_context.storage_state()
    ).new_page()
    phone.goto(detail)
    expect(phone.get_by_test_id("rating-form")).to_be_hidden()  # in the details sheet
    phone.get_by_test_id("rate-open").click()
    expect(phone.get_by_test_id("rating-form")).to_be_visible()
    expect(phone.locator(".td-star-input").first).to_be_focused()
    _no_horizontal_scroll(phone)
    screenshot(phone, f"closure-closed-request-{lang}-phone")

    # --- the rating, from the keyboard-usable radio buttons ---------------------------------
    cust.locator("label.td-star").nth(3).click()
    cust.fill("#id_rating-comment", "Quick and tidy")
    cust.get_by_test_id("rating-form").locator("button[type=submit]").click()
    expect(cust.get_by_test_id("rating")).to_contain_text(texts["rated"])
    screenshot(cust, f"closure-rated-{lang}")
    assert Rating.objects.get(service_request=sr).score == 4
    # The manager's open page shows it live (a request.changed frame; issue 23).
    expect(mgr.get_by_test_id("rating")).to_contain_text(texts["rated"])
    expect(mgr.get_by_test_id("rating-comment")).to_have_text("Quick and tidy")

    # --- the Closed tab -------------------------------------------------------------------------
    cust.goto(f"{base}/request/list")
    expect(cust.get_by_test_id("tab-closed")).to_contain_text(texts["closed_tab"])
    cust.get_by_test_id("tab-closed").click()
    cust.wait_for_url(f"{base}/request/list?tab=closed")
    expect(cust.locator(f"[data-testid=request-row][data-request-id='{sr.pk}']")).to_be_visible()
    screenshot(cust, f"closure-closed-tab-{lang}")
    assert_accessible(cust)
    phone.goto(f"{base}/request/list?tab=closed")
    expect(phone.get_by_test_id("request-row")).to_have_count(1)
    _no_horizontal_scroll(phone)
    screenshot(phone, f"closure-closed-tab-{lang}-phone")

    # --- reopening: the manager's open page hears of it live ------------------------------------
    mgr.wait_for_selector("[data-chat-connection][data-state=online]")
    cust.goto(detail)
    cust.get_by_test_id("reopen").locator("summary").click()
    cust.fill("#id_reopen-reason", "Still dripping")
    cust.get_by_test_id("reopen-form").locator("button[type=submit]").click()
    cust.wait_for_url(detail)
    expect(cust.locator("[data-chat-messages]")).to_contain_text(texts["reopened"])
    expect(cust.locator("[data-chat-composer]")).to_be_visible()  # the chat is open again
    expect(mgr.locator("[data-chat-messages]")).to_contain_text(texts["reopened"])
    # … and its header and details follow, without a reload (issue 23).
    expect(mgr.locator("#request-header")).to_have_attribute("data-status", "pending")
    expect(mgr.get_by_test_id("status-actions")).to_be_visible()
    expect(mgr.get_by_test_id("closure")).to_have_count(0)
    # … and so does its chat: the composer is back and sends (it stayed read-only before).
    expect(mgr.locator("[data-chat-notice]")).to_be_hidden()
    mgr.locator("[data-chat-text]").fill("Coming back today")
    mgr.locator("[data-chat-send]").click()
    expect(cust.locator("[data-chat-messages]")).to_contain_text("Coming back today")
    change = RequestEvent.objects.filter(service_request=sr, kind="status").latest("id")
    step = change.payload
    assert (step.to_status, step.reason) == (ServiceRequest.Status.PENDING, "Still dripping")
    assert _status(sr) == ServiceRequest.Status.PENDING


def test_a_request_with_three_photos_shows_them_all(asgi_server, new_context, tmp_path, screenshot):
    base = asgi_server.url
    customer = CustomerFactory()
    files = []
    for number in range(3):
        path = tmp_path / f"photo-{number}.jpg"
        path.write_bytes(noise_jpeg(800, 600))
        files.append(str(path))

    page = new_context().new_page()
    sign_in(page, base, customer.username, PASSWORD)
    page.wait_for_url(f"{base}/request/new")
    page.locator("label.type-card[data-type=plumbing]").click()
    page.fill("#id_title", "Cracked tiles")
    page.fill("#id_description", "Three tiles cracked near the door.")
    page.fill("#id_office", "12")
    page.set_input_files("#id_photo", files)
    page.click("form[data-testid=request-form] button[type=submit]")
    page.wait_for_url(f"{base}/request/*")
    sr = ServiceRequest.objects.get()
    assert RequestPhoto.objects.filter(service_request=sr).count() == 2
    expect(page.get_by_test_id("request-photo-thumb")).to_be_visible()
    for position in (2, 3):
        thumb = page.get_by_test_id(f"request-photo-thumb-{position}")
        expect(thumb).to_be_visible()
        assert thumb.evaluate("img => img.complete && img.naturalWidth > 0")
    screenshot(page, "closure-three-photos-page")
    page.get_by_test_id("request-photo-thumb-3").click()
    full = page.get_by_test_id("request-photo-full-3")
    expect(full).to_be_visible()
    page.wait_for_function(
        "() => document.querySelector('[data-testid=request-photo-full-3]').naturalWidth > 0"
    )
    screenshot(page, "closure-three-photos")


def test_without_javascript_the_close_button_still_closes(asgi_server, new_context):
    # Progressive enhancement: the dialog is the script's; the form itself posts.
    base = asgi_server.url
    customer = CustomerFactory()
    manager = ManagerFactory()
    sr = create_request(customer, title="Leak under the sink")
    signing_in = new_context()
    first = signing_in.new_page()
    sign_in(first, base, manager.username, PASSWORD)
    first.wait_for_url(f"{base}/request/list")
    # The same session in a browser without scripts (the sign-in page's first button
    # without them is the language switch's <noscript> one).
    page = new_context(
        java_script_enabled=False, storage_state=signing_in.storage_state()
    ).new_page()
    page.goto(f"{base}/request/{sr.pk}")
    expect(page.get_by_test_id("close-dialog")).to_be_hidden()
    page.get_by_test_id("status-menu-button").click()  # a <details>: opens without scripts
    page.locator("[data-status-action=closed]").click()
    expect(page.get_by_test_id("status-closed-note")).to_be_visible()
    assert _status(sr) == ServiceRequest.Status.CLOSED
