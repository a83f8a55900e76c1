from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from tenantdesk.accounts.forms import ContactPhoneField, RegistrationForm
from tenantdesk.accounts.models import OrganisationRole
from tenantdesk.core.forms import BootstrapFormMixin


class InviteForm(BootstrapFormMixin, forms.Form):
    email = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    role = forms.ChoiceField(label=_("Role"), choices=OrganisationRole.choices, initial="member")
    language = forms.ChoiceField(
        label=_("Language of the e-mail"),
        choices=settings.LANGUAGES,
        help_text=_("The invitation and its page are written in this language."),
    )


class ManagerInviteForm(BootstrapFormMixin, forms.Form):
    """A manager of the company's team: an address and the language of the e-mail."""

    email = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    language = forms.ChoiceField(
        label=_("Language of the e-mail"),
        choices=settings.LANGUAGES,
        help_text=_("The invitation and its page are written in this language."),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=OrganisationRole.choices)


class AcceptForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        help_text=_("Shown to the managers and your colleagues in the chat."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password confirmation"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "password1"
        ].help_text = password_validation.password_validators_help_text_html()

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean(self):
        cleaned = super().clean()
        one, two = cleaned.get("password1"), cleaned.get("password2")
        if one and two and one != two:
            self.add_error("password2", _("The two password fields didn’t match."))
        return cleaned


class OrganisationForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Organisation name"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=300)
    phone = ContactPhoneField(label=_("Contact phone"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The registration form's phone hint and region, the same field.
        RegistrationForm._set_up_phone(self.fields["phone"])
