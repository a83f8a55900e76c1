from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.generic import FormView

from tenantdesk.accounts import services
from tenantdesk.accounts.client_ip import client_ip
from tenantdesk.accounts.forms import RegistrationForm, SignInForm
from tenantdesk.accounts.roles import is_manager
from tenantdesk.accounts.selectors import lockout_seconds_left

PEOPLE_BACKEND = "tenantdesk.accounts.backends.PeopleBackend"


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

    def get_default_redirect_url(self):
        # Each role starts where its work is: customers create, managers answer.
        if is_manager(self.request.user):
            return reverse("service_requests:list")
        return reverse("service_requests:new")


class SignOutView(auth_views.LogoutView):
    """POST only (Django's LogoutView refuses GET)."""


def lockout_response(request, original_response=None, credentials=None):
    """The page django-axes shows to a blocked address: why, for how long, HTTP 429.

    The time left comes from the sign-in gate, the count that refused the attempt.
    """
    # At least 1: this page is only shown to an attempt that was refused, even if the
    # block ended in the moment since.
    seconds_left = max(1, lockout_seconds_left(ip_address=client_ip(request)))
    response = render(
        request, "accounts/locked_out.html", {"seconds_left": seconds_left}, status=429
    )
    response["Retry-After"] = str(seconds_left)  # RFC 9110: when to come back
    return response
