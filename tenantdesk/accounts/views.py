from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.generic import FormView

from tenantdesk.accounts import services
from tenantdesk.accounts.client_ip import client_ip
from tenantdesk.accounts.countdown import countdown_forms, countdown_text
from tenantdesk.accounts.forms import (
    EmailChangeForm,
    PasswordResetRequestForm,
    ProfileForm,
    ProfilePasswordForm,
    RegistrationForm,
    ResetSetPasswordForm,
    SignInForm,
)
from tenantdesk.accounts.password_attempts import BLOCKED, validate_counted
from tenantdesk.accounts.roles import is_manager
from tenantdesk.accounts.selectors import lockout_seconds_left
from tenantdesk.accounts.signals import announce_security_event
from tenantdesk.accounts.two_factor import recovery_codes_left, two_factor_enabled
from tenantdesk.accounts.two_factor_forms import TwoFactorDisableForm
from tenantdesk.accounts.two_factor_signin import password_step_passed
from tenantdesk.core.languages import supported_language

PEOPLE_BACKEND = "tenantdesk.accounts.backends.PeopleBackend"


@method_decorator(never_cache, name="dispatch")  # a refused form carries the typed passwords
class RegisterView(FormView):
    template_name = "accounts/register.html"
    form_class = RegistrationForm
    success_url = reverse_lazy("service_requests:new")

    def form_invalid(self, form):
        # The same status as every other form of the site that refuses its input.
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("home")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            user = services.organisation_register(
                username=data["username"],
                email=data["email"],
                password=data["password1"],
                name=data["name"],
                organisation_name=data["organisation_name"],
                organisation_address=data["organisation_address"],
                organisation_phone=data["organisation_phone"],
            )
        except IntegrityError:
            # Two people chose the same name at the same moment: the form's own check passed
            # for both, the database's unique constraint let only one through.
            form.add_error("username", _("A user with that username already exists."))
            return self.form_invalid(form)
        # Signed in at once: the person has just proved nothing less than a sign-in would.
        login(self.request, user, backend=PEOPLE_BACKEND)
        # The address is confirmed by a link before anything else is sent to it.
        services.email_confirm_request(user=user, client=client_ip(self.request))
        messages.success(
            self.request,
            _(
                "Your organisation is registered and you are its admin. Create a request, "
                "or invite your colleagues from Members."
            ),
        )
        return super().form_valid(form)


class SignInView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get(self, request, *args, **kwargs):
        # A blocked address sees the blocked page (with the time left) rather than a form
        # that would refuse it anyway.
        if settings.AXES_ENABLED and lockout_seconds_left(ip_address=client_ip(request)):
            return lockout_response(request)
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        if two_factor_enabled(user):
            # Not signed in yet: the code comes first (accounts/two_factor_signin.py).
            password_step_passed(
                self.request, user=user, backend=user.backend, next_url=self.get_redirect_url()
            )
            return redirect("accounts:login_verify")
        return super().form_valid(form)

    def get_default_redirect_url(self):
        # Each role starts where its work is: customers create, managers answer.
        if is_manager(self.request.user):
            return reverse("service_requests:list")
        return reverse("service_requests:new")


class SignOutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET)."""


def set_language_cookie(response, language: str) -> None:
    """The cookie Django's language switcher (django.views.i18n.set_language) sets."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def lockout_response(request, original_response=None, credentials=None):
    """The page django-axes shows to a blocked address: why, for how long, HTTP 429.

    The time left comes from the sign-in gate, the count that refused the attempt.
    """
    # At least 1: this page is only shown to an attempt that was refused, even if the
    # block ended in the moment since.
    seconds_left = max(1, lockout_seconds_left(ip_address=client_ip(request)))
    # The sign-in form is on the page, disabled: the countdown enables it at zero without
    # a reload (accounts/js/countdown.js). Without JavaScript the page says when to come
    # back and links to the sign-in page.
    typed = request.POST.get("username", "") if request.method == "POST" else ""
    context = {
        "seconds_left": seconds_left,
        "countdown": countdown_text(seconds_left),
        "countdown_forms": countdown_forms(),
        "form": SignInForm(request, initial={"username": typed}),
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    response = render(request, "accounts/locked_out.html", context, status=429)
    response["Retry-After"] = str(seconds_left)  # RFC 9110: when to come back
    return response


# --- password reset (Django's views and tokens; the e-mail goes through the task worker) ---


class RefusedInputIs400Mixin:
    """A form that refuses its input answers 400, like every other form of the site."""

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class PasswordResetView(RefusedInputIs400Mixin, auth_views.PasswordResetView):
    """Asks for the address. The answer is the same whether or not an account has it, is
    active, or the hourly limit is reached: the e-mail is queued (or not) and the page
    moves on to "check your inbox" either way."""

    template_name = "accounts/password_reset_form.html"
    form_class = PasswordResetRequestForm
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        services.password_reset_request(
            email=form.cleaned_data["email"], client=client_ip(self.request)
        )
        return redirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(RefusedInputIs400Mixin, auth_views.PasswordResetConfirmView):
    """Django's: the link's token is checked (single use: it is made from the password it
    replaces; expiring: PASSWORD_RESET_TIMEOUT), then the new password is asked for.

    Saving the new password ends every session of the person, this browser's too: each
    keeps the hash of the password it began with (Django's rule, also for the sockets,
    accounts/sessions.py), and the change is announced so their sockets close now
    (accounts/revocation.py)."""

    template_name = "accounts/password_reset_confirm.html"
    form_class = ResetSetPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        # For the audit log (whoever listens), once the new password is committed.
        announce_security_event(user=form.user, kind="password_reset")
        return response

    def dispatch(self, *args, **kwargs):
        response = super().dispatch(*args, **kwargs)
        if not self.validlink and response.status_code == 200:
            response.status_code = 400  # a used, expired or altered link
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


# --- the profile -------------------------------------------------------------------------


def profile_page(request, *, status: int = 200, **forms):
    user = request.user
    context = {
        "details_form": forms.get("details_form")
        or ProfileForm(
            initial={
                "name": user.get_full_name().strip(),
                "language": supported_language(user.language or get_language()),
            }
        ),
        "email_form": forms.get("email_form") or EmailChangeForm(user=user),
        "password_form": forms.get("password_form") or ProfilePasswordForm(user=user),
        "two_factor_on": two_factor_enabled(user),
        "two_factor_disable_form": forms.get("two_factor_disable_form")
        or TwoFactorDisableForm(user=user),
    }
    if context["two_factor_on"]:
        context["recovery_codes_left"] = recovery_codes_left(user)
    return render(request, "accounts/profile.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """The person's name and language (saved here); the e-mail and password forms post to
    their own addresses below."""
    if request.method == "GET":
        return profile_page(request)
    form = ProfileForm(request.POST)
    if not form.is_valid():
        return profile_page(request, details_form=form, status=400)
    language = form.cleaned_data["language"]
    services.user_profile_update(
        user=request.user, name=form.cleaned_data["name"], language=language
    )
    # The language is the one this browser uses from now on, as the switcher in the
    # navigation sets it; this answer already speaks it (and RememberLanguageMiddleware
    # sees nothing to store).
    translation.activate(language)
    request.LANGUAGE_CODE = language
    messages.success(request, _("Your profile is saved."))
    response = redirect("accounts:profile")
    set_language_cookie(response, language)
    return response


@login_required
@require_POST
def profile_email(request):
    """Ask to change the address: a confirmation link goes to the new one."""
    form = EmailChangeForm(request.POST, user=request.user)
    if not form.is_valid():
        return profile_page(request, email_form=form, status=400)
    email = form.cleaned_data["email"]
    if not services.email_change_request(
        user=request.user, new_email=email, client=client_ip(request)
    ):
        form.add_error(
            "email", _("Too many confirmation e-mails were asked for. Try again in an hour.")
        )
        return profile_page(request, email_form=form, status=429)
    messages.info(
        request,
        _("We have sent a confirmation link to %(email)s. Your address changes when you open it.")
        % {"email": email},
    )
    return redirect("accounts:profile")


@login_required
@require_GET
def email_change_confirm(request, token: str):
    """The link from the confirmation e-mail, opened by the person signed in."""
    previous = request.user.email
    try:
        email = services.user_email_change_confirm(user=request.user, token=token)
    except ValidationError as error:
        return render(
            request, "accounts/email_change_invalid.html", {"reason": error.messages[0]}, status=400
        )
    if email == previous:
        messages.success(
            request, _("Your e-mail address %(email)s is confirmed.") % {"email": email}
        )
    else:
        messages.success(request, _("Your e-mail address is now %(email)s.") % {"email": email})
    return redirect("accounts:profile")


@login_required
@require_POST
def profile_email_confirm_again(request):
    """Send the link that confirms the present address once more."""
    if request.user.email_confirmed_at is not None or not request.user.email:
        return redirect("accounts:profile")
    if not services.email_confirm_request(user=request.user, client=client_ip(request)):
        messages.error(
            request, _("Too many confirmation e-mails were asked for. Try again in an hour.")
        )
        return profile_page(request, status=429)
    messages.info(
        request,
        _("We have sent the confirmation link to %(email)s again.") % {"email": request.user.email},
    )
    return redirect("accounts:profile")


@login_required
@require_POST
def profile_password(request):
    """Django's password change. This session stays signed in (its hash is renewed);
    every other session of the person ends, and their sockets close."""
    form = ProfilePasswordForm(user=request.user, data=request.POST)
    valid = validate_counted(request, form, field="old_password")
    if valid == BLOCKED:
        return lockout_response(request)
    if not valid:
        return profile_page(request, password_form=form, status=400)
    with transaction.atomic():
        user = form.save()
        update_session_auth_hash(request, user)
    messages.success(request, _("Your password is changed. You are signed out everywhere else."))
    return redirect("accounts:profile")
