from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from tenantdesk.accounts.models import User
from tenantdesk.core.forms import BootstrapFormMixin


class RegistrationForm(BootstrapFormMixin, UserCreationForm):
    """A new customer account and the organisation it registers, on one form."""

    organisation_name = forms.CharField(label=_("Organisation name"), max_length=200)
    organisation_address = forms.CharField(label=_("Address"), max_length=300)
    organisation_phone = PhoneNumberField(
        label=_("Contact phone"),
        region=settings.PHONENUMBER_DEFAULT_REGION,
        help_text=_("For example +7 909 095-16-70 or 8 909 095-16-70."),
        error_messages={
            "invalid": _("Enter a valid phone number, for example +7 909 095-16-70."),
        },
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields[
            "password1"
        ].help_text = password_validation.password_validators_help_text_html()
        # Drop Django 5.1's "usable password" toggle: a customer always sets a password.
        self.fields.pop("usable_password", None)


class SignInForm(BootstrapFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": _("Username or password is incorrect."),
        "inactive": _("This account is inactive."),
    }
