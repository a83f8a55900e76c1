import uuid

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tenantdesk.core.forms import BootstrapFormMixin
from tenantdesk.core.one_line import OneLineCharField
from tenantdesk.incidents.models import Incident
from tenantdesk.places.models import Building
from tenantdesk.service_requests.models import ServiceRequest


class IncidentForm(BootstrapFormMixin, forms.Form):
    title = OneLineCharField(
        label=_("Title"),
        max_length=Incident._meta.get_field("title").max_length,
        help_text=_("What happened, as the tenants will read it, e.g. “Lift 2 out of order”."),
    )
    building = forms.ModelChoiceField(
        label=_("Building"),
        queryset=Building.objects.order_by("name"),
        error_messages={"invalid_choice": _("Choose one of the buildings.")},
    )
    type = forms.ChoiceField(label=_("Type of work"), choices=ServiceRequest.Type.choices)
    # The request the incident was started from (its page's "New incident"), linked at once.
    from_request = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class UpdateForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(
        label=_("Update"),
        max_length=settings.CHAT_MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("It appears in the chat of every linked request as your message."),
        error_messages={"required": _("Write the update.")},
    )
    # One key per shown form: sending it twice posts one update.
    client_id = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("client_id", uuid.uuid4())


class LinkForm(BootstrapFormMixin, forms.Form):
    number = forms.IntegerField(
        label=_("Request number"),
        min_value=1,
        error_messages={"required": _("Enter the request's number.")},
    )
