"""Feeds the sign-in log from Django's and django-axes' signals, and announces changes of
a person's sign-in security (security_event) to whichever app above listens.

`connect()` is called once from AccountsConfig.ready().
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import Signal

from tenantdesk.accounts.client_ip import client_ip
from tenantdesk.accounts.models import SignInEvent
from tenantdesk.accounts.usernames import username_for_log

# Sent after commit with user=<the User> and kind=<one of SECURITY_EVENT_KINDS> when a
# person's sign-in security changes. Accounts only announce; an app above (the audit log)
# may listen.
security_event = Signal()
SECURITY_EVENT_KINDS = frozenset({"two_factor_on", "two_factor_off", "password_reset"})


def announce_security_event(*, user, kind: str) -> None:
    """Send security_event once the current transaction commits (at once outside one)."""
    if kind not in SECURITY_EVENT_KINDS:
        raise ValueError(f"unknown security event {kind!r}")
    transaction.on_commit(lambda: security_event.send(sender=type(user), user=user, kind=kind))


USERNAME_LENGTH = SignInEvent._meta.get_field("username").max_length


def _record(kind: str, request, *, username: str = "", user=None) -> None:
    SignInEvent.objects.create(
        kind=kind,
        username=username_for_log(
            username or getattr(user, "username", ""), max_length=USERNAME_LENGTH
        ),
        user=user if getattr(user, "pk", None) else None,
        ip_address=client_ip(request) if request is not None else None,
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:500],
    )


def _refused_while_locked(request) -> bool:
    """True when axes refused the attempt because the address was already blocked.

    The sign-in gate (accounts/backends.py) sets axes' `axes_locked_out` flag when it
    refuses an attempt before any password is checked; axes' failure handler sets
    `axes_failures_since_start` only when it counts a real failure (also the one that
    starts a block). So the pair tells the cases apart whichever receiver runs first.
    """
    return bool(getattr(request, "axes_locked_out", False)) and (
        getattr(request, "axes_failures_since_start", None) is None
    )


def _logged_in(sender, request, user, **kwargs):
    _record(SignInEvent.Kind.SIGNED_IN, request, user=user)


def _logged_out(sender, request, user, **kwargs):
    # Django signals a sign-out even for an anonymous POST: nobody signed out then.
    if user is None:
        return
    _record(SignInEvent.Kind.SIGNED_OUT, request, user=user)


def _login_failed(sender, credentials, request=None, **kwargs):
    # An attempt refused during a block is logged as a lock-out (below), not as a failure.
    if request is not None and _refused_while_locked(request):
        return
    _record(SignInEvent.Kind.FAILED, request, username=credentials.get("username", ""))


def _locked_out(sender, request, username, ip_address, **kwargs):
    _record(SignInEvent.Kind.LOCKED_OUT, request, username=username or "")


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="signin_log_logged_in")
    user_logged_out.connect(_logged_out, dispatch_uid="signin_log_logged_out")
    user_login_failed.connect(_login_failed, dispatch_uid="signin_log_failed")
    # Importing axes.signals connects axes' own receivers. Doing it after ours keeps the
    # log in time order: the failure that starts a block, then the lock-out.
    from axes.signals import user_locked_out

    user_locked_out.connect(_locked_out, dispatch_uid="signin_log_locked_out")
