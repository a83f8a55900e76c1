"""Pages of two-factor sign-in: the code step of the sign-in, and setting it up, turning it
off and new recovery codes from the profile (docs/two-factor.md)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tenantdesk.accounts import two_factor
from tenantdesk.accounts.client_ip import client_ip
from tenantdesk.accounts.password_attempts import BLOCKED, validate_counted
from tenantdesk.accounts.roles import is_manager
from tenantdesk.accounts.selectors import lockout_seconds_left
from tenantdesk.accounts.two_factor_forms import CodeForm, TwoFactorDisableForm
from tenantdesk.accounts.two_factor_signin import code_step, pending_user
from tenantdesk.accounts.views import lockout_response, profile_page


def landing_url(user) -> str:
    """Where each role starts (as SignInView's default)."""
    if is_manager(user):
        return reverse("service_requests:list")
    return reverse("service_requests:new")


def _verify_form(data=None):
    return CodeForm(
        data,
        help_text=_(
            "The 6-digit code your authenticator app shows, or one of your recovery codes."
        ),
    )


@require_http_methods(["GET", "POST"])
def login_verify(request):
    """The second step of a sign-in: the code from the app, or a recovery code."""
    if settings.AXES_ENABLED and lockout_seconds_left(ip_address=client_ip(request)):
        return lockout_response(request)
    found = pending_user(request)
    if found is None:
        messages.info(request, _("Your sign-in took too long or was not started. Sign in again."))
        return redirect("accounts:login")
    user, pending = found
    if request.method == "GET":
        return render(request, "accounts/login_verify.html", {"form": _verify_form()})
    form = _verify_form(request.POST)
    if not form.is_valid():
        return render(request, "accounts/login_verify.html", {"form": form}, status=400)
    outcome = code_step(request, user=user, pending=pending, code=form.cleaned_data["code"])
    if outcome == "blocked":
        return lockout_response(request)
    if outcome == "wrong":
        _wrong_code(form, two_factor.second_factor_wait(user))
        return render(request, "accounts/login_verify.html", {"form": form}, status=400)
    return redirect(pending["next"] or landing_url(user))


def _wrong_code(form, wait_seconds: int) -> None:
    if wait_seconds:
        form.add_error(
            "code",
            _("Too many wrong codes in a row. Wait %(seconds)s s and try again.")
            % {"seconds": wait_seconds},
        )
    else:
        form.add_error("code", _("This code is not valid. Try the current one from your app."))


def _codes_page(request, codes):
    return render(request, "accounts/two_factor_codes.html", {"codes": codes})


@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    """Turn it on: scan the QR code (or type the secret), then confirm with a code."""
    if two_factor.two_factor_enabled(request.user):
        messages.info(request, _("Two-factor sign-in is already on."))
        return redirect("accounts:profile")
    device = two_factor.totp_device_pending(user=request.user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if form.is_bound:
        codes = None
        if form.is_valid():
            codes = two_factor.two_factor_confirm(
                request=request, user=request.user, device=device, code=form.cleaned_data["code"]
            )
        if codes is not None:
            messages.success(
                request,
                _("Two-factor sign-in is on. You are signed out on every other device."),
            )
            return _codes_page(request, codes)
        if form.is_valid():
            _wrong_code(form, two_factor.device_wait_seconds(device))
        status = 400
    context = {
        "form": form,
        "qr_svg": two_factor.totp_qr_svg(device, title=_("QR code for your authenticator app")),
        "secret": two_factor.totp_secret(device),
        "required": getattr(request, "two_factor_setup_required", False),
    }
    return render(request, "accounts/two_factor_setup.html", context, status=status)


@login_required
@require_POST
def disable(request):
    """Turn it off, with the password or a current code."""
    form = TwoFactorDisableForm(request.POST, user=request.user)
    valid = validate_counted(request, form, field="secret")
    if valid == BLOCKED:
        return lockout_response(request)
    if not valid:
        return profile_page(request, two_factor_disable_form=form, status=400)
    two_factor.two_factor_disable(request=request, user=request.user)
    messages.success(
        request, _("Two-factor sign-in is off. You are signed out on every other device.")
    )
    return redirect("accounts:profile")


@login_required
@require_POST
def recovery_codes(request):
    """New recovery codes; the old ones stop working."""
    if not two_factor.two_factor_enabled(request.user):
        return redirect("accounts:profile")
    codes = two_factor.recovery_codes_renew(user=request.user)
    messages.success(request, _("New recovery codes are made; the old ones no longer work."))
    return _codes_page(request, codes)
