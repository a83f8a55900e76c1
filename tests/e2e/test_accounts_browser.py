"""Registration, sign-in, the lock-out and the languages in a real browser.

Every page of the issue is saved as a screenshot in English and Russian
(test-artifacts/screenshots/accounts-*.png).
"""

import re

import pytest
from playwright.sync_api import expect

from tenantdesk.accounts.models import Organisation, User
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, CustomerFactory, ManagerFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module", autouse=True)
def _compiled_translations():
    # .mo files are built at install, not committed: build them for a bare `pytest` too.
    from django.core.management import call_command

    call_command("compiletranslations", verbosity=0)


NEW_PASSWORD = "tall-Giraffe-eats-7-leaves"
# The example phone numbers are written with no-break spaces and hyphens (one line each).
EXAMPLE = "+7\u00a0912\u00a0345\u201167\u201189"
EXAMPLE_NATIONAL = "8\u00a0(912)\u00a0345\u201167\u201189"


def fill_registration(page, *, phone: str, username: str = "olga"):
    page.fill("#id_name", "Olga Smirnova")
    page.fill("#id_username", username)
    page.fill("#id_email", f"{username}@example.com")
    page.fill("#id_password1", NEW_PASSWORD)
    page.fill("#id_password2", NEW_PASSWORD)
    page.fill("#id_organisation_name", "Rainbow Ltd")
    page.fill("#id_organisation_address", "Office 204, 5 Lenina Street")
    page.fill("#id_organisation_phone", phone)


def submit(page):
    """Clicks the form's button; returns the HTTP status of the page it leads to."""
    with page.expect_navigation() as navigation:
        page.click("main form button[type=submit]")
    return navigation.value.status


def fail_sign_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login")
    page.fill("#id_username", username)
    page.fill("#id_password", "wrong-password")
    return submit(page)


def test_register_with_a_bad_phone_then_properly(asgi_server, page, screenshot):
    page.goto(asgi_server.url + "/accounts/register")
    fill_registration(page, phone="+7 909 095")
    assert submit(page) == 400
    hint = page.locator("[data-field-error=organisation_phone]")
    expect(hint).to_have_text(f"Enter a valid phone number, for example {EXAMPLE}.")
    expect(page.locator("#id_organisation_phone")).to_have_class(re.compile("is-invalid"))
    expect(page.locator("#id_organisation_phone_helptext")).to_contain_text(EXAMPLE)
    # What was typed is kept, except the passwords.
    expect(page.locator("#id_organisation_name")).to_have_value("Rainbow Ltd")
    assert User.objects.count() == 0 and Organisation.objects.count() == 0

    page.fill("#id_password1", NEW_PASSWORD)
    page.fill("#id_password2", NEW_PASSWORD)
    page.fill("#id_organisation_phone", "8 (909) 095-16-70")
    assert submit(page) == 200
    # Registered is signed in, on the page where a request starts.
    assert page.url == asgi_server.url + "/request/new"
    expect(page.locator(".alert-success")).to_contain_text(
        "Your organisation is registered and you are its admin."
    )
    screenshot(page, "accounts-registered-en")
    organisation = Organisation.objects.get()
    assert str(organisation.phone) == "+79090951670"
    assert User.objects.get().organisation == organisation
    expect(page.get_by_test_id("nav-user")).to_contain_text("Olga Smirnova · Rainbow Ltd")


def test_four_failures_block_then_sign_in_works_after_the_cool_off(asgi_server, page):
    customer = CustomerFactory()
    for _ in range(3):
        assert fail_sign_in(page, asgi_server.url, customer.username) == 200
        expect(page.get_by_test_id("form-error")).to_have_text("Username or password is incorrect.")
    assert fail_sign_in(page, asgi_server.url, customer.username) == 429
    blocked = page.get_by_test_id("locked-out")
    expect(blocked).to_contain_text("Too many failed sign-in attempts")
    seconds = int(page.locator("#seconds-left").get_attribute("data-seconds"))
    assert 1 <= seconds <= 3  # the test settings' cool-off

    # While blocked, the sign-in page shows the block instead of the form.
    page.goto(asgi_server.url + "/accounts/login")
    assert page.get_by_test_id("locked-out").is_visible()  # the form is not even offered

    # The page counts down and says when sign-in is possible again.
    expect(page.locator("#ready-text")).to_be_visible(timeout=6000)
    page.click("#retry-link")
    sign_in(page, asgi_server.url, customer.username, PASSWORD)
    page.wait_for_url(asgi_server.url + "/request/new")


def test_manager_lands_on_the_request_list(asgi_server, page):
    manager = ManagerFactory()
    sign_in(page, asgi_server.url, manager.username, PASSWORD)
    page.wait_for_url(asgi_server.url + "/request/list")
    expect(page.get_by_test_id("nav-user")).to_contain_text(f"{manager.username} · manager")
    # Managers answer requests; they do not create them.
    expect(page.locator("nav a[href='/request/new']")).to_have_count(0)


def test_correct_password_while_blocked_gets_429(asgi_server, page):
    customer = CustomerFactory()
    for _ in range(4):
        status = fail_sign_in(page, asgi_server.url, customer.username)
    assert status == 429
    response = page.request.post(
        asgi_server.url + "/accounts/login",
        form={
            "username": customer.username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": next(
                c["value"] for c in page.context.cookies() if c["name"] == "csrftoken"
            ),
        },
        headers={"Referer": asgi_server.url + "/accounts/login"},
    )
    assert response.status == 429
    assert "Too many failed sign-in attempts" in response.text()


def test_switch_to_russian_with_the_switcher(asgi_server, page, screenshot):
    page.goto(asgi_server.url + "/accounts/register")
    expect(page.locator("h1")).to_have_text("Register an organisation")
    with page.expect_navigation():
        page.select_option("#language-select", "ru")
    assert page.url == asgi_server.url + "/accounts/register"
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("h1")).to_have_text("Зарегистрировать организацию")
    expect(page.locator("label[for=id_organisation_phone]")).to_contain_text("Контактный телефон")
    # The choice is remembered on the next page.
    page.goto(asgi_server.url + "/")
    expect(page.locator("main a[href='/accounts/register']")).to_have_text(
        "Зарегистрировать организацию"
    )


@pytest.mark.parametrize(
    ("locale", "lang", "texts"),
    [
        (
            "en-GB",
            "en",
            {
                "register": "Register an organisation",
                "phone_error": "Enter a valid phone number",
                "wrong": "Username or password is incorrect.",
                "blocked": "Too many failed sign-in attempts",
                "create": "Create a new request",
            },
        ),
        (
            "ru-RU",
            "ru",
            {
                "register": "Зарегистрировать организацию",
                "phone_error": "Введите правильный номер телефона",
                "wrong": "Неверное имя пользователя или пароль.",
                "blocked": "Слишком много неудачных попыток входа",
                "create": "Создать заявку",
            },
        ),
    ],
)
def test_every_page_in_each_language(asgi_server, new_context, screenshot, locale, lang, texts):
    """Walks the issue's pages with the browser's language set, saving a screenshot of each."""
    page = new_context(locale=locale).new_page()
    base = asgi_server.url
    customer = CustomerFactory(organisation__name="Rainbow Ltd")

    page.goto(base + "/")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("main a[href='/accounts/register']")).to_have_text(texts["register"])
    screenshot(page, f"accounts-home-signed-out-{lang}")

    page.goto(base + "/accounts/register")
    fill_registration(page, phone="phone")
    page.fill("#id_password2", "something-else-entirely")
    assert submit(page) == 400
    expect(page.locator("[data-field-error=organisation_phone]")).to_contain_text(
        texts["phone_error"]
    )
    expect(page.locator("[data-field-error=password2]")).to_be_visible()
    screenshot(page, f"accounts-register-errors-{lang}")

    sign_in(page, base, customer.username, PASSWORD)
    page.wait_for_url(base + "/request/new")
    page.goto(base + "/")
    expect(page.locator("main a[href='/request/new']")).to_have_text(texts["create"])
    screenshot(page, f"accounts-home-signed-in-{lang}")
    page.click(".td-account__button")  # Sign out is in the person's menu
    with page.expect_navigation():
        page.click("nav form[action='/accounts/logout'] button")
    expect(page.locator("main a[href='/accounts/register']")).to_be_visible()

    assert fail_sign_in(page, base, customer.username) == 200
    expect(page.get_by_test_id("form-error")).to_have_text(texts["wrong"])
    screenshot(page, f"accounts-sign-in-error-{lang}")
    for _ in range(2):
        assert fail_sign_in(page, base, customer.username) == 200
    assert fail_sign_in(page, base, customer.username) == 429
    expect(page.get_by_test_id("locked-out")).to_contain_text(texts["blocked"])
    screenshot(page, f"accounts-blocked-{lang}")


def test_home_at_phone_width(asgi_server, new_context, screenshot):
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    base = asgi_server.url

    def fits():
        return page.evaluate("document.documentElement.scrollWidth") <= 390

    page.goto(base + "/")
    assert fits()
    register = page.locator("main a[href='/accounts/register']")
    expect(register).to_be_visible()
    assert register.bounding_box()["width"] > 300  # full-width buttons on a phone
    screenshot(page, "accounts-phone-home-signed-out")

    page.goto(base + "/accounts/register")
    fill_registration(page, phone="12345")
    assert submit(page) == 400
    expect(page.locator("[data-field-error=organisation_phone]")).to_be_visible()
    assert fits()
    screenshot(page, "accounts-phone-register-errors")

    customer = CustomerFactory(organisation__name="Rainbow Ltd")
    sign_in(page, base, customer.username, PASSWORD)
    page.wait_for_url(base + "/request/new")
    page.goto(base + "/")
    assert fits()
    # The navigation is a bottom bar; its "More" sheet shows the rest and sign-out.
    sign_out = page.locator("nav form[action='/accounts/logout'] button")
    expect(sign_out).to_be_hidden()
    page.click("[data-td-menu=td-sheet]")
    expect(sign_out).to_be_visible()
    expect(page.locator("nav a[href='/request/list']")).to_be_visible()
    expect(page.get_by_test_id("nav-user")).to_contain_text(customer.username)
    assert fits()
    screenshot(page, "accounts-phone-home-signed-in-menu")
