"""A signed-in person's forms that ask for the current password count in the lock-out.

The profile's password change and turning two-factor sign-in off both check the current
password (or a code). Unchecked, a session left open (or stolen) could guess the password
there without limit; so each such check is an attempt of the same per-address count as a
sign-in (accounts/gate.py): a slot is taken first (a blocked address cannot even try), a
wrong answer keeps it as a failure, a right one gives it back.
"""

from __future__ import annotations

import logging

from django import forms
from django.conf import settings

from tenantdesk.accounts.client_ip import client_ip
from tenantdesk.accounts.gate import (
    sign_in_gate_record_failure,
    sign_in_gate_release,
    sign_in_gate_reserve,
)

logger = logging.getLogger("tenantdesk.accounts")

BLOCKED = "blocked"


def validate_counted(request, form: forms.Form, *, field: str) -> bool | str:
    """`form.is_valid()`, with the check of `field` (the current password) counted.

    Returns BLOCKED without checking anything when the address may not try now, else the
    form's validity. A wrong `field` is a failure of the address's count."""
    if not settings.AXES_ENABLED:
        return form.is_valid()
    reservation = sign_in_gate_reserve(ip_address=client_ip(request))
    if reservation is None:
        return BLOCKED
    valid = form.is_valid()
    if field in form.errors:
        failures = sign_in_gate_record_failure(reservation=reservation)
        logger.warning(
            "wrong current password on %s by user %s from %s (%s failures in the window)",
            request.path,
            request.user.pk,
            client_ip(request),
            failures,
        )
    else:
        sign_in_gate_release(reservation=reservation)
    return valid
