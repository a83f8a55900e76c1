"""The sign-in gate: an atomic per-address count taken BEFORE a password is checked.

django-axes checks "is this address blocked?" and counts the failure only after the
password check, so attempts fired in parallel all passed the check before the first
failure was stored. The gate takes a slot of the address's count first, atomically, and
refuses when the slot would exceed AXES_FAILURE_LIMIT (accounts/backends.py, first in
AUTHENTICATION_BACKENDS, so the sign-in page and the admin login both pass here).

Counting rule, per address and window (the window ends AXES_COOLOFF_TIME after the last
admitted attempt or failure, like axes' own rows):
- an admitted attempt takes a slot; at most AXES_FAILURE_LIMIT slots are taken at once;
- a failure keeps its slot; the failure that fills the last slot starts the block, which
  lasts AXES_COOLOFF_TIME from that failure; refused attempts change nothing, so knocking
  does not extend it;
- a success gives back its own slot only. It never clears the count: a right password
  inside a burst must not open the gate for the rest, and with a per-address count anyone
  with an account could otherwise reset it between guesses at someone else's password.

Why one row in the database and not Redis INCR: the database already holds axes' records
and our log, so the count and what the admin shows cannot disagree, there is one code
path for SQLite (the default, its IMMEDIATE write transactions serialise) and PostgreSQL
(SELECT … FOR UPDATE on the address's row), and sign-in keeps working when Redis is down.
A sign-in costs a PBKDF2 hash; two short row-locking transactions are small beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tenantdesk.accounts.models import SignInGate


@dataclass(frozen=True)
class Reservation:
    """A slot taken for one attempt; valid only in the window it was taken in."""

    ip_address: str
    window_started_at: datetime


def _locked_row(key: str, now: datetime) -> SignInGate:
    """The address's row, locked until the transaction ends; created when missing.

    SELECT … FOR UPDATE, and when there is no row INSERT … ON CONFLICT DO NOTHING and
    select again: no IntegrityError when two workers create the row at once. A cleanup
    may delete an expired row between the statements; then it is simply created again.
    """
    rows = SignInGate.objects.select_for_update().filter(ip_address=key)
    row = rows.first()
    for _ in range(3):
        if row is not None:
            return row
        SignInGate.objects.bulk_create(
            [SignInGate(ip_address=key, window_started_at=now, expires_at=now)],
            ignore_conflicts=True,
        )
        row = rows.first()
    # Our own insert is invisible to every other transaction until we commit, so a
    # second round always finds a row; a third would mean the database lost it.
    raise RuntimeError(f"sign-in gate row for {key!r} vanished")


def sign_in_gate_reserve(*, ip_address: str | None) -> Reservation | None:
    """Take a slot for one sign-in attempt from the address; None when it is refused.

    Runs in its own short transaction, committed before the password is checked, so
    attempts on every worker see each other's slots.
    """
    key = SignInGate.key_for(ip_address)
    limit = settings.AXES_FAILURE_LIMIT
    cool_off = settings.AXES_COOLOFF_TIME
    with transaction.atomic():
        now = timezone.now()
        row = _locked_row(key, now)
        new_window = row.expires_at <= now
        if new_window:
            row.window_started_at = now
            row.attempts = row.failures = 0
            row.blocked_until = None
        if row.attempts >= limit:
            return None
        row.attempts += 1
        row.expires_at = max(row.expires_at, now + cool_off)
        row.save()
        reservation = Reservation(ip_address=key, window_started_at=row.window_started_at)
    if new_window:
        # Cheap cleanup on write (an indexed range delete), outside the row lock so it
        # never waits on another address's transaction while holding ours.
        SignInGate.objects.filter(expires_at__lt=now).delete()
    return reservation


def sign_in_gate_record_failure(*, reservation: Reservation) -> int:
    """The attempt's password check failed: its slot stays taken. Returns the failures of
    the window so far (0 when the window has ended meanwhile and nothing is counted).
    """
    limit = settings.AXES_FAILURE_LIMIT
    cool_off = settings.AXES_COOLOFF_TIME
    with transaction.atomic():
        now = timezone.now()
        row = (
            SignInGate.objects.select_for_update()
            .filter(
                ip_address=reservation.ip_address,
                window_started_at=reservation.window_started_at,
                expires_at__gt=now,
            )
            .first()
        )
        if row is None:
            return 0
        row.failures += 1
        row.expires_at = max(row.expires_at, now + cool_off)
        if row.failures >= limit and row.blocked_until is None:
            # This failure starts the block: it lasts the cool-off from now. Every slot is
            # a failure by now (failures <= attempts <= limit), so nothing is in flight.
            row.blocked_until = row.expires_at = now + cool_off
        row.save()
        return row.failures


def sign_in_gate_release(*, reservation: Reservation) -> None:
    """The attempt signed in: give back its own slot, and only that (see the module's
    docstring for why a success does not clear the count)."""
    SignInGate.objects.filter(
        ip_address=reservation.ip_address,
        window_started_at=reservation.window_started_at,
        attempts__gt=F("failures"),
    ).update(attempts=F("attempts") - 1)
