"""Two-factor sign-in: a TOTP app (django-otp's TOTPDevice) and single-use recovery codes
(its StaticDevice), per person. docs/two-factor.md tells the whole flow.

Only confirmed devices count: a TOTP device is created unconfirmed when the person opens
the setup page and confirmed when they type a valid code from their app. Turning it on or
off gives the person a new session stamp (accounts.models.User), which ends every other
session of theirs (and closes their sockets, accounts/revocation.py); this one is kept.
"""

from __future__ import annotations

import math
import secrets
from base64 import b32encode

import segno
from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import MAX_THROTTLE_DELAY_SECONDS
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tenantdesk.accounts.models import User
from tenantdesk.accounts.signals import announce_security_event

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def two_factor_enabled(user: User) -> bool:
    """Whether the person has a confirmed authenticator app (one query). The recovery codes
    only stand in for the app: when an administrator deletes the app's device (a lost
    phone), two-factor sign-in is off, whatever codes are left."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def totp_device_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed TOTP device the setup page shows, made when there is none. The same
    one on every reload, so the QR code the person already scanned stays the right one."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_secret(device: TOTPDevice) -> str:
    """The key as authenticator apps take it typed in: base32, in groups of four."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def totp_qr_svg(device: TOTPDevice, *, title: str) -> str:
    """The otpauth:// URI as an inline <svg> element (no image file, no data: URL, so the
    page's Content-Security-Policy needs nothing new)."""
    return segno.make(device.config_url, error="m").svg_inline(
        scale=4, light="#fff", title=title, svgclass="two-factor-qr", lineclass=None, omitsize=False
    )


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _new_session_stamp(request, user: User) -> None:
    # Every other session of the person ends (their hash no longer matches); this one
    # is given the new hash and stays.
    user.session_stamp = secrets.token_hex(16)
    user.save(update_fields=["session_stamp"])
    update_session_auth_hash(request, user)


@transaction.atomic
def two_factor_confirm(*, request, user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the pending device with a code from the app: it becomes the person's only
    TOTP device, 10 new recovery codes are made (returned, to be shown once) and every
    other session of the person ends. None when the code is not valid."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
    if device.confirmed or not device.verify_token(normalise_code(code)):
        return None
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    _new_session_stamp(request, user)
    # This session has just given a code.
    request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    announce_security_event(user=user, kind="two_factor_on")
    return codes


@transaction.atomic
def two_factor_disable(*, request, user: User) -> None:
    """Remove every device of the person (app and recovery codes); other sessions end."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    _new_session_stamp(request, user)
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    announce_security_event(user=user, kind="two_factor_off")


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    """10 new recovery codes; the old ones stop working."""
    return _new_recovery_codes(user)


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def device_wait_seconds(device: TOTPDevice | None) -> int:
    """Whole seconds until django-otp's throttle lets the device check a code again (0:
    now). The throttle waits 1, 2, 4 … seconds (OTP_TOTP_THROTTLE_FACTOR) after each wrong
    code in a row; a code typed sooner is refused unchecked, so the page says to wait
    rather than that a right code is wrong."""
    if device is None:
        return 0
    device.refresh_from_db()
    allowed, data = device.verify_is_allowed()
    if allowed or not device.throttling_failure_timestamp:
        return 0
    required = min(
        device.get_throttle_factor() * 2 ** (device.throttling_failure_count - 1),
        MAX_THROTTLE_DELAY_SECONDS,
    )
    waited = (timezone.now() - device.throttling_failure_timestamp).total_seconds()
    return max(1, math.ceil(required - waited))


def second_factor_wait(user: User) -> int:
    """device_wait_seconds of the person's confirmed app."""
    return device_wait_seconds(TOTPDevice.objects.filter(user=user, confirmed=True).first())


def normalise_code(code: str) -> str:
    """What the person typed, as the devices compare it: no spaces or dashes, lower case
    (recovery codes are shown in lower case; TOTP codes are digits)."""
    return "".join(code.split()).replace("-", "").lower()


def second_factor_verify(*, user: User, code: str):
    """The confirmed device that accepts the code, or None.

    django-otp's match_token locks the person's devices (SELECT … FOR UPDATE) while it
    checks, so a TOTP code is accepted once only (a device keeps the last time step it
    accepted; replay protection) and a recovery code is deleted as it is used, even when
    two requests race. django-otp's own throttle (per device, growing waits after wrong
    codes) stays on: it slows guessing spread over many addresses, which the per-address
    lock-out cannot see."""
    code = normalise_code(code)
    if not code:
        return None
    # Checked against the one device the code can be for (django-otp's advice, so one
    # wrong code does not throttle both devices): six digits are the app's.
    model = TOTPDevice if len(code) == 6 and code.isdigit() else StaticDevice
    with transaction.atomic():
        device = model.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is not None and device.verify_token(code):
            return device
    return None
