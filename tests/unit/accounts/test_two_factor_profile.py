"""Two-factor sign-in from the profile: turning it on with a valid code, recovery codes,
turning it off with the password or a code, managers made to set it up, and the
security_event signal."""

import re
from base64 import b32encode

import pytest
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenantdesk.accounts.signals import announce_security_event, security_event
from tests.unit.accounts.test_password_reset import emailed_link, set_new_password
from tests.unit.accounts.two_factor_helpers import (
    RECOVERY,
    code_for,
    signed_in,
    turn_on,
    wrong_code,
)

pytestmark = pytest.mark.django_db

SETUP = "/accounts/two-factor/setup"
DISABLE = "/accounts/two-factor/disable"
CODES = "/accounts/two-factor/recovery-codes"
PROFILE = "/accounts/profile"
SECRET = re.compile(r'data-testid="two-factor-secret">([A-Z2-7 ]+)<')


@pytest.fixture(autouse=True)
def _no_device_throttle(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """The security events sent, as (user pk, kind), with on-commit callbacks run."""
    received = []

    def listener(sender, user, kind, **kwargs):
        received.append((user.pk, kind))

    security_event.connect(listener)
    yield received
    security_event.disconnect(listener)


def turn_on_in_profile(client, user, django_capture_on_commit_callbacks):
    page = client.get(SETUP)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SETUP, {"code": code_for(device)})
    return page, response


def test_the_profile_offers_to_turn_it_on(customer):
    response = signed_in(customer).get(PROFILE)
    assert 'data-testid="two-factor-turn-on"' in response.content.decode()


def test_the_setup_page_shows_a_qr_code_and_the_secret_and_keeps_them_on_reload(customer):
    client = signed_in(customer)
    first = client.get(SETUP).content.decode()
    assert "<svg" in first and 'class="two-factor-qr"' in first
    assert "data:" not in first.split('data-testid="two-factor-qr"')[1].split("</svg>")[0]
    secret = SECRET.search(first).group(1)
    assert SECRET.search(client.get(SETUP).content.decode()).group(1) == secret
    device = TOTPDevice.objects.get(user=customer)
    assert not device.confirmed
    assert secret.replace(" ", "") == b32encode(device.bin_key).decode().rstrip("=")


def test_turning_on_needs_a_valid_code(customer, sent, django_capture_on_commit_callbacks):
    client = signed_in(customer)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=customer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SETUP, {"code": wrong_code(device)})
    assert response.status_code == 400
    assert response.context["form"].errors["code"]
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticDevice.objects.exists()
    assert sent == []
    assert client.post(SETUP, {"code": ""}).status_code == 400


def test_turning_on_shows_ten_codes_once_and_ends_the_other_sessions(
    customer, sent, django_capture_on_commit_callbacks
):
    other = signed_in(customer)
    client = signed_in(customer)
    _, response = turn_on_in_profile(client, customer, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10 == len(set(codes))
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(codes)
    assert TOTPDevice.objects.get(user=customer).confirmed
    assert sent == [(customer.pk, "two_factor_on")]
    # This session stays; the other one has to sign in again (with the code).
    assert client.get(PROFILE).status_code == 200
    assert other.get(PROFILE).status_code == 302
    profile = client.get(PROFILE).content.decode()
    assert "10 recovery codes left" in profile
    assert not any(code in profile for code in codes)
    # Already on: the setup page sends back to the profile.
    assert client.get(SETUP).status_code == 302


def test_turning_off_needs_the_password(
    customer, password, sent, django_capture_on_commit_callbacks
):
    turn_on(customer)
    other = signed_in(customer)
    client = signed_in(customer)
    response = client.post(DISABLE, {"secret": "not-my-password"})
    assert response.status_code == 400
    assert response.context["two_factor_disable_form"].errors["secret"]
    assert TOTPDevice.objects.filter(user=customer).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DISABLE, {"secret": password})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=customer).exists()
    assert not StaticDevice.objects.filter(user=customer).exists()
    assert sent == [(customer.pk, "two_factor_off")]
    assert client.get(PROFILE).status_code == 200
    assert other.get(PROFILE).status_code == 302


def test_turning_off_takes_a_current_code_too(customer):
    device = turn_on(customer)
    client = signed_in(customer)
    assert client.post(DISABLE, {"secret": code_for(device)}).status_code == 302
    assert not TOTPDevice.objects.filter(user=customer).exists()


def test_new_recovery_codes_replace_the_old(customer):
    turn_on(customer)
    client = signed_in(customer)
    response = client.post(CODES)
    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10
    tokens = set(StaticToken.objects.filter(device__user=customer).values_list("token", flat=True))
    assert tokens == set(codes)
    assert not tokens & set(RECOVERY)


def test_new_recovery_codes_need_two_factor_on(customer):
    response = signed_in(customer).post(CODES)
    assert response.status_code == 302
    assert not StaticToken.objects.exists()


def test_the_pages_need_a_signed_in_person(client):
    for url in (SETUP, DISABLE, CODES):
        response = client.post(url)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login")


def test_the_setup_page_speaks_russian(customer):
    response = signed_in(customer).get(SETUP, headers={"accept-language": "ru"})
    assert "Включить двухфакторный вход" in response.content.decode()


# --- required for managers --------------------------------------------------------------


def test_managers_are_taken_to_the_setup_page_when_it_is_required(
    client, manager, password, settings, django_capture_on_commit_callbacks
):
    settings.TWO_FACTOR_REQUIRED_FOR_MANAGERS = True
    response = client.post("/accounts/login", {"username": manager.username, "password": password})
    assert client.session["_auth_user_id"] == str(manager.pk)
    assert client.get(response.url).url == SETUP
    for url in ("/request/list", PROFILE, "/admin/", "/"):
        assert client.get(url).url == SETUP, url
    page = client.get(SETUP)
    assert page.status_code == 200
    assert 'data-testid="two-factor-required"' in page.content.decode()
    turn_on_in_profile(client, manager, django_capture_on_commit_callbacks)
    assert client.get("/request/list").status_code == 200


def test_a_manager_made_to_set_up_can_sign_out(client, manager, settings):
    settings.TWO_FACTOR_REQUIRED_FOR_MANAGERS = True
    client.force_login(manager, backend="tenantdesk.accounts.backends.PeopleBackend")
    response = client.post("/accounts/logout")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_customers_and_managers_with_a_device_are_not_stopped(customer, manager, settings):
    settings.TWO_FACTOR_REQUIRED_FOR_MANAGERS = True
    assert signed_in(customer).get(PROFILE).status_code == 200
    turn_on(manager)
    assert signed_in(manager).get("/request/list").status_code == 200


def test_managers_are_not_stopped_when_it_is_not_required(manager):
    assert signed_in(manager).get("/request/list").status_code == 200


# --- the audit signal --------------------------------------------------------------------


def test_a_password_set_through_the_reset_link_is_announced(
    client, customer, sent, django_capture_on_commit_callbacks
):
    link = emailed_link(client, customer)
    with django_capture_on_commit_callbacks(execute=True):
        set_new_password(client, link)
    assert sent == [(customer.pk, "password_reset")]


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError):
        announce_security_event(user=None, kind="something_else")


# --- the administrator -------------------------------------------------------------------


def test_the_admin_site_deletes_a_lost_device_without_showing_its_key(
    client, customer, django_user_model, password
):
    device = turn_on(customer)
    root = django_user_model.objects.create_superuser("root", "root@example.com", password)
    admin = signed_in(root)
    url = f"/admin/otp_totp/totpdevice/{device.pk}/change/"
    page = admin.get(url)
    assert page.status_code == 200
    assert device.key not in page.content.decode()
    response = admin.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    # The person signs in with the password alone again (recovery codes are not asked).
    response = client.post("/accounts/login", {"username": customer.username, "password": password})
    assert response.url == "/request/new"
