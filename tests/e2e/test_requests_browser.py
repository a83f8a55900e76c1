"""Requests in a real browser: a customer creates one (after a refused text file), a manager
finds it in the list with filters and search. Screenshots in English and Russian, on a
desktop and on a 390 px phone."""

import re

import pytest
from playwright.sync_api import expect

from tenantdesk.service_requests.models import ServiceRequest
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, CustomerFactory, ManagerFactory, OrganisationFactory
from tests.unit.service_requests.helpers import bulk_requests, noise_jpeg

pytestmark = pytest.mark.django_db(transaction=True)

TEXTS = {
    "en": {
        "locale": "en-GB",
        "not_image": "This file is not an image.",
        "heading": "New request",
        "type": "Plumbing",
        "status": "Pending",
        "empty": "Your organisation has no active requests.",
    },
    "ru": {
        "locale": "ru-RU",
        "not_image": "Этот файл не является изображением.",
        "heading": "Новая заявка",
        "type": "Сантехника",
        "status": "Ожидает",
        "empty": "У вашей организации нет активных заявок.",
    },
}
PHONE = {"width": 390, "height": 844}


def _no_horizontal_scroll(page):
    # A phone layout must not be wider than the phone (the table scrolls inside its card).
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_customer_creates_a_request_and_a_manager_finds_it(
    asgi_server, new_context, screenshot, tmp_path, lang
):
    texts = TEXTS[lang]
    base = asgi_server.url
    organisation = OrganisationFactory(name="Horns & Hooves" if lang == "en" else "Рога и копыта")
    customer = CustomerFactory(organisation=organisation)
    manager = ManagerFactory()
    # Some other organisation's request, so the manager's filters have something to hide.
    other = OrganisationFactory(name="Other Tenant")
    bulk_requests(other, CustomerFactory(organisation=other), 3, type="cleaning", title="Dusty")

    text_file = tmp_path / "notes.jpg"
    text_file.write_text("These are my notes, not a photo.\n" * 10)
    photo = tmp_path / "leak.jpg"
    photo.write_bytes(noise_jpeg(1024, 768))

    # --- the customer: an empty list first, then the create page ---------------------------
    page = new_context(locale=texts["locale"]).new_page()
    sign_in(page, base, customer.username, PASSWORD)
    page.wait_for_url(f"{base}/request/new")
    page.goto(f"{base}/request/list")
    expect(page.get_by_test_id("list-empty")).to_contain_text(texts["empty"])

    page.goto(f"{base}/request/new")
    expect(page.locator("h1")).to_have_text(texts["heading"])
    expect(page.locator("label.type-card")).to_have_count(6)
    page.locator("label.type-card[data-type=plumbing]").click()
    page.fill("#id_title", "Leaking pipe under the sink")
    page.fill("#id_description", "Water drips from the joint.\nThe floor is wet.")
    page.fill("#id_office", "314")
    page.set_input_files("#id_photo", str(text_file))
    page.click("form[data-testid=request-form] button[type=submit]")
    error = page.locator("[data-field-error=photo]")
    expect(error).to_contain_text(texts["not_image"])
    assert ServiceRequest.objects.count() == 3
    # The other fields survive the error: only the photo has to be chosen again.
    expect(page.locator("#id_title")).to_have_value("Leaking pipe under the sink")
    expect(page.locator("#id_type_1")).to_be_checked()
    screenshot(page, f"requests-create-error-{lang}")

    page.set_input_files("#id_photo", str(photo))
    page.click("form[data-testid=request-form] button[type=submit]")
    page.wait_for_url(re.compile(r"/request/\d+$"))
    created = ServiceRequest.objects.get(title="Leaking pipe under the sink")
    assert page.url == f"{base}/request/{created.pk}"
    expect(page.get_by_test_id("request-number")).to_have_text(f"#{created.pk}")
    expect(page.get_by_test_id("request-type")).to_contain_text(texts["type"])
    expect(page.locator("#request-header .status-badge")).to_have_text(texts["status"])
    thumb = page.get_by_test_id("request-photo-thumb")
    expect(thumb).to_be_visible()
    assert page.evaluate("el => el.naturalWidth", thumb.element_handle()) == 480
    expect(page.locator("#chat")).to_be_visible()
    assert page.locator("[data-status-action]").count() == 0  # customers get no buttons
    screenshot(page, f"requests-detail-customer-{lang}")
    # The thumbnail opens the full photo in a larger view.
    thumb.click()
    full = page.get_by_test_id("request-photo-full")
    expect(full).to_be_visible()
    page.wait_for_function("el => el.complete && el.naturalWidth > 0", arg=full.element_handle())
    # Wait for the fade-in to finish, so the screenshot shows the modal, not a blend.
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector('#photo-modal')).opacity === '1'"
    )
    assert page.evaluate("el => el.naturalWidth", full.element_handle()) == 1024
    screenshot(page, f"requests-detail-photo-{lang}")
    page.keyboard.press("Escape")

    page.goto(f"{base}/request/list")
    rows = page.get_by_test_id("request-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Leaking pipe under the sink")
    screenshot(page, f"requests-list-customer-{lang}")

    # --- the manager: the list, filters, search, the status buttons --------------------------
    mpage = new_context(locale=texts["locale"]).new_page()
    sign_in(mpage, base, manager.username, PASSWORD)
    mpage.wait_for_url(f"{base}/request/list")
    expect(mpage.get_by_test_id("request-row")).to_have_count(4)
    mpage.select_option("#id_type", "plumbing")
    mpage.click("form[data-testid=list-filters] button[type=submit]")
    expect(mpage.get_by_test_id("request-row")).to_have_count(1)
    expect(mpage.get_by_test_id("request-row").first).to_contain_text(organisation.name)
    mpage.select_option("#id_type", "")
    mpage.fill("#id_q", "sink")
    mpage.click("form[data-testid=list-filters] button[type=submit]")
    expect(mpage.get_by_test_id("request-row")).to_have_count(1)
    expect(mpage.get_by_test_id("request-row").first).to_contain_text("314")
    screenshot(mpage, f"requests-list-manager-{lang}")
    mpage.fill("#id_q", "no such request anywhere")
    mpage.click("form[data-testid=list-filters] button[type=submit]")
    expect(mpage.get_by_test_id("list-empty")).to_be_visible()

    mpage.goto(f"{base}/request/{created.pk}")
    mpage.get_by_test_id("status-menu-button").click()  # the header's menu (issue 23)
    mpage.locator("[data-status-action=in_progress]").click()
    mpage.wait_for_url(f"{base}/request/{created.pk}")
    expect(mpage.locator("#request-header .status-badge")).to_have_attribute(
        "data-status", "in_progress"
    )
    expect(mpage.locator("[data-status-action=in_progress]")).to_have_count(0)
    expect(mpage.locator("[data-status-action=closed]")).to_be_attached()
    screenshot(mpage, f"requests-detail-manager-{lang}")
    created.refresh_from_db()
    assert created.status == ServiceRequest.Status.IN_PROGRESS

    # --- the same pages on a phone -----------------------------------------------------------
    phone = new_context(locale=texts["locale"], viewport=PHONE).new_page()
    sign_in(phone, base, manager.username, PASSWORD)
    phone.wait_for_url(f"{base}/request/list")
    _no_horizontal_scroll(phone)
    screenshot(phone, f"requests-list-manager-phone-{lang}")
    phone.goto(f"{base}/request/{created.pk}")
    _no_horizontal_scroll(phone)
    screenshot(phone, f"requests-detail-phone-{lang}")

    cphone = new_context(locale=texts["locale"], viewport=PHONE).new_page()
    sign_in(cphone, base, customer.username, PASSWORD)
    cphone.wait_for_url(f"{base}/request/new")
    cphone.set_input_files("#id_photo", str(text_file))
    cphone.click("form[data-testid=request-form] button[type=submit]")
    expect(cphone.locator("[data-field-error=photo]")).to_contain_text(texts["not_image"])
    _no_horizontal_scroll(cphone)
    screenshot(cphone, f"requests-create-error-phone-{lang}")
    cphone.goto(f"{base}/request/list")
    _no_horizontal_scroll(cphone)
    screenshot(cphone, f"requests-list-customer-phone-{lang}")


def test_a_manager_gets_the_phone_request_form(asgi_server, page):
    # Issue 12: managers open requests for tenants who call (test_workspace_browser.py).
    manager = ManagerFactory()
    sign_in(page, asgi_server.url, manager.username, PASSWORD)
    page.wait_for_url(f"{asgi_server.url}/request/list")
    response = page.goto(f"{asgi_server.url}/request/new")
    assert response.status == 200
    expect(page.get_by_test_id("phone-request-form")).to_be_visible()
