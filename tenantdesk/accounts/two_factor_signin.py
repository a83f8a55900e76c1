"""The second step of a sign-in, for a person with two-factor sign-in on.

After the right password the session only remembers who passed the first step, when, and
where to go after (for TWO_FACTOR_PENDING_SECONDS); nobody is signed in. The code at
/accounts/login/verify is an attempt of the same lock-out as a password (accounts/gate.py):
it takes a slot of the client address's count first (a blocked address cannot even try),
a wrong code is a failed sign-in (Django's user_login_failed, which the axes handler counts
and the sign-in log records with the user name), and a right one gives its slot back when
login() signals the sign-in.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.signals import user_login_failed
from django_otp import DEVICE_ID_SESSION_KEY

from tenantdesk.accounts.client_ip import client_ip
from tenantdesk.accounts.gate import sign_in_gate_release, sign_in_gate_reserve
from tenantdesk.accounts.models import User
from tenantdesk.accounts.two_factor import second_factor_verify

PENDING_KEY = "two_factor_pending"


def password_step_passed(request, *, user: User, backend: str, next_url: str) -> None:
    """The password was right: remember the person for the code step, sign nobody in.

    The password's own slot in the gate is given back now (it was a success); the code
    takes a new one. A new session key, as login() would give, so a key planted before
    the sign-in is worth nothing."""
    reservation = getattr(request, "sign_in_gate_reservation", None)
    if reservation is not None:
        request.sign_in_gate_reservation = None
        sign_in_gate_release(reservation=reservation)
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": backend,
        "hash": user.get_session_auth_hash(),
        "at": time.time(),
        "next": next_url,
    }


def pending_user(request) -> tuple[User, dict] | None:
    """Who passed the password step in this session, and not too long ago; None otherwise
    (and the stale record is dropped). A password changed meanwhile ends it too."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if time.time() - pending.get("at", 0) > settings.TWO_FACTOR_PENDING_SECONDS:
        del request.session[PENDING_KEY]
        return None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None or user.get_session_auth_hash() != pending.get("hash"):
        del request.session[PENDING_KEY]
        return None
    return user, pending


def code_step(request, *, user: User, pending: dict, code: str) -> str:
    """Check the code; returns "signed_in", "wrong" or "blocked".

    "blocked": the address may not try now (the axes middleware answers 429 and the log
    says locked out). "wrong": counted as a failed sign-in (the failure that fills the
    count also starts the block, and the answer is the 429 page as well)."""
    reservation = None
    if settings.AXES_ENABLED:
        reservation = sign_in_gate_reserve(ip_address=client_ip(request))
        if reservation is None:
            # As the gate's backend does for a password attempt refused while blocked.
            request.axes_locked_out = True
            _failed(request, user)
            return "blocked"
    request.sign_in_gate_reservation = reservation
    device = second_factor_verify(user=user, code=code)
    if device is None:
        _failed(request, user)
        return "blocked" if getattr(request, "axes_locked_out", False) else "wrong"
    del request.session[PENDING_KEY]
    # login() sends user_logged_in: the axes handler gives back the slot, the sign-in log
    # writes "signed in", django-otp's receiver does not apply (we mark the session).
    login(request, user, backend=pending["backend"])
    request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    return "signed_in"


def _failed(request, user: User) -> None:
    user_login_failed.send(
        sender=__name__, credentials={"username": user.get_username()}, request=request
    )
