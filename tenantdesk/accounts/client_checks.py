"""Typical mistakes in the account forms, caught in the browser first (ClientChecksMixin)."""

import json

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import SetPasswordMixin
from django.core.validators import EmailValidator


def min_password_length() -> int:
    """The shortest password the configured validators accept (0: no length rule)."""
    lengths = [
        validator.min_length
        for validator in password_validation.get_default_password_validators()
        if isinstance(validator, password_validation.MinimumLengthValidator)
    ]
    return max(lengths, default=0)


class ClientChecksMixin:
    """The typical mistakes are caught in the browser before the form is sent
    (accounts/static/accounts/js/form-check.js): an empty required field, an address that
    cannot be one, a new password shorter than the validators allow, two passwords that
    differ. Each answered 400 after a round trip, and Chromium logs every 400 answer as a
    console error. The messages are Django's own, in the page's language, shown where the
    server shows its errors; the server still checks everything.

    `new_password` names the field that gets the minimum length, `confirm` maps a
    repeat field to the field it must equal. Templates put `client_checks` in the form's
    data-check attribute."""

    new_password: str | None = None
    confirm: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        length = min_password_length()
        if self.new_password and length:
            self.fields[self.new_password].widget.attrs["minlength"] = length
        for repeat, original in self.confirm.items():
            self.fields[repeat].widget.attrs["data-equals"] = self[original].auto_id

    @property
    def client_checks(self) -> str:
        length = min_password_length()
        return json.dumps(
            {
                "required": str(forms.Field.default_error_messages["required"]),
                "email": str(EmailValidator.message),
                "minlength": password_validation.MinimumLengthValidator(length).get_error_message()
                if length
                else "",
                "mismatch": str(SetPasswordMixin.error_messages["password_mismatch"]),
            },
            ensure_ascii=False,
        )
