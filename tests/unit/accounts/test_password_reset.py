"""Password reset at /accounts/password-reset: one answer for every address, the e-mail
through the task worker, a link that works once and expires, every session ended."""

import re
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail

from tenantdesk.accounts.revocation import user_access_changed
from tenantdesk.accounts.sessions import session_user
from tests.factories import PASSWORD, CustomerFactory, ManagerFactory
from tests.unit.notifications.email_helpers import jobs, run_worker

pytestmark = pytest.mark.django_db

URL = "/accounts/password-reset"
SENT = "/accounts/password-reset/sent"
NEW_PASSWORD = "tall-Giraffe-eats-7-leaves"
LINK = re.compile(r"http://testserver(/accounts/password-reset/[^/\s\"<]+/[^/\s\"<]+)")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def ask(client, email, **extra):
    return client.post(URL, {"email": email}, **extra)


def reset_jobs():
    return jobs("password_reset_send")


def the_link(message) -> str:
    """The path of the reset link in an e-mail's text, checked to be in its HTML too."""
    match = LINK.search(message.body)
    assert match, message.body
    html = message.alternatives[0][0]
    assert match.group(0) in html
    return match.group(1)


def emailed_link(client, user) -> str:
    assert ask(client, user.email).status_code == 302
    run_worker()
    (message,) = [m for m in mail.outbox if m.to == [user.email]]
    mail.outbox.clear()
    return the_link(message)


def set_new_password(client, link, password=NEW_PASSWORD):
    """Opens the link (Django moves the token into the session and redirects) and posts
    the new password; returns the final response."""
    opened = client.get(link)
    assert opened.status_code == 302, opened.status_code
    form_url = opened["Location"]
    return client.post(
        form_url, {"new_password1": password, "new_password2": password}, follow=True
    )


def test_the_sign_in_page_links_to_the_reset_page(client):
    body = client.get("/accounts/login").content.decode()
    assert 'href="/accounts/password-reset"' in body
    assert "Forgot your password?" in body


def test_known_and_unknown_addresses_get_the_same_answer(client, customer):
    known = ask(client, customer.email)
    unknown = ask(client, "nobody-here@example.com")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == SENT
    assert known.content == unknown.content
    assert sorted(known.headers.items()) == sorted(unknown.headers.items())
    # The page it leads to differs only by the CSRF token's per-response mask.
    first, second = client.get(SENT), client.get(SENT)
    assert first.status_code == second.status_code == 200
    assert CSRF.sub("", first.content.decode()) == CSRF.sub("", second.content.decode())
    assert "If an account uses the address you entered" in first.content.decode()
    # Both were queued: the request did the same work for each.
    assert reset_jobs().count() == 2


def test_the_email_is_queued_not_sent_in_the_request_and_its_link_works(client, customer):
    response = ask(client, customer.email.upper())  # the address's case does not matter
    assert response.status_code == 302
    assert mail.outbox == []
    assert reset_jobs().count() == 1

    run_worker()
    (message,) = mail.outbox
    assert message.to == [customer.email]
    assert message.subject == "[Tenant Desk] Reset your password"
    assert "The link works once, for 60 minutes." in message.body
    assert message.alternatives[0][1] == "text/html"
    link = the_link(message)

    done = set_new_password(client, link)
    assert done.redirect_chain[-1] == ("/accounts/password-reset/done", 302)
    body = done.content.decode()
    assert "Your password has been changed" in body
    assert 'href="/accounts/login"' in body
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    # Not signed in by the reset: the person signs in with the new password.
    assert "_auth_user_id" not in client.session
    signed_in = client.post(
        "/accounts/login", {"username": customer.username, "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302


def test_an_unknown_address_is_queued_and_sends_nothing(client):
    ask(client, "nobody-here@example.com")
    assert run_worker() == 1
    assert mail.outbox == []


def test_the_email_and_its_link_are_in_the_persons_language(client):
    person = CustomerFactory(language="ru", first_name="Ольга")
    ask(client, person.email)
    run_worker()
    (message,) = mail.outbox
    assert message.subject == "[Tenant Desk] Сброс пароля"
    assert "Здравствуйте, Ольга!" in message.body
    assert "Ссылка действует один раз, 60 минут." in message.body
    assert 'lang="ru"' in message.alternatives[0][0]
    done = set_new_password(client, the_link(message))
    assert done.status_code == 200
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)


def test_the_link_works_once(client, customer):
    link = emailed_link(client, customer)
    set_new_password(client, link)
    again = client.get(link, follow=True)
    assert again.status_code == 400
    assert "This link does not work" in again.content.decode()
    # Nor can the second use set another password.
    form_url = link.rsplit("/", 1)[0] + "/set-password"
    refused = client.post(
        form_url, {"new_password1": "other-Giraffe-88", "new_password2": "other-Giraffe-88"}
    )
    assert refused.status_code == 400
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)


@pytest.mark.parametrize(("seconds_later", "works"), [(3599, True), (3601, False)])
def test_the_link_expires_after_the_timeout(client, customer, monkeypatch, seconds_later, works):
    link = emailed_link(client, customer)
    later = datetime.now() + timedelta(seconds=seconds_later)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)
    opened = client.get(link)
    if works:
        assert opened.status_code == 302
    else:
        assert opened.status_code == 400
        assert "This link does not work" in opened.content.decode()


def test_the_timeout_is_a_setting(client, customer, monkeypatch, settings):
    settings.PASSWORD_RESET_TIMEOUT = 600
    link = emailed_link(client, customer)
    later = datetime.now() + timedelta(seconds=601)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)
    assert client.get(link).status_code == 400


def test_an_altered_link_is_refused(client, customer):
    link = emailed_link(client, customer)
    assert client.get(link[:-2] + ("aa" if not link.endswith("aa") else "bb")).status_code == 400


def test_a_new_password_ends_every_session_and_closes_the_sockets(
    client, customer, django_capture_on_commit_callbacks
):
    laptop, phone = (client.__class__() for _ in range(2))
    for device in (laptop, phone):
        device.force_login(customer, backend="tenantdesk.accounts.backends.PeopleBackend")
        assert device.get("/accounts/profile").status_code == 200
    link = emailed_link(client, customer)
    heard = []

    def listener(sender, user_ids, **kwargs):
        heard.extend(user_ids)

    user_access_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            set_new_password(client, link)
    finally:
        user_access_changed.disconnect(listener)
    assert heard == [customer.pk]
    for device in (laptop, phone):
        key = device.session.session_key
        assert session_user(key) is None
        answer = device.get("/accounts/profile")
        assert answer.status_code == 302
        assert answer["Location"].startswith("/accounts/login?next=")


def test_the_browser_that_resets_while_signed_in_is_signed_out_too(client, customer):
    client.force_login(customer, backend="tenantdesk.accounts.backends.PeopleBackend")
    link = emailed_link(client, customer)
    set_new_password(client, link)
    assert client.get("/accounts/profile").status_code == 302


def test_an_inactive_account_gets_no_email_and_the_same_answer(client):
    inactive = CustomerFactory(is_active=False)
    active = CustomerFactory()
    refused, accepted = ask(client, inactive.email), ask(client, active.email)
    assert refused.status_code == accepted.status_code == 302
    assert refused.content == accepted.content and refused["Location"] == accepted["Location"]
    run_worker()
    assert [m.to for m in mail.outbox] == [[active.email]]


def test_a_manager_can_reset_too(client):
    manager = ManagerFactory()
    link = emailed_link(client, manager)
    set_new_password(client, link)
    manager.refresh_from_db()
    assert manager.check_password(NEW_PASSWORD)


def test_over_the_limit_per_address_the_answer_stays_the_same_and_nothing_is_sent(
    client, customer, settings
):
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 2
    answers = [ask(client, customer.email) for _ in range(3)]
    assert {a.status_code for a in answers} == {302}
    assert len({(a.content, a["Location"]) for a in answers}) == 1
    assert reset_jobs().count() == 2
    run_worker()
    assert len(mail.outbox) == 2
    # Another address is counted on its own.
    ask(client, "someone-else@example.com")
    assert reset_jobs().count() == 3


def test_over_the_limit_per_client_address_nothing_more_is_queued(client, settings):
    settings.PASSWORD_RESET_LIMIT_PER_IP = 2
    people = CustomerFactory.create_batch(3)
    answers = [ask(client, person.email) for person in people]
    assert len({(a.status_code, a.content, a["Location"]) for a in answers}) == 1
    assert reset_jobs().count() == 2
    # Another client is counted on its own.
    ask(client, people[2].email, REMOTE_ADDR="10.1.2.3")
    assert reset_jobs().count() == 3


def test_a_malformed_address_is_refused_at_the_field(client):
    response = ask(client, "not-an-address")
    assert response.status_code == 400
    assert response.context["form"].errors["email"] == ["Enter a valid email address."]
    assert 'data-field-error="email"' in response.content.decode()
    assert reset_jobs().count() == 0


def test_the_new_password_is_checked_by_djangos_validators(client, customer):
    link = emailed_link(client, customer)
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 400
    assert response.context["form"].errors["new_password2"]
    assert 'data-field-error="new_password2"' in response.content.decode()
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)
    mismatch = client.post(
        form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"}
    )
    assert mismatch.status_code == 400
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_the_pages_speak_russian(client, customer):
    client.cookies["django_language"] = "ru"
    page = client.get(URL).content.decode()
    assert "Сброс пароля" in page
    sent = ask(client, customer.email, follow=True).content.decode()
    assert "Проверьте почту" in sent
