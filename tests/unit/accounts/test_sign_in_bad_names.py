"""User names a sign-in form may receive but no account can have: far too long (axes keeps
255 characters, our log 150; PostgreSQL refuses longer), or with a NUL character
(PostgreSQL refuses it in any text). Each is an ordinary wrong sign-in: the usual message,
counted by the lock-out, logged. Runs on SQLite here and on PostgreSQL in CI."""

import pytest
from axes.models import AccessAttempt

from tenantdesk.accounts.models import SignInEvent, SignInGate

pytestmark = pytest.mark.django_db

WRONG = "Username or password is incorrect."
ADMIN_WRONG = "Please enter the correct username and password for a staff account."
PAGES = {"sign-in": ("/accounts/login", WRONG), "admin": ("/admin/login/", ADMIN_WRONG)}
NAMES = {
    "256 characters": "a" * 256,
    "5000 characters": "b" * 5000,
    "NUL inside": "mal\x00lory",
    "only NUL": "\x00",
}


def post(client, path, username, password="wrong-password-1"):
    return client.post(path, {"username": username, "password": password})


def expected_log_name(name: str, length: int) -> str:
    return name.replace("\x00", "\ufffd")[:length]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("name", NAMES)
def test_a_bad_user_name_is_an_ordinary_counted_and_logged_failure(client, page, name):
    path, message = PAGES[page]
    username = NAMES[name]
    response = post(client, path, username)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Counted by the gate and by axes ...
    gate = SignInGate.objects.get()
    assert (gate.attempts, gate.failures) == (1, 1)
    attempt = AccessAttempt.objects.get()
    assert attempt.failures_since_start == 1
    assert attempt.username == expected_log_name(username, 255)
    # ... and logged, the name cleaned and cut to the column.
    event = SignInEvent.objects.get()
    assert event.kind == SignInEvent.Kind.FAILED
    assert event.username == expected_log_name(username, 150)


@pytest.mark.parametrize("page", PAGES)
def test_bad_user_names_add_up_to_a_block(client, customer, password, page):
    path, _ = PAGES[page]
    for username in ("a" * 300, "x\x00y", "c" * 256):
        assert post(client, path, username).status_code == 200
    response = post(client, path, "\x00" * 3)
    assert response.status_code == 429
    assert post(client, path, customer.username, password).status_code == 429
    assert SignInEvent.objects.filter(kind=SignInEvent.Kind.FAILED).count() == 4
    assert SignInEvent.objects.filter(kind=SignInEvent.Kind.LOCKED_OUT).count() == 2


def test_a_nul_character_never_matches_an_account(client, customer, password):
    # Cleaning the name for the check must not make it somebody's name.
    response = post(client, "/accounts/login", customer.username + "\x00", password)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_nul_character_in_the_password_is_a_counted_failure(client, customer, password):
    response = post(client, "/accounts/login", customer.username, password + "\x00")
    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert SignInGate.objects.get().failures == 1
    assert SignInEvent.objects.get().kind == SignInEvent.Kind.FAILED


def test_a_name_of_the_longest_allowed_length_still_signs_in(client, django_user_model):
    user = django_user_model.objects.create_user("n" * 150, password="long-name-pass-42")
    response = post(client, "/accounts/login", user.username, "long-name-pass-42")
    assert response.status_code == 302
    assert SignInEvent.objects.get().username == user.username
