"""Two-factor sign-in in a real browser: turned on from the profile (the key read from the
page, the code computed as an authenticator app would), the recovery codes shown once,
then signing out and in again with the password and a code. Every new page passes axe."""

import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def app_code(secret: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the key typed in (base32, spaces ignored)."""
    key = secret.replace(" ", "")
    key += "=" * (-len(key) % 8)
    clock = TOTP(b32decode(key))
    clock.time = time.time() + 30 * steps_ahead
    return f"{clock.token():06d}"


def submit(page, form: str):
    with page.expect_navigation() as navigation:
        page.click(f"[data-testid={form}] button[type=submit]")
    return navigation.value.status


def test_turn_on_two_factor_then_sign_in_with_a_code(asgi_server, page, screenshot):
    customer = CustomerFactory(first_name="Olga")
    sign_in(page, asgi_server.url, customer.username, PASSWORD)
    page.wait_for_url(asgi_server.url + "/request/new")

    page.click(".td-account__button")  # Profile is in the person's menu
    page.get_by_test_id("nav-profile").click()
    page.wait_for_url(asgi_server.url + "/accounts/profile")
    page.get_by_test_id("two-factor-turn-on").click()
    page.wait_for_url(asgi_server.url + "/accounts/two-factor/setup")
    expect(page.locator("[data-testid=two-factor-qr] svg")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "accounts-two-factor-setup-en")
    secret = page.get_by_test_id("two-factor-secret").inner_text()

    # A wrong code first: refused at the field.
    page.fill("#id_code", "000000" if app_code(secret) != "000000" else "111111")
    assert submit(page, "two-factor-setup-form") == 400
    expect(page.locator("[data-field-error=code]")).to_be_visible()
    # django-otp's throttle refuses any code for 1 s after a wrong one.
    time.sleep(1.2)

    page.fill("#id_code", app_code(secret))
    assert submit(page, "two-factor-setup-form") == 200
    codes = page.locator("[data-testid=recovery-codes] li")
    expect(codes).to_have_count(10)
    assert_accessible(page)
    screenshot(page, "accounts-two-factor-codes-en")
    page.get_by_test_id("recovery-codes-done").click()
    page.wait_for_url(asgi_server.url + "/accounts/profile")
    expect(page.get_by_test_id("two-factor-status")).to_contain_text("10 recovery codes left")
    assert_accessible(page)

    page.click(".td-account__button")
    with page.expect_navigation():
        page.click("nav form[action='/accounts/logout'] button")

    sign_in(page, asgi_server.url, customer.username, PASSWORD)
    page.wait_for_url(asgi_server.url + "/accounts/login/verify")
    expect(page.locator("h1")).to_have_text("Sign-in code")
    assert_accessible(page)
    # The code used at setup cannot be used again; the app's next one can.
    page.fill("#id_code", app_code(secret, steps_ahead=1))
    with page.expect_navigation():
        page.click("[data-testid=two-factor-verify-form] button[type=submit]")
    page.wait_for_url(asgi_server.url + "/request/new")
    expect(page.get_by_test_id("nav-user")).to_contain_text("Olga")
