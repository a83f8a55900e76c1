"""The authentication backend that stands before every password check."""

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied, AxesBackendRequestParameterRequired
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from tenantdesk.accounts.client_ip import client_ip
from tenantdesk.accounts.gate import sign_in_gate_reserve
from tenantdesk.accounts.sessions import user_with_role


class SignInGateBackend(AxesStandaloneBackend):
    """First in AUTHENTICATION_BACKENDS: takes a slot of the client address's count
    (accounts/gate.py) before a later backend checks the password, or refuses the attempt.

    A backend rather than a check in our sign-in form, so every caller of
    `authenticate()` passes here: the sign-in page and the admin login page alike.
    It replaces axes' own backend, whose "is the address blocked?" read raced: it
    subclasses it only so axes' system check still finds a lock-out backend.
    It never signs anyone in.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not settings.AXES_ENABLED:
            return None
        if request is None:
            raise AxesBackendRequestParameterRequired(
                "the sign-in gate needs the request to know the client's address"
            )
        reservation = sign_in_gate_reserve(ip_address=client_ip(request))
        if reservation is None:
            # axes' own flag for a refused attempt: Django's authenticate() sends
            # user_login_failed, axes' handler logs a lock-out (not a failure) and its
            # middleware answers with the blocked page (429).
            request.axes_locked_out = True
            raise AxesBackendPermissionDenied("the client address is blocked")
        # Settled by the axes handler: a failure keeps the slot, a sign-in gives it back.
        request.sign_in_gate_reservation = reservation
        return None


class PeopleBackend(ModelBackend):
    """Django's password check, with the signed-in user read for each page in one query:
    the user, their organisation and whether they are a manager
    (accounts.sessions.user_with_role). ModelBackend's get_user took one query and the
    first role question another; the organisation a third on most pages.

    It ends the chain when it refuses: ModelBackend is listed after it only for the
    sessions it signed in before (settings), and must not check the password again.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            # authenticate() stops at PermissionDenied and reports the failure as usual.
            raise PermissionDenied
        return user

    def get_user(self, user_id):
        user = user_with_role(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
