"""The profile at /accounts/profile: name, language, a confirmed change of address, and a
password change that keeps this session and ends the others."""

import re
import time

import pytest
from django.core import mail, signing
from django.test import Client

from tenantdesk.accounts.email_change import SALT, email_change_token
from tenantdesk.accounts.revocation import user_access_changed
from tenantdesk.accounts.sessions import session_user
from tests.factories import PASSWORD, CustomerFactory, ManagerFactory
from tests.unit.notifications.email_helpers import jobs, run_worker

pytestmark = pytest.mark.django_db

URL = "/accounts/profile"
BACKEND = "tenantdesk.accounts.backends.PeopleBackend"
NEW_PASSWORD = "tall-Giraffe-eats-7-leaves"
CONFIRM_LINK = re.compile(r"http://testserver(/accounts/profile/email/confirm/[^\s\"<]+)")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client


def errors(response, form, field):
    return response.context[form].errors.get(field, [])


def confirmation_link(client, new_email) -> str:
    """Asks for the change on the profile and returns the path e-mailed to the new address."""
    response = client.post(URL + "/email", {"email": new_email})
    assert response.status_code == 302, response.status_code
    run_worker()
    (message,) = [m for m in mail.outbox if m.to == [new_email]]
    mail.outbox.clear()
    match = CONFIRM_LINK.search(message.body)
    assert match, message.body
    assert match.group(0) in message.alternatives[0][0]
    return match.group(1)


@pytest.fixture
def heard():
    """The users announced to their sockets (user_access_changed) during the test."""
    users = []

    def listener(sender, user_ids, **kwargs):
        users.extend(user_ids)

    user_access_changed.connect(listener)
    yield users
    user_access_changed.disconnect(listener)


# --- the page ------------------------------------------------------------------------------


def test_a_signed_out_visitor_is_sent_to_sign_in(client):
    for path in (URL, URL + "/email/confirm/anything"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login?next={path}"
    assert client.post(URL + "/password", {}).status_code == 302
    assert client.post(URL + "/email", {}).status_code == 302


def test_the_page_shows_the_forms_and_the_notifications_link(customer):
    customer.first_name, customer.last_name = "Olga", "Smirnova"
    customer.save()
    response = signed_in(customer).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    for name in ("name", "language", "email", "old_password", "new_password1", "new_password2"):
        assert f'name="{name}"' in body
    assert 'value="Olga Smirnova"' in body
    assert 'href="/accounts/notifications"' in body
    assert customer.email in body
    # The navigation links to the profile.
    assert 'data-testid="nav-profile" href="/accounts/profile"' in body


def test_name_and_language_are_saved_and_the_language_is_switched(customer):
    client = signed_in(customer)
    response = client.post(URL, {"name": "  Olga   Smirnova ", "language": "ru"}, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    assert client.cookies["django_language"].value == "ru"
    assert "Профиль сохранён." in response.content.decode()
    assert '<html lang="ru">' in response.content.decode()
    customer.refresh_from_db()
    assert (customer.first_name, customer.last_name) == ("Olga Smirnova", "")
    assert customer.display_name == "Olga Smirnova"
    assert customer.language == "ru"

    client.post(URL, {"name": "Olga", "language": "en"})
    customer.refresh_from_db()
    # The language the answer was made in is not written back over the choice.
    assert customer.language == "en"
    assert client.cookies["django_language"].value == "en"


def test_a_manager_can_use_the_profile(manager):
    client = signed_in(manager)
    assert client.get(URL).status_code == 200
    assert client.post(URL, {"name": "Anna Petrova", "language": "en"}).status_code == 302
    manager.refresh_from_db()
    assert manager.display_name == "Anna Petrova"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "Olga", "language": "de"}, "language"),
        ({"name": "   ", "language": "en"}, "name"),
        ({"name": "x" * 151, "language": "en"}, "name"),
    ],
)
def test_bad_details_are_refused_at_the_field(customer, data, field):
    response = signed_in(customer).post(URL, data)
    assert response.status_code == 400
    assert errors(response, "details_form", field)
    assert f'data-field-error="{field}"' in response.content.decode()
    customer.refresh_from_db()
    assert customer.first_name == "" and customer.language == ""


# --- password ------------------------------------------------------------------------------


def test_a_password_change_keeps_this_session_and_ends_the_others(
    customer, heard, django_capture_on_commit_callbacks
):
    here, elsewhere = signed_in(customer), signed_in(customer)
    other_key = elsewhere.session.session_key
    with django_capture_on_commit_callbacks(execute=True):
        response = here.post(
            URL + "/password",
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
            follow=True,
        )
    assert response.redirect_chain == [(URL, 302)]
    assert "Your password is changed." in response.content.decode()
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    # This browser stays signed in; the other one is signed out, its sockets told.
    assert here.get(URL).status_code == 200
    assert session_user(here.session.session_key) == customer
    assert session_user(other_key) is None
    assert elsewhere.get(URL)["Location"] == f"/accounts/login?next={URL}"
    assert heard == [customer.pk]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"old_password": "wrong", "new_password1": NEW_PASSWORD}, "old_password"),
        ({"old_password": PASSWORD, "new_password1": "12345"}, "new_password2"),
    ],
)
def test_a_bad_password_change_is_refused_at_the_field(customer, data, field):
    client = signed_in(customer)
    data = {"new_password2": data["new_password1"], **data}
    response = client.post(URL + "/password", data)
    assert response.status_code == 400
    assert errors(response, "password_form", field)
    assert f'data-field-error="{field}"' in response.content.decode()
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)
    assert client.get(URL).status_code == 200


# --- e-mail address ------------------------------------------------------------------------


def test_a_new_address_changes_only_once_confirmed_from_it(customer):
    old = customer.email
    client = signed_in(customer)
    response = client.post(URL + "/email", {"email": "olga.new@example.com"}, follow=True)
    assert "We have sent a confirmation link to olga.new@example.com." in response.content.decode()
    assert mail.outbox == []  # queued, not sent in the request
    assert jobs("email_change_send").count() == 1
    customer.refresh_from_db()
    assert customer.email == old

    run_worker()
    (message,) = mail.outbox
    assert message.to == ["olga.new@example.com"]
    assert message.subject == "[Tenant Desk] Confirm your new e-mail address"
    assert "The link works for 24 hours." in message.body
    path = CONFIRM_LINK.search(message.body).group(1)
    customer.refresh_from_db()
    assert customer.email == old  # still, until the link is opened

    opened = client.get(path, follow=True)
    assert opened.redirect_chain == [(URL, 302)]
    assert "Your e-mail address is now olga.new@example.com." in opened.content.decode()
    customer.refresh_from_db()
    assert customer.email == "olga.new@example.com"

    # Used once: the second time it is refused and changes nothing.
    again = client.get(path)
    assert again.status_code == 400
    assert "has been used already" in again.content.decode()


def test_the_confirmation_email_is_in_the_persons_language(customer):
    customer.language, customer.first_name = "ru", "Ольга"
    customer.save()
    path = None
    client = signed_in(customer)
    client.cookies["django_language"] = "ru"
    client.post(URL + "/email", {"email": "olga.new@example.com"})
    run_worker()
    (message,) = mail.outbox
    assert message.subject == "[Tenant Desk] Подтвердите новый адрес электронной почты"
    assert "Здравствуйте, Ольга!" in message.body
    path = CONFIRM_LINK.search(message.body).group(1)
    assert client.get(path).status_code == 302


@pytest.mark.parametrize("typed", ["taken@example.com", "TAKEN@Example.com"])
def test_an_address_of_another_account_is_refused_at_the_field(customer, typed):
    CustomerFactory(email="taken@example.com")
    response = signed_in(customer).post(URL + "/email", {"email": typed})
    assert response.status_code == 400
    assert errors(response, "email_form", "email") == ["Another account uses this e-mail address."]
    assert 'data-field-error="email"' in response.content.decode()
    assert jobs("email_change_send").count() == 0


@pytest.mark.parametrize("typed", ["", "not-an-address"])
def test_a_malformed_address_is_refused_at_the_field(customer, typed):
    response = signed_in(customer).post(URL + "/email", {"email": typed})
    assert response.status_code == 400
    assert errors(response, "email_form", "email")
    assert jobs("email_change_send").count() == 0


def test_the_own_address_again_is_refused(customer):
    response = signed_in(customer).post(URL + "/email", {"email": customer.email.upper()})
    assert response.status_code == 400
    assert errors(response, "email_form", "email") == ["This is already your e-mail address."]


def test_an_address_taken_before_the_confirmation_is_refused_then(customer):
    client = signed_in(customer)
    path = confirmation_link(client, "wanted@example.com")
    CustomerFactory(email="Wanted@example.com")
    response = client.get(path)
    assert response.status_code == 400
    assert "Another account uses this e-mail address now." in response.content.decode()
    customer.refresh_from_db()
    assert customer.email != "wanted@example.com"


def test_another_persons_link_is_refused(customer):
    path = confirmation_link(signed_in(customer), "olga.new@example.com")
    intruder = CustomerFactory()
    response = signed_in(intruder).get(path)
    assert response.status_code == 400
    assert "made for another account" in response.content.decode()
    customer.refresh_from_db()
    intruder.refresh_from_db()
    assert "olga.new@example.com" not in (customer.email, intruder.email)


def test_a_signed_out_opener_signs_in_first_then_it_applies(client, customer):
    path = confirmation_link(signed_in(customer), "olga.new@example.com")
    assert client.get(path)["Location"].startswith("/accounts/login?next=")
    client.force_login(customer, backend=BACKEND)
    assert client.get(path).status_code == 302
    customer.refresh_from_db()
    assert customer.email == "olga.new@example.com"


def test_a_tampered_link_is_refused(customer):
    client = signed_in(customer)
    path = confirmation_link(client, "olga.new@example.com")
    # Another address spliced into the signed value: the signature no longer matches.
    forged = signing.dumps(
        {"user": customer.pk, "new": "evil@example.com", "old": customer.email},
        salt="another-salt",
    )
    for wrong in (path[:-3] + "abc", f"{URL}/email/confirm/{forged}", f"{URL}/email/confirm/x"):
        response = client.get(wrong)
        assert response.status_code == 400, wrong
        assert "not valid or has expired" in response.content.decode()
    customer.refresh_from_db()
    assert customer.email not in ("olga.new@example.com", "evil@example.com")


@pytest.mark.parametrize(("age", "works"), [(24 * 3600 - 60, True), (24 * 3600 + 1, False)])
def test_a_link_expires_after_a_day(customer, monkeypatch, age, works):
    made_at = int(time.time()) - age
    monkeypatch.setattr(
        signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(made_at)
    )
    token = email_change_token(user=customer, new_email="olga.new@example.com")
    monkeypatch.undo()
    response = signed_in(customer).get(f"{URL}/email/confirm/{token}")
    customer.refresh_from_db()
    if works:
        assert response.status_code == 302
        assert customer.email == "olga.new@example.com"
    else:
        assert response.status_code == 400
        assert customer.email != "olga.new@example.com"


def test_an_older_link_stops_working_once_another_change_is_confirmed(customer):
    client = signed_in(customer)
    first = confirmation_link(client, "first@example.com")
    second = confirmation_link(client, "second@example.com")
    assert client.get(second).status_code == 302
    assert client.get(first).status_code == 400
    customer.refresh_from_db()
    assert customer.email == "second@example.com"


def test_confirmation_emails_are_limited(customer, settings):
    settings.PASSWORD_RESET_LIMIT_PER_ADDRESS = 1
    client = signed_in(customer)
    assert client.post(URL + "/email", {"email": "a@example.com"}).status_code == 302
    response = client.post(URL + "/email", {"email": "a@example.com"})
    assert response.status_code == 429
    assert errors(response, "email_form", "email") == [
        "Too many confirmation e-mails were asked for. Try again in an hour."
    ]
    assert jobs("email_change_send").count() == 1


def test_the_change_forms_take_posts_only(customer):
    client = signed_in(customer)
    assert client.get(URL + "/email").status_code == 405
    assert client.get(URL + "/password").status_code == 405


def test_a_manager_can_change_their_address():
    manager = ManagerFactory()
    client = signed_in(manager)
    assert client.get(confirmation_link(client, "boss@example.com")).status_code == 302
    manager.refresh_from_db()
    assert manager.email == "boss@example.com"


def test_the_link_does_not_tell_the_new_address_the_current_one(customer):
    # A mistyped new address belongs to a stranger, who can read a signed value.
    path = confirmation_link(signed_in(customer), "olga.new@example.com")
    token = path.rsplit("/", 1)[1]
    payload = signing.loads(token, salt=SALT)
    assert payload["new"] == "olga.new@example.com"
    assert customer.email not in str(payload)
    assert customer.email.split("@")[0] not in str(payload)


# --- the current password counts in the lock-out -------------------------------------------


def test_guessing_the_current_password_on_the_profile_is_locked_out_like_a_sign_in(
    customer, settings
):
    """A session left open cannot be used to guess the password without limit: four wrong
    current passwords (the password change and turning two-factor off alike) block the
    address, and then even the right one is not checked."""
    client = signed_in(customer)
    wrong = {"old_password": "guess", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(URL + "/password", wrong).status_code == 400
    # The last failure may come from the two-factor form: the same count.
    client.post("/accounts/two-factor/disable", {"secret": "guess"})
    right = {**wrong, "old_password": PASSWORD}
    response = client.post(URL + "/password", right)
    assert response.status_code == 429
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)
    # The block is the address's: signing in from it is refused too.
    assert (
        Client()
        .post("/accounts/login", {"username": customer.username, "password": PASSWORD})
        .status_code
        == 429
    )


def test_a_right_current_password_does_not_use_up_the_count(customer, settings):
    client = signed_in(customer)
    data = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    for turn in range(settings.AXES_FAILURE_LIMIT + 1):
        old, new = (PASSWORD, NEW_PASSWORD) if turn % 2 == 0 else (NEW_PASSWORD, PASSWORD)
        data = {"old_password": old, "new_password1": new, "new_password2": new}
        assert client.post(URL + "/password", data).status_code == 302, turn
