"""Feeds the sign-in log from Django's and django-axes' signals."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from tenantdesk.accounts.client_ip import client_ip
from tenantdesk.accounts.models import SignInEvent


def _record(kind: str, request, *, username: str = "", user=None) -> None:
    SignInEvent.objects.create(
        kind=kind,
        username=(username or getattr(user, "username", "") or "")[:150],
        user=user if getattr(user, "pk", None) else None,
        ip_address=client_ip(request) if request is not None else None,
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:500],
    )


@receiver(user_logged_in, dispatch_uid="signin_log_logged_in")
def _logged_in(sender, request, user, **kwargs):
    _record(SignInEvent.Kind.SIGNED_IN, request, user=user)


@receiver(user_logged_out, dispatch_uid="signin_log_logged_out")
def _logged_out(sender, request, user, **kwargs):
    _record(SignInEvent.Kind.SIGNED_OUT, request, user=user)


@receiver(user_login_failed, dispatch_uid="signin_log_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # Requests refused because the address is already locked out are logged as lock-outs
    # (by the receiver below), not as more failures.
    if request is not None and getattr(request, "axes_locked_out", False):
        return
    _record(SignInEvent.Kind.FAILED, request, username=credentials.get("username", ""))


@receiver(user_locked_out, dispatch_uid="signin_log_locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    _record(SignInEvent.Kind.LOCKED_OUT, request, username=username or "")
