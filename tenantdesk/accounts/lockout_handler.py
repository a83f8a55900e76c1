"""django-axes' database handler, with the sign-in gate as the count that decides.

axes keeps doing what it is kept for: its AccessAttempt records (shown in the admin),
the lock-out signal our sign-in log listens to, and the blocked page from its
middleware. What it counted after the password check no longer decides anything: the
gate's count (accounts/gate.py), taken before the check, does. AXES_HANDLER names this.
"""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings

from tenantdesk.accounts.gate import sign_in_gate_record_failure, sign_in_gate_release
from tenantdesk.accounts.selectors import lockout_failures, lockout_seconds_left


def _take_reservation(request):
    # Settled once: a second signal for the same request must not count it twice.
    reservation = getattr(request, "sign_in_gate_reservation", None)
    if reservation is not None:
        request.sign_in_gate_reservation = None
    return reservation


class SignInGateAxesHandler(AxesDatabaseHandler):
    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        reservation = _take_reservation(request)
        if reservation is not None:
            # Before axes' own bookkeeping, which asks get_failures() whether this
            # failure starts the block.
            request.sign_in_gate_failures = sign_in_gate_record_failure(reservation=reservation)
        return super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender, request, user, **kwargs):
        reservation = _take_reservation(request)
        if reservation is not None:
            sign_in_gate_release(reservation=reservation)
        return super().user_logged_in(sender, request, user, **kwargs)

    def get_failures(self, request, credentials=None) -> int:
        # The count this failure left in the gate: exactly one failure per window reaches
        # the limit, so exactly one is answered as the one that starts the block.
        failures = getattr(request, "sign_in_gate_failures", None)
        if failures is not None:
            return failures
        return lockout_failures(ip_address=request.axes_ip_address)

    def is_locked(self, request, credentials=None) -> bool:
        # For anyone asking axes (AxesProxyHandler.is_allowed): the gate's own rule.
        if not settings.AXES_LOCK_OUT_AT_FAILURE:
            return False
        return lockout_seconds_left(ip_address=request.axes_ip_address) > 0
