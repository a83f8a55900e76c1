"""Reads for accounts."""

import math

from django.conf import settings
from django.utils import timezone

from tenantdesk.accounts.models import SignInGate


def _current_gate(ip_address: str | None) -> SignInGate | None:
    return SignInGate.objects.filter(
        ip_address=SignInGate.key_for(ip_address), expires_at__gt=timezone.now()
    ).first()


def lockout_seconds_left(*, ip_address: str | None) -> int:
    """Whole seconds until the sign-in gate admits the address again; 0 when it would now.

    The same row and rule as the gate itself (accounts/gate.py): refused while every slot
    of the window is taken. A block runs from the failure that started it; knocking while
    blocked changes nothing, so this is when it ends. Rounded up: a blocked address never
    reads "0 seconds".
    """
    row = _current_gate(ip_address)
    if row is None or row.attempts < settings.AXES_FAILURE_LIMIT:
        return 0
    # Slots held only by checks still running are given back or become failures within
    # moments; at the latest they lapse when the window ends.
    until = row.blocked_until or row.expires_at
    return max(1, math.ceil((until - timezone.now()).total_seconds()))


def lockout_failures(*, ip_address: str | None) -> int:
    """Failed password checks counted for the address in its current window."""
    row = _current_gate(ip_address)
    return row.failures if row is not None else 0
