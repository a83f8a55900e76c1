"""The forms of two-factor sign-in: a code (sign-in and setup) and turning it off."""

from django import forms
from django.utils.translation import gettext_lazy as _

from tenantdesk.accounts.models import User
from tenantdesk.accounts.two_factor import second_factor_verify
from tenantdesk.core.forms import BootstrapFormMixin


class CodeForm(BootstrapFormMixin, forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=64,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, help_text=None, **kwargs):
        super().__init__(*args, **kwargs)
        if help_text:
            self.fields["code"].help_text = help_text


class TwoFactorDisableForm(BootstrapFormMixin, forms.Form):
    """Turning two-factor sign-in off asks for the password or a current code, so a
    session left open on someone else's screen cannot do it alone."""

    secret = forms.CharField(
        label=_("Your password or a current code"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_secret(self):
        secret = self.cleaned_data["secret"]
        if self.user.check_password(secret):
            return secret
        if second_factor_verify(user=self.user, code=secret) is not None:
            return secret
        raise forms.ValidationError(
            _("This is neither your password nor a valid code."), code="invalid"
        )
