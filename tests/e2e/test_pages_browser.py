"""The pages around the chat in Chromium: the create form under a slow upload, the notice
after creating, the request page on a phone, the list's name and filters, the favicon and
the skip link (issue 8)."""

import re
import time

import pytest
from playwright.sync_api import expect

from tenantdesk.chat.models import Message
from tenantdesk.service_requests.models import ServiceRequest
from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import (
    PASSWORD,
    CustomerFactory,
    LeaseFactory,
    ManagerFactory,
    OrganisationFactory,
    PremisesFactory,
)
from tests.unit.chat.helpers import make_service_request
from tests.unit.service_requests.helpers import noise_jpeg

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module", autouse=True)
def _compiled_translations():
    from django.core.management import call_command

    call_command("compiletranslations", verbosity=0)


@pytest.fixture
def customer():
    return CustomerFactory(organisation=OrganisationFactory(name="Rosa Dental LLC"))


def signed_in(new_context, base, user, locale="en-GB", **options):
    page = new_context(locale=locale, **options).new_page()
    sign_in(page, base, user.username, PASSWORD)
    page.wait_for_url(lambda url: "/accounts/login" not in url)
    return page


def fill_create_form(page, base, photo):
    page.goto(f"{base}/request/new")
    page.locator("label.type-card[data-type=plumbing]").click()
    page.fill("#id_title", "Leaking pipe under the sink")
    page.fill("#id_description", "Water drips from the joint.")
    page.fill("#id_office", "314")
    page.set_input_files("#id_photo", str(photo))


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "leak.jpg"
    path.write_bytes(noise_jpeg(1024, 768))
    return path


def test_double_clicking_create_during_a_slow_upload_sends_the_form_once(
    asgi_server, new_context, customer, photo
):
    base = asgi_server.url
    page = signed_in(new_context, base, customer)
    fill_create_form(page, base, photo)
    posts, seen = [], []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    # What the page saw, reported as it happens (the page is gone by the time it is read).
    page.expose_binding("__report", lambda _source, value: seen.append(value))
    page.evaluate(
        """() => {
            const button = document.querySelector('form[data-testid=request-form] [type=submit]');
            document.addEventListener('click', (event) => {
              if (event.target.closest('[type=submit]')) window.__report('click');
            }, true);
            window.addEventListener('submit', () => setTimeout(
              () => window.__report([button.disabled, button.textContent])));
        }"""
    )
    # A slow upload: about 3 s for the photo.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    upload_speed = photo.stat().st_size // 3
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": upload_speed,
        },
    )
    started = time.monotonic()
    page.locator("form[data-testid=request-form] button[type=submit]").dblclick()
    page.wait_for_url(re.compile(r"/request/\d+$"), timeout=30_000)
    assert time.monotonic() - started > 2  # the upload was slow indeed
    assert seen == ["click", [True, "Creating…"]], seen  # the second click found it disabled
    assert len(posts) == 1, posts
    assert ServiceRequest.objects.count() == 1
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )

    # Back to the form (the browser may restore it from its cache): it can be sent again.
    page.go_back()
    expect(page.locator("form[data-testid=request-form] button[type=submit]")).to_be_enabled()


def test_the_same_form_sent_twice_makes_one_request(asgi_server, new_context, customer, photo):
    """The server's half: two submissions carrying one form's submission key, in parallel."""
    base = asgi_server.url
    page = signed_in(new_context, base, customer)
    fill_create_form(page, base, photo)
    urls = page.evaluate(
        """async () => {
            const form = document.querySelector('form[data-testid=request-form]');
            const send = () => fetch(form.action || location.href,
                                     {method: 'POST', body: new FormData(form)});
            const answers = await Promise.all([send(), send()]);
            return answers.map((answer) => [answer.status, new URL(answer.url).pathname]);
        }"""
    )
    created = ServiceRequest.objects.get()
    assert urls == [[200, f"/request/{created.pk}"]] * 2


def test_the_created_notice_goes_when_the_conversation_moves_on(
    asgi_server, new_context, customer, photo
):
    base = asgi_server.url
    page = signed_in(new_context, base, customer)
    fill_create_form(page, base, photo)
    page.click("form[data-testid=request-form] button[type=submit]")
    page.wait_for_url(re.compile(r"/request/\d+$"))
    notice = page.locator(".messages .alert", has_text="has been created")
    expect(notice).to_be_visible()
    page.wait_for_selector("[data-chat-connection][data-state=online]")
    page.fill("[data-chat-text]", "The water is coming through the ceiling now")
    page.click("[data-chat-send]")
    expect(notice).to_have_count(0)


def test_the_created_notice_dismisses_itself_after_a_while(
    asgi_server, new_context, customer, photo
):
    base = asgi_server.url
    page = signed_in(new_context, base, customer)
    page.clock.install()
    fill_create_form(page, base, photo)
    page.click("form[data-testid=request-form] button[type=submit]")
    page.wait_for_url(re.compile(r"/request/\d+$"))
    notice = page.locator(".messages .alert", has_text="has been created")
    expect(notice).to_be_visible()
    page.clock.fast_forward(3000)
    expect(notice).to_be_visible()  # long enough to be read
    page.clock.fast_forward(15_000)
    expect(notice).to_have_count(0)


def test_the_location_saved_notice_goes_too(asgi_server, new_context, customer):
    # The status menu now changes the page in place (no notice); setting the location still
    # comes back with a notice, which goes like the others.
    base = asgi_server.url
    manager = ManagerFactory()
    office = PremisesFactory()
    LeaseFactory(organisation=customer.organisation, premises=office)
    service_request = make_service_request(customer)
    page = signed_in(new_context, base, manager)
    page.clock.install()
    page.goto(f"{base}/request/{service_request.pk}")
    page.wait_for_selector("[data-chat-connection][data-state=online]")
    page.get_by_test_id("set-location").click()
    page.select_option("#id_location", str(office.pk))
    page.click("form[data-testid=location-form] button[type=submit]")
    page.wait_for_url(f"{base}/request/{service_request.pk}")
    success = page.locator(".messages .alert-success")
    expect(success).to_be_visible()
    page.clock.fast_forward(20_000)
    expect(success).to_have_count(0)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_on_a_phone_the_chat_comes_first_and_the_details_fold(
    asgi_server, new_context, customer, screenshot, lang
):
    base = asgi_server.url
    service_request = make_service_request(customer, title="Leaking pipe in office 101")
    Message.objects.create(service_request=service_request, author=customer, text="Hello")
    page = signed_in(new_context, base, customer, locale=f"{lang}-RU", viewport=PHONE)
    page.goto(f"{base}/request/{service_request.pk}")
    page.wait_for_selector("[data-chat-connection][data-state=online]")
    # The conversation starts in the first screen, under a one-line header.
    assert page.locator("[data-chat-log]").bounding_box()["y"] < 330
    expect(page.get_by_test_id("request-title")).to_be_visible()
    expect(page.locator("[data-chat-status-badge]")).to_be_visible()
    description = page.get_by_test_id("request-description")
    expect(description).to_be_hidden()
    expect(page.get_by_test_id("request-photo-thumb")).to_be_hidden()
    screenshot(page, f"chat-phone-{lang}")
    toggle = page.locator("[data-testid=request-details-toggle]")
    expect(toggle).to_have_attribute("aria-haspopup", "dialog")
    toggle.click()  # the details sheet (issue 23)
    expect(page.get_by_test_id("request-details-sheet")).to_be_visible()
    expect(description).to_be_visible()
    expect(page.get_by_test_id("request-photo-thumb")).to_be_visible()
    screenshot(page, f"chat-phone-details-{lang}")
    assert_accessible(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]

    # On a desktop everything shows at once, beside the chat.
    desk = signed_in(new_context, base, customer, locale=f"{lang}-RU")
    desk.goto(f"{base}/request/{service_request.pk}")
    expect(desk.get_by_test_id("request-description")).to_be_visible()
    expect(desk.locator("[data-testid=request-details-toggle]")).to_be_hidden()


REQUESTS = {"en": "Requests", "ru": "Заявки"}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_list_is_called_requests_everywhere(asgi_server, new_context, customer, lang):
    base = asgi_server.url
    name = REQUESTS[lang]
    service_request = make_service_request(customer)
    for user in (customer, ManagerFactory()):
        page = signed_in(new_context, base, user, locale=f"{lang}-RU")
        page.goto(f"{base}/request/list")
        # Its visible text: the unread badge inside is there, hidden, when nothing is unread.
        nav_link = page.locator("#main-nav a[href='/request/list']")
        expect(nav_link).to_have_text(name, use_inner_text=True)
        expect(nav_link).to_have_accessible_name(name)
        expect(page.locator("main h1")).to_have_text(name)
        assert page.title() == f"{name} · Tenant Desk"
        page.goto(f"{base}/")
        expect(page.locator("main a[href='/request/list']")).to_have_text(name)
        page.goto(f"{base}/request/{service_request.pk}")
        expect(page.locator("main a[href='/request/list']")).to_contain_text(name)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_managers_filters_show_their_whole_choice_in_russian(
    asgi_server, new_context, customer, screenshot, width
):
    base = asgi_server.url
    make_service_request(customer)
    page = signed_in(
        new_context,
        base,
        ManagerFactory(),
        locale="ru-RU",
        viewport={"width": width, "height": 900},
    )
    page.goto(f"{base}/request/list")
    if width < 768:  # on a phone the filters are in a sheet (issue 23)
        page.get_by_test_id("filters-button").click()
    # Each select is wide enough for its longest choice beside its arrow.
    cut = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=list-filters] select')].flatMap(
            (select) => {
              const style = getComputedStyle(select);
              const probe = document.createElement('span');
              probe.style.font = style.font;
              probe.style.position = 'absolute';
              probe.style.whiteSpace = 'pre';
              document.body.append(probe);
              const room = select.clientWidth - parseFloat(style.paddingLeft)
                - parseFloat(style.paddingRight);
              const cut = [...select.options].filter((option) => {
                probe.textContent = option.text;
                return probe.getBoundingClientRect().width > room + 0.5;
              }).map((option) => `${select.name}: ${option.text}`);
              probe.remove();
              return cut;
            })"""
    )
    assert cut == []
    screenshot(page, f"requests-list-filters-ru-{width}")


def test_the_site_has_a_favicon(asgi_server, page):
    base = asgi_server.url
    page.goto(f"{base}/")
    href = page.locator("link[rel=icon]").get_attribute("href")
    icon = page.request.get(base + href)
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    legacy = page.request.get(f"{base}/favicon.ico")
    assert legacy.status == 200 and legacy.url.endswith(href)
    assert legacy.body() == icon.body()


def test_a_skip_link_leads_past_the_navigation(asgi_server, new_context, customer):
    base = asgi_server.url
    page = signed_in(new_context, base, customer)
    page.goto(f"{base}/request/list")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.bounding_box()["width"] <= 1  # there for screen readers, unseen until focused
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["width"] > 50
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "content"
    # The next Tab goes to the page's own first link, not the navigation's.
    page.keyboard.press("Tab")
    assert page.evaluate("() => Boolean(document.activeElement.closest('main'))")
