"""Registration, sign-in, the lock-out and the languages in a real browser.

Every page of the issue is saved as a screenshot in English and Russian
(test-artifacts/screenshots/accounts-*.png).
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tenantdesk.accounts.models import Organisation, SignInGate, User
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


def block_this_address(seconds: float):
    """The lock-out as four failures leave it, lasting `seconds` from now: the gate's row
    for the browser's address (loopback). Four sign-ins through the page take longer than
    the test settings' 3 s window on a loaded machine, and the count started again."""
    from django.conf import settings

    now = timezone.now()
    until = now + timedelta(seconds=seconds)
    SignInGate.objects.update_or_create(
        ip_address=SignInGate.key_for("127.0.0.1"),
        defaults={
            "window_started_at": now,
            "attempts": settings.AXES_FAILURE_LIMIT,
            "failures": settings.AXES_FAILURE_LIMIT,
            "blocked_until": until,
            "expires_at": until,
        },
    )


def test_register_with_a_bad_phone_then_properly(asgi_server, page, screenshot):
    page.goto(asgi_server.url + "/accounts/register")
    fill_registration(page, phone="+7 909 095")
    assert submit(page) == 400
    hint = page.locator("[data-field-error=organisation_phone]")
    expect(hint).to_have_text(f"Enter a valid phone number, for example {EXAMPLE}.")
    expect(page.locator("#id_organisation_phone")).to_have_class(re.compile("is-invalid"))
    expect(page.locator("#id_organisation_phone_helptext")).to_contain_text(EXAMPLE)
    # What was typed is kept, the passwords too: the refusal was about the phone.
    expect(page.locator("#id_organisation_name")).to_have_value("Rainbow Ltd")
    expect(page.locator("#id_password1")).to_have_value(NEW_PASSWORD)
    expect(page.locator("#id_password2")).to_have_value(NEW_PASSWORD)
    assert User.objects.count() == 0 and Organisation.objects.count() == 0

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
    countdown = page.get_by_test_id("lockout-countdown")
    seconds = int(countdown.get_attribute("data-seconds"))
    assert 1 <= seconds <= 3  # the test settings' cool-off

    # The page counts down and, at zero, enables the form: no reload, no navigation
    # (the disabled form while blocked: test_the_lock_out_counts_down_in_russian).
    page.evaluate("() => { window.stillTheSamePage = true; }")
    expect(page.locator("#ready-text")).to_be_visible(timeout=6000)
    expect(countdown).to_be_hidden()
    expect(page.locator("#id_password")).to_be_enabled()
    assert page.evaluate("() => window.stillTheSamePage") is True
    page.fill("#id_username", customer.username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(asgi_server.url + "/request/new")


def test_the_lock_out_counts_down_in_russian(asgi_server, new_context):
    """Every second's sentence in its own plural form, over a lock-out made 9 s long."""
    page = new_context(locale="ru-RU").new_page()
    block_this_address(9)
    assert page.goto(asgi_server.url + "/accounts/login").status == 429
    countdown = page.get_by_test_id("lockout-countdown")
    expect(countdown).to_contain_text("Вход с вашего адреса заблокирован")
    expect(page.locator("#id_password")).to_be_disabled()
    # Every sentence the page shows on its way to zero.
    page.evaluate(
        """() => {
          const countdown = document.getElementById("lockout-countdown");
          window.sentences = [countdown.textContent];
          new MutationObserver(() => window.sentences.push(countdown.textContent))
            .observe(countdown, {childList: true, characterData: true, subtree: true});
        }"""
    )
    expect(page.locator("#ready-text")).to_be_visible(timeout=15000)
    expect(page.locator("#ready-text")).to_have_text("Теперь можно снова войти.")
    expect(page.locator("#id_password")).to_be_enabled()
    endings = {
        int(sentence.split("через ")[1].split()[0]): sentence.rsplit(" ", 1)[1]
        for sentence in page.evaluate("() => window.sentences")
    }
    assert endings.get(1) == "секунду." and endings[2] == endings[3] == "секунды.", endings
    assert all(endings[n] == "секунд." for n in endings if n >= 5), endings
    assert set(range(1, 5)) <= set(endings), endings  # it counted every second


def test_the_lock_out_without_javascript_is_a_plain_message(asgi_server, new_context):
    page = new_context(java_script_enabled=False).new_page()
    block_this_address(9)
    assert page.goto(asgi_server.url + "/accounts/login").status == 429
    countdown = page.get_by_test_id("lockout-countdown")
    expect(countdown).to_have_text(
        re.compile(r"Sign-in from your address is blocked\. Try again in \d seconds?\.")
    )
    expect(page.locator("#retry-link")).to_be_visible()
    expect(page.locator("#lockout-form")).to_be_hidden()


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
                "mismatch": "The two password fields didn’t match.",
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
                "mismatch": "Пароли не совпадают.",
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
    assert submit(page) == 400
    expect(page.locator("[data-field-error=organisation_phone]")).to_contain_text(
        texts["phone_error"]
    )
    # Two passwords that differ are found in the page, before sending, in its language.
    page.fill("#id_password2", "something-else-entirely")
    page.click("main form button[type=submit]")
    expect(page.locator("[data-field-error=password2]")).to_have_text(texts["mismatch"])
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


# --- bad input found in the page: no round trip, no console error ------------------------


def console_errors(page):
    """Every console error of the page from now on (Chromium logs each 4xx answer as one)."""
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def posts(page):
    sent = []
    page.on("request", lambda request: request.method == "POST" and sent.append(request.url))
    return sent


def field_error(page, name):
    return page.locator(f"[data-field-error={name}]")


@pytest.mark.parametrize(
    ("locale", "required", "email"),
    [
        ("en-GB", "This field is required.", "Enter a valid email address."),
        ("ru-RU", "Обязательное поле.", "Введите правильный адрес электронной почты."),
    ],
)
def test_typical_mistakes_are_shown_before_sending(
    asgi_server, new_context, screenshot, locale, required, email
):
    page = new_context(locale=locale).new_page()
    errors, sent = console_errors(page), posts(page)
    base = asgi_server.url

    page.goto(base + "/accounts/login")
    page.click("main form button[type=submit]")
    expect(field_error(page, "username")).to_have_text(required)
    expect(field_error(page, "password")).to_have_text(required)
    expect(page.locator("#id_username")).to_be_focused()
    expect(page.locator("#id_username")).to_have_attribute("aria-invalid", "true")
    # The error goes as the field is filled, not on the next send.
    page.fill("#id_username", "olga")
    expect(field_error(page, "username")).to_have_count(0)
    expect(field_error(page, "password")).to_have_text(required)

    page.goto(base + "/accounts/register")
    page.click("main form button[type=submit]")
    for name in ("name", "username", "email", "password1", "password2", "organisation_phone"):
        expect(field_error(page, name)).to_have_text(required)
    fill_registration(page, phone="+79090951670")
    page.fill("#id_email", "olga@example")
    page.fill("#id_password1", "Zx9!")
    page.fill("#id_password2", "Zx9!-typo")
    page.click("main form button[type=submit]")
    expect(field_error(page, "email")).to_have_text(email)
    expect(field_error(page, "password1")).to_contain_text("8")
    expect(field_error(page, "password2")).to_be_visible()  # they differ
    expect(field_error(page, "name")).to_have_count(0)
    screenshot(page, f"accounts-register-checked-in-page-{locale[:2]}")
    # Changing the first password to the second's clears "they differ".
    page.fill("#id_password1", "Zx9!-typo")
    expect(field_error(page, "password2")).to_have_count(0)

    page.goto(base + "/accounts/password-reset")
    page.fill("#id_email", "not an address")
    page.click("main form button[type=submit]")
    expect(field_error(page, "email")).to_have_text(email)

    assert sent == []  # nothing reached the server
    assert errors == []


def test_what_only_the_server_knows_is_one_round_trip(asgi_server, page):
    """A taken name is refused by the server (400, the right answer), which Chromium logs
    as the one console error left; the passwords typed stay in their fields."""
    customer = CustomerFactory()
    errors = console_errors(page)
    page.goto(asgi_server.url + "/accounts/register")
    fill_registration(page, phone="+79090951670", username=customer.username)
    assert submit(page) == 400
    expect(field_error(page, "username")).to_be_visible()
    expect(page.locator("#id_password1")).to_have_value(NEW_PASSWORD)
    assert errors == [
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
