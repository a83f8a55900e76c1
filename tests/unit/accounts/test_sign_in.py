"""Sign-in at /accounts/login: messages, where each role lands, the lock-out, sign-out."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F

from tenantdesk.accounts.client_ip import client_ip
from tenantdesk.accounts.models import SignInGate

pytestmark = pytest.mark.django_db

URL = "/accounts/login"
WRONG = "Username or password is incorrect."


def sign_in(client, username, password, **extra):
    return client.post(URL, {"username": username, "password": password}, **extra)


def seconds_left(response) -> int:
    match = re.search(r'id="lockout-countdown"[^>]*data-seconds="(\d+)"', response.content.decode())
    assert match, "the blocked page shows the seconds left"
    return int(match.group(1))


# A minute's window, so a loaded machine's slow requests cannot let a count run out between
# a test's attempts (the 3 s of the test settings did, at load 13); the tests that need a
# window to end move the counts back in time, and one waits a short real cool-off.
COOL_OFF_SECONDS = 60


@pytest.fixture(autouse=True)
def _minute_window(settings):
    settings.LOGIN_COOLOFF_SECONDS = COOL_OFF_SECONDS
    settings.AXES_COOLOFF_TIME = timedelta(seconds=COOL_OFF_SECONDS)


def move_back(seconds: float):
    """Moves every count (the gate's and axes' records) back in time."""
    delta = timedelta(seconds=seconds)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - delta)
    SignInGate.objects.update(
        window_started_at=F("window_started_at") - delta,
        blocked_until=F("blocked_until") - delta,
        expires_at=F("expires_at") - delta,
    )


def end_cool_off():
    """Moves every counted failure back past the cool-off."""
    move_back(COOL_OFF_SECONDS + 10)


def test_wrong_password_shows_the_message(client, customer):
    response = sign_in(client, customer.username, "wrong-password")
    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_unknown_user_gets_the_same_message(client):
    response = sign_in(client, "nobody", "whatever-123")
    assert response.status_code == 200
    assert WRONG in response.content.decode()


def test_customer_lands_on_new_request(client, customer, password):
    response = sign_in(client, customer.username, password)
    assert response.status_code == 302
    assert response.url == "/request/new"
    assert client.session["_auth_user_id"] == str(customer.pk)


def test_manager_lands_on_request_list(client, manager, password):
    response = sign_in(client, manager.username, password)
    assert response.status_code == 302
    assert response.url == "/request/list"


def test_superuser_lands_on_request_list(client, django_user_model, password):
    django_user_model.objects.create_superuser("root", "root@example.com", password)
    response = sign_in(client, "root", password)
    assert response.url == "/request/list"


def test_next_is_honoured(client, customer, password):
    response = client.post(
        URL + "?next=/request/list",
        {"username": customer.username, "password": password, "next": "/request/list"},
    )
    assert response.status_code == 302
    assert response.url == "/request/list"


def test_next_is_kept_in_the_form(client):
    response = client.get(URL + "?next=/request/list")
    assert 'name="next" value="/request/list"' in response.content.decode()


@pytest.mark.parametrize(
    "unsafe", ["https://evil.example/", "//evil.example/path", "javascript:alert(1)"]
)
def test_unsafe_next_is_refused(client, customer, password, unsafe):
    response = client.post(
        URL, {"username": customer.username, "password": password, "next": unsafe}
    )
    assert response.status_code == 302
    assert response.url == "/request/new"


def test_signed_in_user_visiting_sign_in_goes_to_their_start_page(client, manager):
    client.force_login(manager)
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == "/request/list"


def test_request_pages_send_anonymous_visitors_to_sign_in_with_next(client):
    response = client.get("/request/new")
    assert response.status_code == 302
    assert response.url == "/accounts/login?next=/request/new"


# --- Lock-out ----------------------------------------------------------------------------


def test_fourth_failure_blocks_the_address_then_it_ends(client, customer, password, settings):
    assert settings.AXES_FAILURE_LIMIT == 4
    for _ in range(3):
        response = sign_in(client, customer.username, "wrong-password")
        assert response.status_code == 200
        assert WRONG in response.content.decode()

    response = sign_in(client, customer.username, "wrong-password")
    assert response.status_code == 429
    body = response.content.decode()
    assert "Too many failed sign-in attempts" in body
    assert 1 <= seconds_left(response) <= settings.LOGIN_COOLOFF_SECONDS
    assert response["Retry-After"] == str(seconds_left(response))
    assert 'class="td-brand"' in body  # the site's layout, not a bare page

    # The right password does not help while the address is blocked.
    response = sign_in(client, customer.username, password)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Nor does the sign-in page itself: it shows the block with the time left.
    response = client.get(URL)
    assert response.status_code == 429
    assert seconds_left(response) >= 1

    end_cool_off()
    assert client.get(URL).status_code == 200
    response = sign_in(client, customer.username, password)
    assert response.status_code == 302
    assert response.url == "/request/new"
    # A new window after the cool-off: three more failures are not a block.
    client.logout()
    for _ in range(3):
        assert sign_in(client, customer.username, "wrong-password").status_code == 200


def test_block_ends_by_itself_after_the_real_cool_off(client, customer, password, settings):
    """No clock tricks: wait a short real cool-off and sign in."""
    import time

    settings.LOGIN_COOLOFF_SECONDS = 3
    settings.AXES_COOLOFF_TIME = timedelta(seconds=3)

    for _ in range(4):
        response = sign_in(client, customer.username, "wrong-password")
    assert response.status_code == 429
    time.sleep(seconds_left(response) + 0.2)
    response = sign_in(client, customer.username, password)
    assert response.status_code == 302


def test_a_success_does_not_forgive_the_failures_before_it(client, customer, password):
    """Only the sign-in's own slot is given back (accounts/gate.py). Before the gate, a
    success wiped the address's count, so anyone with an account could sign in between
    guesses at someone else's password and never be blocked."""
    for _ in range(3):
        assert sign_in(client, customer.username, "wrong-password").status_code == 200
    assert sign_in(client, customer.username, password).status_code == 302
    client.logout()
    response = sign_in(client, customer.username, "wrong-password")
    assert response.status_code == 429
    assert sign_in(client, customer.username, password).status_code == 429
    assert SignInGate.objects.get().failures == 4


def test_signing_in_never_uses_up_the_count(client, customer, password):
    # Many people behind one office address sign in all day: successes are not counted.
    for _ in range(10):
        assert sign_in(client, customer.username, password).status_code == 302
        client.logout()
    gate = SignInGate.objects.get()
    assert (gate.attempts, gate.failures) == (0, 0)


def test_checks_in_flight_hold_their_slots_so_nothing_more_is_admitted(client, customer, password):
    """What a parallel burst looks like to the last attempt: every slot is taken by a check
    still running on some worker. The right password is not even checked."""
    from tenantdesk.accounts.gate import sign_in_gate_reserve

    for _ in range(4):
        assert sign_in_gate_reserve(ip_address="127.0.0.1") is not None
    response = sign_in(client, customer.username, password)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert 1 <= seconds_left(response) <= COOL_OFF_SECONDS
    assert not AccessAttempt.objects.exists()  # refused before any check: no failure


def test_the_admin_login_goes_through_the_same_gate(client, django_user_model, password):
    django_user_model.objects.create_superuser("root", "root@example.com", password)
    # Failures on either page add up to one count.
    for _ in range(2):
        assert sign_in(client, "root", "wrong-password").status_code == 200
    response = client.post("/admin/login/", {"username": "root", "password": "wrong-1"})
    assert response.status_code == 200
    response = client.post("/admin/login/", {"username": "root", "password": "wrong-2"})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    response = client.post("/admin/login/", {"username": "root", "password": password})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert sign_in(client, "root", password).status_code == 429
    assert SignInGate.objects.get().failures == 4


def test_a_customer_with_the_right_password_on_the_admin_login_is_a_counted_failure(
    client, customer, password
):
    from tenantdesk.accounts.models import SignInEvent

    response = client.post("/admin/login/", {"username": customer.username, "password": password})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    gate = SignInGate.objects.get()
    assert (gate.attempts, gate.failures) == (1, 1)
    assert AccessAttempt.objects.get().failures_since_start == 1
    event = SignInEvent.objects.get()
    assert (event.kind, event.username) == (SignInEvent.Kind.FAILED, customer.username)


def test_an_administrator_lifts_a_block_by_deleting_the_addresss_row(
    client, customer, password, django_user_model
):
    from django.test import Client

    for _ in range(4):
        sign_in(client, customer.username, "wrong-password")
    assert sign_in(client, customer.username, password).status_code == 429
    admin = Client(REMOTE_ADDR="192.0.2.200")
    admin.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "x"))
    listing = admin.get("/admin/accounts/signingate/")
    assert listing.status_code == 200 and "127.0.0.1" in listing.content.decode()
    gate = SignInGate.objects.get()
    assert admin.get(f"/admin/accounts/signingate/{gate.pk}/change/").status_code == 200
    response = admin.post(f"/admin/accounts/signingate/{gate.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not SignInGate.objects.exists()
    assert sign_in(client, customer.username, password).status_code == 302


def test_failures_for_different_names_from_one_address_add_up(client, customer, password):
    for name in ("a", "b", "c"):
        assert sign_in(client, name, "x-wrong-1").status_code == 200
    assert sign_in(client, customer.username, "wrong-password").status_code == 429
    assert sign_in(client, customer.username, password).status_code == 429


def test_seconds_left_counts_down_from_the_blocking_failure(client, customer, settings):
    for _ in range(4):
        response = sign_in(client, customer.username, "wrong-password")
    assert seconds_left(response) == 60
    move_back(25)
    # Knocking again does not extend the block.
    response = sign_in(client, customer.username, "wrong-password")
    assert response.status_code == 429
    assert 34 <= seconds_left(response) <= 35


def test_forged_forwarded_for_does_not_evade_the_block(client, customer, password, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    for n in range(4):
        response = sign_in(
            client, customer.username, "wrong-password", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
        )
    assert response.status_code == 429
    # A new forged address and the right password: still the same client, still blocked.
    response = sign_in(client, customer.username, password, HTTP_X_FORWARDED_FOR="203.0.113.77")
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}


def test_behind_one_trusted_proxy_the_rightmost_address_is_the_client(
    client, customer, password, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    # The proxy appends the address it saw; whatever the client wrote comes before it.
    for n in range(4):
        response = sign_in(
            client,
            customer.username,
            "wrong-password",
            HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 203.0.113.5",
        )
    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}
    # The blocked client forging another left-hand address is still blocked ...
    response = sign_in(
        client, customer.username, password, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.5"
    )
    assert response.status_code == 429
    # ... while another client behind the same proxy signs in.
    response = sign_in(client, customer.username, password, HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert response.status_code == 302


class FakeRequest:
    def __init__(self, remote_addr="127.0.0.1", forwarded=None):
        self.META = {"REMOTE_ADDR": remote_addr}
        if forwarded is not None:
            self.META["HTTP_X_FORWARDED_FOR"] = forwarded


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "203.0.113.9", "192.0.2.1"),
        (1, "192.0.2.1", "203.0.113.9", "203.0.113.9"),
        (1, "192.0.2.1", "1.1.1.1, 203.0.113.9", "203.0.113.9"),
        (2, "192.0.2.1", "1.1.1.1, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (1, "192.0.2.1", None, "192.0.2.1"),  # reached without the proxy
        (2, "192.0.2.1", "203.0.113.9", "192.0.2.1"),  # fewer hops than proxies
        (1, "192.0.2.1", "1.1.1.1, not-an-ip", "192.0.2.1"),
        (1, "192.0.2.1", " 2001:db8::1 ", "2001:db8::1"),
    ],
)
def test_client_ip(settings, proxies, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(FakeRequest(remote, forwarded)) == expected


# --- Sign-out ----------------------------------------------------------------------------


def test_sign_out_by_post(client, customer):
    client.force_login(customer)
    response = client.post("/accounts/logout")
    assert response.status_code == 302
    assert response.url == "/"
    assert "_auth_user_id" not in client.session


def test_sign_out_by_get_is_refused(client, customer):
    client.force_login(customer)
    response = client.get("/accounts/logout")
    assert response.status_code == 405
    assert client.session["_auth_user_id"] == str(customer.pk)
