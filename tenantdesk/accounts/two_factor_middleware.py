"""TWO_FACTOR_REQUIRED_FOR_MANAGERS: a manager without two-factor sign-in reaches only its
setup page (and can sign out, or switch the language) until it is on; the admin site and
every other page send them there."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.deprecation import MiddlewareMixin
from django_otp import DEVICE_ID_SESSION_KEY

from tenantdesk.accounts.roles import is_manager
from tenantdesk.accounts.two_factor import two_factor_enabled


class TwoFactorSetupRequiredMiddleware(MiddlewareMixin):
    # MiddlewareMixin, like Django's own: sync- and async-capable, so the chain keeps the
    # shape core/sync_chain.py expects (a sync-only one here reshaped it).

    def process_request(self, request):
        if settings.TWO_FACTOR_REQUIRED_FOR_MANAGERS and self._must_set_up(request):
            request.two_factor_setup_required = True
            if request.path not in self._allowed():
                return redirect("accounts:two_factor_setup")
        return None

    @staticmethod
    def _allowed() -> set[str]:
        return {
            reverse("accounts:two_factor_setup"),
            reverse("accounts:logout"),
            reverse("set_language"),
        }

    @staticmethod
    def _must_set_up(request) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not is_manager(user):
            return False
        # A session that gave a code (sign-in or setup) is marked: no query on its pages.
        if request.session.get(DEVICE_ID_SESSION_KEY):
            return False
        return not two_factor_enabled(user)
