"""Password reset in a real browser: from "Forgot your password?" on the sign-in page,
through the e-mail the task worker sends, to signing in with the new password; then the
profile that the navigation links to. Every page passes axe."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.e2e.accessibility import assert_accessible
from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD, CustomerFactory
from tests.unit.notifications.email_helpers import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "tall-Giraffe-eats-7-leaves"


def submit(page):
    """Clicks the main form's button; returns the HTTP status of the page it leads to."""
    with page.expect_navigation() as navigation:
        page.click("main form button[type=submit]")
    return navigation.value.status


def test_forgot_password_then_sign_in_with_the_new_one(
    asgi_server, page, new_context, settings, screenshot
):
    customer = CustomerFactory(first_name="Olga")
    # Another browser signed in as the same person: the reset signs it out.
    other = new_context().new_page()
    sign_in(other, asgi_server.url, customer.username, PASSWORD)
    other.wait_for_url(asgi_server.url + "/request/new")

    page.goto(asgi_server.url + "/accounts/login")
    page.get_by_test_id("forgot-password").click()
    page.wait_for_url(asgi_server.url + "/accounts/password-reset")
    assert_accessible(page)
    page.fill("#id_email", customer.email)
    assert submit(page) == 200
    expect(page.get_by_test_id("password-reset-sent")).to_contain_text("Check your e-mail")
    assert_accessible(page)
    # Queued by the page, sent by the task worker (here: its loop, in this process).
    assert mail.outbox == []
    settings.SITE_URL = asgi_server.url
    run_worker()
    (message,) = mail.outbox
    assert message.to == [customer.email]
    link = re.search(re.escape(asgi_server.url) + r"/accounts/password-reset/\S+", message.body)
    assert link, message.body

    page.goto(link.group(0))
    expect(page.locator("h1")).to_have_text("Choose a new password")
    assert_accessible(page)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    assert submit(page) == 200
    expect(page.get_by_test_id("password-reset-complete")).to_contain_text(
        "Your password has been changed"
    )
    assert_accessible(page)
    screenshot(page, "accounts-password-reset-complete-en")

    # The link is spent.
    page.goto(link.group(0))
    expect(page.get_by_test_id("reset-link-invalid")).to_be_visible()

    # The other browser is signed out.
    other.reload()
    expect(other).to_have_url(re.compile(r"/accounts/login\?next="))

    sign_in(page, asgi_server.url, customer.username, NEW_PASSWORD)
    page.wait_for_url(asgi_server.url + "/request/new")
    expect(page.get_by_test_id("nav-user")).to_contain_text("Olga")

    # The profile, from the navigation: the language chosen there is the page's at once.
    page.click(".td-account__button")  # Profile is in the person's menu
    page.get_by_test_id("nav-profile").click()
    page.wait_for_url(asgi_server.url + "/accounts/profile")
    assert_accessible(page)
    page.select_option("#id_language", "ru")
    with page.expect_navigation():
        page.click("[data-testid=profile-details-form] button[type=submit]")
    expect(page.locator("h1")).to_have_text("Профиль")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    screenshot(page, "accounts-profile-ru")


def test_a_new_password_too_short_or_repeated_wrong_is_shown_before_sending(asgi_server, page):
    """The reset link's form checks the typical mistakes in the page: no 400 round trip,
    so no console error (Chromium logs every 400 answer as one)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    customer = CustomerFactory()
    errors, posted = [], []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("request", lambda request: request.method == "POST" and posted.append(request.url))
    uid = urlsafe_base64_encode(force_bytes(customer.pk))
    token = default_token_generator.make_token(customer)
    page.goto(f"{asgi_server.url}/accounts/password-reset/{uid}/{token}")
    expect(page.locator("h1")).to_have_text("Choose a new password")

    page.fill("#id_new_password1", "short")
    page.fill("#id_new_password2", "shorter")
    page.click("main form button[type=submit]")
    expect(page.locator("[data-field-error=new_password1]")).to_contain_text("at least 8")
    expect(page.locator("[data-field-error=new_password2]")).to_have_text(
        "The two password fields didn’t match."
    )
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    expect(page.locator("[data-field-error]")).to_have_count(0)
    assert submit(page) == 200
    expect(page.get_by_test_id("password-reset-complete")).to_be_visible()
    assert len(posted) == 1  # only the good one was sent
    assert errors == []
