import phonenumbers
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    SetPasswordForm,
    UserCreationForm,
)
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.urls import reverse
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from tenantdesk.accounts.client_checks import ClientChecksMixin
from tenantdesk.accounts.email_change import email_taken
from tenantdesk.accounts.gate import sign_in_gate_release
from tenantdesk.accounts.models import Organisation, User
from tenantdesk.accounts.two_factor import two_factor_enabled
from tenantdesk.accounts.usernames import username_without_nul
from tenantdesk.core.forms import BootstrapFormMixin


def phone_examples(region: str) -> tuple[str, str]:
    """A valid mobile number for the region, written internationally and nationally.

    Taken from phonenumbers' metadata so the hint stays right when PHONE_REGION changes.
    """
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:  # a region without mobile metadata: any example will do
        example = phonenumbers.example_number(region)
    if example is None:
        return "", ""
    return (
        _unbreakable(
            phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        ),
        _unbreakable(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)),
    )


def _unbreakable(number: str) -> str:
    # A number split over two lines of a hint reads as two numbers: no-break spaces and
    # no-break hyphens keep it whole.
    return number.replace(" ", "\u00a0").replace("-", "\u2011")


class ContactPhoneField(PhoneNumberField):
    """A phone number as digits and punctuation only.

    phonenumbers reads letters as keypad digits ("8 800 FLOWERS"), which would turn a typo
    into somebody else's valid number; a contact phone with letters is refused instead.
    """

    def to_python(self, value):
        if isinstance(value, str) and any(char.isalpha() for char in value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class RegistrationForm(ClientChecksMixin, BootstrapFormMixin, UserCreationForm):
    """A new customer account and the organisation it registers, on one form."""

    new_password = "password1"
    confirm = {"password2": "password1"}

    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        help_text=_("Shown to the managers and your colleagues in the chat."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    organisation_name = forms.CharField(label=_("Organisation name"), max_length=200)
    organisation_address = forms.CharField(label=_("Address"), max_length=300)
    organisation_phone = ContactPhoneField(label=_("Contact phone"))
    # Offered only once the form has found an organisation of the same name and phone.
    register_anyway = forms.BooleanField(
        label=_("Register a new organisation anyway"), required=False
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("name", "username", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields[
            "password1"
        ].help_text = password_validation.password_validators_help_text_html()
        # Drop Django 5.1's "usable password" toggle: a customer always sets a password.
        self.fields.pop("usable_password", None)
        self._set_up_phone(self.fields["organisation_phone"])
        self.duplicate_organisation = False

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def full_clean(self):
        super().full_clean()
        # The typed passwords are sent back when the refusal is about something else (a
        # taken e-mail, the phone): typing two long passwords again for a typo elsewhere
        # was the commonest complaint. To the same person who typed them, in the answer
        # to their own post, over HTTPS, never cached (RegisterView is never_cache); a
        # refused password, or two that differ, is cleared as before.
        keep = self.is_bound and not {"password1", "password2"} & set(self.errors)
        for name in ("password1", "password2"):
            self.fields[name].widget.render_value = keep

    def clean(self):
        cleaned = super().clean()
        name, phone = cleaned.get("organisation_name"), cleaned.get("organisation_phone")
        # Colleagues of a registered organisation join it by invitation; a second
        # registration is allowed (two companies may share a name), but only once warned.
        warn = name and phone and not cleaned.get("register_anyway")
        if warn and Organisation.objects.filter(name__iexact=name.strip(), phone=phone).exists():
            self.duplicate_organisation = True
            raise ValidationError(
                _(
                    "An organisation with this name and phone is already registered. "
                    "To join it, ask its admin for an invitation; to register another "
                    "one, tick the box below."
                ),
                code="duplicate_organisation",
            )
        return cleaned

    @staticmethod
    def _set_up_phone(field: ContactPhoneField) -> None:
        # The region is read per form, not at import, so PHONE_REGION (and tests) apply.
        region = settings.PHONENUMBER_DEFAULT_REGION
        field.region = region
        field.widget.region = region
        international, national = phone_examples(region)
        if national and national != international:
            field.help_text = _("For example %(international)s or %(national)s.") % {
                "international": international,
                "national": national,
            }
        else:
            field.help_text = _("For example %(international)s.") % {"international": international}
        field.error_messages["invalid"] = _(
            "Enter a valid phone number, for example %(international)s."
        ) % {"international": international}
        field.widget.input_type = "tel"
        field.widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})


class CountRefusedSignInMixin:
    """A right password that the form still refuses is a failed sign-in for the lock-out.

    The admin login refuses accounts that are not staff after authenticate() has found
    them, so Django sends no user_login_failed: without it the attempt would hold its slot
    in the sign-in gate without being counted as a failure, and leave no log row.
    """

    def confirm_login_allowed(self, user):
        try:
            super().confirm_login_allowed(user)
        except ValidationError:
            user_login_failed.send(
                sender=__name__,
                credentials={"username": self.cleaned_data.get("username")},
                request=self.request,
            )
            raise


class AnyNameSignInMixin:
    """A user name or password with a NUL character is an ordinary wrong sign-in.

    Django's fields refuse NUL with their own message before authenticate() runs, so the
    attempt was neither counted by the lock-out nor logged. Here it goes through
    authenticate() like any other: the name with its NUL replaced (no account has that
    name, and PostgreSQL could not even look it up with the NUL), the password as typed
    (it is only hashed, never stored). Names longer than any account's need nothing: the
    form never limited them, and the records keep them cut (accounts/usernames.py).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("username", "password"):
            field = self.fields[name]
            field.validators = [
                validator
                for validator in field.validators
                if not isinstance(validator, ProhibitNullCharactersValidator)
            ]

    def clean_username(self):
        return username_without_nul(self.cleaned_data["username"])


class SignInForm(
    ClientChecksMixin,
    AnyNameSignInMixin,
    CountRefusedSignInMixin,
    BootstrapFormMixin,
    AuthenticationForm,
):
    error_messages = {
        "invalid_login": _("Username or password is incorrect."),
        "inactive": _("This account is inactive."),
    }


class AdminSignInForm(AnyNameSignInMixin, CountRefusedSignInMixin, AdminAuthenticationForm):
    """The admin site's login form (admin.site.login_form, set in accounts/admin.py).

    It has no code step: a person with two-factor sign-in on is refused here and sent to
    the site's sign-in page, which asks for the code and then opens the admin site
    (docs/two-factor.md). The password was right, so its slot in the lock-out count is
    given back rather than counted as a failure."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if two_factor_enabled(user):
            reservation = getattr(self.request, "sign_in_gate_reservation", None)
            if reservation is not None:
                self.request.sign_in_gate_reservation = None
                sign_in_gate_release(reservation=reservation)
            raise ValidationError(
                _(
                    "This account uses two-factor sign-in. Sign in on the site's sign-in "
                    "page (%(url)s); it asks for your code and then opens the admin site."
                ),
                code="two_factor",
                params={"url": reverse("accounts:login") + "?next=" + reverse("admin:index")},
            )


# --- password reset and the profile ------------------------------------------------------


class PasswordResetRequestForm(ClientChecksMixin, BootstrapFormMixin, forms.Form):
    """The address a reset link is to be sent to; whether it has an account is not asked
    here (the task worker finds out, tenantdesk/accounts/tasks.py)."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class ResetSetPasswordForm(ClientChecksMixin, BootstrapFormMixin, SetPasswordForm):
    """Django's form for the new password (its validators), Bootstrap style."""

    new_password = "new_password1"
    confirm = {"new_password2": "new_password1"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "new_password1"
        ].help_text = password_validation.password_validators_help_text_html()


class ProfileForm(BootstrapFormMixin, forms.Form):
    """The name shown in the chat and the interface language."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        help_text=_("Shown to the managers and your colleagues in the chat."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    # Each language by its own name ("Русский"), as the switcher in the navigation shows it.
    language = forms.ChoiceField(
        label=_("Interface language"),
        choices=lambda: [
            (code, get_language_info(code)["name_local"].capitalize())
            for code, _name in settings.LANGUAGES
        ],
    )

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())


class EmailChangeForm(BootstrapFormMixin, forms.Form):
    """A new address; it replaces the current one only once confirmed from that address."""

    email = forms.EmailField(
        label=_("New e-mail address"),
        max_length=254,
        help_text=_("We send a confirmation link to the new address; it changes when you open it."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if email.casefold() == (self.user.email or "").casefold():
            raise ValidationError(_("This is already your e-mail address."), code="same")
        if email_taken(email=email, by_other_than=self.user):
            raise ValidationError(
                _("Another account uses this e-mail address."), code="email_taken"
            )
        return email


class ProfilePasswordForm(BootstrapFormMixin, PasswordChangeForm):
    """Django's password change: the current password, then the new one twice."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].widget.attrs.pop("autofocus", None)
        self.fields[
            "new_password1"
        ].help_text = password_validation.password_validators_help_text_html()
