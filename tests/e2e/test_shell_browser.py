"""The app shell in Chromium (issue 23, docs/look.md): a sidebar at 1366x768 and a bottom bar
at 390x844 whose labels neither wrap nor clip in English or Russian, the dark theme from
the system and from the person's choice, the keyboard through the shell, axe in both
themes, the account menu and the phone's sheet, the manifest, and no console errors."""

import json

import pytest
from playwright.sync_api import expect

from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, CustomerFactory, ManagerFactory, OrganisationFactory

pytestmark = pytest.mark.django_db(transaction=True)

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SMALL = {"width": 360, "height": 740}
RAIL = {"width": 768, "height": 900}
LOCALES = [("en-GB", "en"), ("ru-RU", "ru")]

# Every visible label of the shell: its text on one line (all its text's line boxes at one
# height) and not cut (its content fits its box).
LABELS_FIT = """() => [...document.querySelectorAll(
    '.td-nav__label, .td-menu__item, #notify-control [data-notify-label], .td-brand__name')]
  .filter((el) => el.getClientRects().length && getComputedStyle(el).position !== 'absolute')
  .map((el) => {
    const range = document.createRange();
    const tops = new Set();
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim() || !node.parentElement.getClientRects().length) continue;
      range.selectNodeContents(node);
      for (const rect of range.getClientRects()) tops.add(Math.round(rect.top));
    }
    return { text: el.textContent.trim(), lines: tops.size,
             fits: el.scrollWidth <= el.clientWidth + 1 };
  })
  .filter((label) => label.lines > 1 || !label.fits)"""

BACKGROUND = "() => getComputedStyle(document.body).backgroundColor"


@pytest.fixture(scope="module", autouse=True)
def _compiled_translations():
    from django.core.management import call_command

    call_command("compiletranslations", verbosity=0)


@pytest.fixture
def manager():
    return ManagerFactory(first_name="Konstantin Konstantinopolsky", company_admin=True)


@pytest.fixture
def customer():
    return CustomerFactory(organisation=OrganisationFactory(name="Rosa Dental LLC"))


def signed_in(new_context, base, user, *, locale="en-GB", errors=None, **options):
    context = new_context(locale=locale, **options)
    page = context.new_page()
    if errors is not None:
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
    if locale.startswith("ru"):
        context.add_cookies([{"name": "django_language", "value": "ru", "url": base}])
    sign_in(page, base, user.username, PASSWORD)
    page.wait_for_url(lambda url: "/accounts/login" not in url)
    return page


@pytest.mark.parametrize(("locale", "lang"), LOCALES)
def test_the_sidebar_on_a_desktop(asgi_server, new_context, manager, locale, lang, screenshot):
    base = asgi_server.url
    errors = []
    page = signed_in(new_context, base, manager, locale=locale, errors=errors, viewport=DESKTOP)
    page.goto(base + "/request/list")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    nav = page.locator("#main-nav")
    box = nav.bounding_box()
    assert box["x"] == 0 and box["height"] == DESKTOP["height"] and box["width"] < 300
    for testid in ("nav-incidents", "nav-announcements", "nav-team", "nav-buildings"):
        expect(page.get_by_test_id(testid)).to_be_visible()
    current = nav.locator("a[aria-current=page]")
    expect(current).to_have_attribute("href", "/request/list")
    # The phone's pieces are not there.
    expect(nav.locator("[data-td-menu=td-sheet]")).to_be_hidden()
    expect(nav.locator(".td-sheet__links")).to_be_hidden()
    # The person's menu opens above their name.
    expect(page.get_by_test_id("nav-profile")).to_be_hidden()
    page.locator(".td-account__button").click()
    expect(page.get_by_test_id("nav-profile")).to_be_visible()
    expect(page.get_by_test_id("nav-email-settings")).to_be_visible()
    expect(page.locator("#language-select")).to_be_visible()
    expect(page.locator(".td-account__button")).to_have_attribute("aria-expanded", "true")
    assert page.evaluate(LABELS_FIT) == []
    screenshot(page, f"shell-desktop-{lang}")
    page.keyboard.press("Escape")
    expect(page.get_by_test_id("nav-profile")).to_be_hidden()
    assert page.evaluate("() => document.documentElement.scrollWidth") == DESKTOP["width"]
    assert errors == []


@pytest.mark.parametrize(("locale", "lang"), LOCALES)
def test_the_bottom_bar_on_a_phone(
    asgi_server, new_context, manager, customer, locale, lang, screenshot
):
    base = asgi_server.url
    for person, items in ((manager, 4), (customer, 3)):
        errors = []
        page = signed_in(new_context, base, person, locale=locale, errors=errors, viewport=PHONE)
        for viewport in (PHONE, SMALL):  # 390 and 360 px wide, on one page
            page.set_viewport_size(viewport)
            page.goto(base + "/request/list")
            bar = page.locator("#main-nav")
            box = bar.bounding_box()
            assert box["y"] + box["height"] == viewport["height"]
            assert box["width"] == viewport["width"] and box["height"] <= 64
            assert bar.locator(".td-nav__list > li:visible").count() == items
            assert page.evaluate(LABELS_FIT) == []
            assert page.evaluate("() => document.documentElement.scrollWidth") == viewport["width"]
            # "More" opens the sheet with the rest: profile, e-mails, language, sign out.
            more = bar.locator("[data-td-menu=td-sheet]")
            more.click()
            expect(more).to_have_attribute("aria-expanded", "true")
            expect(page.get_by_test_id("nav-profile")).to_be_visible()
            expect(page.locator("#language-select")).to_be_visible()
            expect(page.locator("form[action='/accounts/logout'] button")).to_be_visible()
            if person is manager:
                sheet_link = page.locator(".td-sheet__links a[href='/company/buildings']")
                expect(sheet_link).to_be_visible()
            assert page.evaluate(LABELS_FIT) == []
            screenshot(page, f"shell-phone-{viewport['width']}-{lang}-{person.username}")
            page.keyboard.press("Escape")
            expect(page.get_by_test_id("nav-profile")).to_be_hidden()
        assert errors == []


def test_the_rail_between_phone_and_desktop(asgi_server, new_context, manager):
    page = signed_in(new_context, asgi_server.url, manager, locale="ru-RU", viewport=RAIL)
    page.goto(asgi_server.url + "/request/list")
    box = page.locator("#main-nav").bounding_box()
    assert box["x"] == 0 and box["width"] <= 80 and box["height"] == RAIL["height"]
    # Icons only: the labels are there for screen readers, not drawn.
    link = page.get_by_test_id("nav-buildings")
    expect(link).to_be_visible()
    expect(link).to_have_accessible_name("Здания")
    assert page.evaluate("() => document.documentElement.scrollWidth") == RAIL["width"]


def test_the_dark_theme_follows_the_system_unless_the_person_chose(
    asgi_server, new_context, customer
):
    base = asgi_server.url
    light = signed_in(new_context, base, customer, color_scheme="light")
    light.goto(base + "/request/list")
    dark = signed_in(new_context, base, customer, color_scheme="dark")
    dark.goto(base + "/request/list")
    light_bg, dark_bg = light.evaluate(BACKGROUND), dark.evaluate(BACKGROUND)
    assert light_bg == "rgb(244, 245, 247)" and dark_bg == "rgb(15, 17, 21)"

    # The person chooses Light on the profile: the dark system no longer decides.
    dark.goto(base + "/accounts/profile")
    dark.locator("label[for=theme-light]").click()
    with dark.expect_navigation():
        dark.get_by_test_id("profile-theme-form").locator("button[type=submit]").click()
    expect(dark.locator("html")).to_have_attribute("data-theme", "light")
    assert dark.evaluate(BACKGROUND) == light_bg
    # And Dark on a light system.
    light.goto(base + "/accounts/profile")
    light.locator("label[for=theme-dark]").click()
    with light.expect_navigation():
        light.get_by_test_id("profile-theme-form").locator("button[type=submit]").click()
    expect(light.locator("html")).to_have_attribute("data-theme", "dark")
    assert light.evaluate(BACKGROUND) == dark_bg
    # The bar's colour follows the choice.
    assert light.locator("meta[name=theme-color]").get_attribute("content") == "#0f1115"


def axe_in_both_themes(page) -> None:
    """axe on the page as it is, in the light and then the dark theme: the system's scheme
    changes under the page (nobody chose a theme, so the tokens follow it). Returns nothing;
    fails if the page did not change theme."""
    backgrounds = set()
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        backgrounds.add(page.evaluate(BACKGROUND))
        assert_accessible(page)
    assert len(backgrounds) == 2, f"the theme did not follow the scheme: {backgrounds}"


@pytest.mark.parametrize(("locale", "lang"), LOCALES)
def test_axe_finds_nothing_in_either_theme(
    asgi_server, new_context, manager, customer, locale, lang
):
    base = asgi_server.url
    for person, paths in ((manager, ["/request/list"]), (customer, ["/request/list", "/"])):
        page = signed_in(new_context, base, person, locale=locale)
        for path in paths:
            page.goto(base + path)
            axe_in_both_themes(page)
        page.locator(".td-account__button").click()
        axe_in_both_themes(page)
    phone = signed_in(new_context, base, customer, locale=locale, viewport=PHONE)
    phone.goto(base + "/request/list")
    phone.locator("[data-td-menu=td-sheet]").click()
    axe_in_both_themes(phone)
    anonymous = new_context(locale=locale).new_page()
    anonymous.goto(base + "/accounts/login")
    axe_in_both_themes(anonymous)


def test_the_keyboard_goes_through_the_shell(asgi_server, new_context, customer):
    page = signed_in(new_context, asgi_server.url, customer)
    page.goto(asgi_server.url + "/request/list")
    page.keyboard.press("Tab")
    focused = "() => document.activeElement.textContent.trim()"
    assert page.evaluate(focused) == "Skip to content"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.classList.contains('td-brand')")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.getAttribute('href')") == "/request/list"
    # Every focused element shows the ring.
    ring = "() => getComputedStyle(document.activeElement).boxShadow"
    assert page.evaluate(ring) != "none"
    # The person's menu opens from the keyboard, lands on its first item, Escape returns.
    page.locator(".td-account__button").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("nav-profile")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator(".td-account__button")).to_be_focused()
    expect(page.get_by_test_id("nav-profile")).to_be_hidden()
    # The skip link moves focus to the content.
    page.keyboard.press("Shift+Tab")
    page.goto(asgi_server.url + "/request/list")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("main#content")).to_be_focused()


def test_the_manifest_and_icons_are_served(asgi_server, new_context):
    page = new_context().new_page()
    page.goto(asgi_server.url + "/accounts/login")
    href = page.locator("link[rel=manifest]").get_attribute("href")
    response = page.request.get(asgi_server.url + href)
    assert response.ok and response.headers["content-type"] == "application/manifest+json"
    manifest = json.loads(response.text())
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/request/list"
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        assert page.request.get(asgi_server.url + icon["src"]).ok


def test_offline_a_navigation_shows_the_offline_page(asgi_server, new_context, customer):
    context = new_context()
    page = context.new_page()
    sign_in(page, asgi_server.url, customer.username, PASSWORD)
    page.wait_for_url(lambda url: "/accounts/login" not in url)
    page.wait_for_function("async () => Boolean(await navigator.serviceWorker.ready)")
    page.reload()  # now under the worker's control
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    page.goto(asgi_server.url + "/request/list")
    expect(page.get_by_test_id("offline")).to_be_visible()
    # Its styles came from the worker's cache too.
    assert page.evaluate(BACKGROUND) != "rgba(0, 0, 0, 0)"
    context.set_offline(False)
