"""Turning two-factor sign-in on for a test user, and the codes their app would show."""

import time

from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

LOGIN = "/accounts/login"
VERIFY = "/accounts/login/verify"
BACKEND = "tenantdesk.accounts.backends.PeopleBackend"
RECOVERY = ["abcd2345", "efgh6723"]


def turn_on(user) -> TOTPDevice:
    """A confirmed app and two recovery codes, as the setup page leaves them."""
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    for code in RECOVERY:
        StaticToken.objects.create(device=static, token=code)
    return device


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    device.refresh_from_db()
    now = time.time() + steps_ahead * device.step
    clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    clock.time = now
    return f"{clock.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    """Six digits that no step within the tolerance gives."""
    valid = {code_for(device, steps_ahead=n) for n in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1000000) if f"{n:06d}" not in valid)


def password_step(client: Client, user, password, **data):
    return client.post(LOGIN, {"username": user.username, "password": password, **data})


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend=BACKEND)
    return client
