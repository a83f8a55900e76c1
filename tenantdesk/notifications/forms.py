from django import forms
from django.utils.translation import gettext_lazy as _

from tenantdesk.notifications.recipients import (
    ANNOUNCEMENTS,
    NEW_REQUESTS,
    PREFERENCE_KINDS,
    STATUS_CHANGES,
)


class EmailPreferencesForm(forms.Form):
    """Which e-mails a person gets; `new_requests` only for managers, `announcements`
    only for members of organisations."""

    missed_messages = forms.BooleanField(
        label=_("Messages I missed"),
        required=False,
        help_text=_(
            "A summary of the messages in a request that you have not read for a while "
            "(at most one e-mail per request every half hour)."
        ),
    )
    status_changes = forms.BooleanField(
        label=_("Status changes"),
        required=False,
        help_text=_("An e-mail when one of your organisation's requests is closed."),
    )
    new_requests = forms.BooleanField(
        label=_("New requests"),
        required=False,
        help_text=_("An e-mail as soon as an organisation sends a new request."),
    )
    announcements = forms.BooleanField(
        label=_("Announcements"),
        required=False,
        help_text=_(
            "An e-mail when the management company announces something for your building "
            "(water off, a lift out of service)."
        ),
    )

    def __init__(self, *args, manager: bool, **kwargs):
        super().__init__(*args, **kwargs)
        # Each person sees the kinds they can get: new requests go to the manager side
        # only; status changes to both, but different ones (a closing to the customer
        # side, a customer's reopening to the manager side), so the help says which.
        if manager:
            self.fields[STATUS_CHANGES].help_text = _(
                "An e-mail when a customer reopens a closed request, with their reason "
                "(to the request's assignee, or to every manager when it has none)."
            )
            del self.fields[ANNOUNCEMENTS]
        else:
            del self.fields[NEW_REQUESTS]

    def choices(self) -> dict[str, bool]:
        return {kind: self.cleaned_data[kind] for kind in PREFERENCE_KINDS if kind in self.fields}
