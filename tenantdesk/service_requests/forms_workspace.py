"""Forms of the manager's workspace (issue 12): the queue's tabs and sorting, assignment,
priority, a request taken by phone."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from tenantdesk.accounts.models import Organisation
from tenantdesk.core.forms import BootstrapFormMixin, QuickSelect
from tenantdesk.core.images import image_limits_text, process_image
from tenantdesk.service_requests import queues
from tenantdesk.service_requests.forms import RequestListFilterForm, ServiceRequestForm
from tenantdesk.service_requests.location_fields import PlaceField, every_place
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.selectors import STATUS_ALL

_ORGANISATION_ID = re.compile(r"\(#(\d{1,18})\)\s*$")

SORT_CHOICES = [
    (queues.SORT_ACTIVITY, _("Last activity")),
    (queues.SORT_CREATED, _("Newest first")),
    (queues.SORT_PRIORITY, _("Priority (urgent first)")),
    (queues.SORT_DUE, _("Due soonest")),
]


class QueueFilterForm(RequestListFilterForm):
    """The managers' list: the filters of RequestListFilterForm, a tab and a sort order.
    Invalid values fall back to the defaults (All active, last activity)."""

    tab = forms.ChoiceField(
        required=False, choices=[(tab, tab) for tab in (*queues.TABS, queues.TAB_ALL)]
    )
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=SORT_CHOICES, widget=QuickSelect
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The tabs say which statuses are listed; pending / in progress still narrow them.
        self.fields["status"].choices = [
            ("", _("Any status")),
            (ServiceRequest.Status.PENDING, ServiceRequest.Status.PENDING.label),
            (ServiceRequest.Status.IN_PROGRESS, ServiceRequest.Status.IN_PROGRESS.label),
            # Old links to the list (before the tabs) still work.
            (ServiceRequest.Status.CLOSED, ServiceRequest.Status.CLOSED.label),
            (STATUS_ALL, _("All statuses")),
        ]

    def _clean_value(self, name: str) -> str:
        return self.cleaned_data.get(name) if name not in self.errors else ""

    def chosen_tab(self) -> str:
        self.is_valid()
        tab = self._clean_value("tab")
        if tab:
            return tab
        # A link from before the tabs: ?status=closed or ?status=all.
        status = self._clean_value("status")
        if status == ServiceRequest.Status.CLOSED:
            return queues.TAB_CLOSED
        if status == STATUS_ALL:
            return queues.TAB_ALL
        return queues.TAB_ACTIVE

    def chosen_sort(self) -> str:
        self.is_valid()
        return self._clean_value("sort") or queues.SORT_ACTIVITY


class AssignForm(forms.Form):
    """Take (assign to me), assign to another manager, or unassign."""

    TAKE, ASSIGN, UNASSIGN = "take", "assign", "unassign"

    action = forms.ChoiceField(choices=[(TAKE, TAKE), (ASSIGN, ASSIGN), (UNASSIGN, UNASSIGN)])
    assignee = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=queues.assignable_managers(),
        required=False,
        empty_label=_("Choose a manager"),
        error_messages={"invalid_choice": _("Choose an active manager.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].label_from_instance = lambda user: user.display_name
        self.fields["assignee"].widget.attrs["class"] = "form-select form-select-sm"

    def clean(self):
        data = super().clean()
        if data.get("action") == self.ASSIGN and not data.get("assignee"):
            self.add_error("assignee", _("Choose a manager."))
        return data

    def chosen_assignee(self, actor):
        action = self.cleaned_data["action"]
        if action == self.TAKE:
            return actor
        if action == self.UNASSIGN:
            return None
        return self.cleaned_data["assignee"]


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=ServiceRequest.Priority.choices,
        error_messages={"invalid_choice": _("Unknown priority.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["priority"].widget.attrs["class"] = "form-select form-select-sm"


class PhoneRequestForm(ServiceRequestForm):
    """A request a manager takes by phone: the organisation (a search box over a datalist of
    every organisation, "Name (#id)"), any priority, the photo optional, and optionally
    any premises of any building as its location (places.access: a manager may place a
    request anywhere)."""

    preselect_single_place = False

    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=250,
        help_text=_("Start typing the name and choose from the list."),
        error_messages={"required": _("Choose the organisation.")},
        widget=forms.TextInput(attrs={"list": "organisation-options", "autocomplete": "off"}),
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=ServiceRequest.Priority.choices,
        initial=ServiceRequest.Priority.NORMAL,
    )

    field_order = [
        "organisation",
        "type",
        "title",
        "description",
        "location",
        "office",
        "priority",
        "photo",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, places=every_place(), **kwargs)
        if "location" in self.fields:
            self.fields["location"].required = False
            self.fields["location"].widget.empty_label = _("Not known yet")
        del self.fields["urgent"]
        self.fields["photo"].required = False
        self.fields["photo"].label = _("Photo (optional)")
        self.fields["photo"].help_text = image_limits_text()

    @staticmethod
    def organisation_label(organisation) -> str:
        return f"{organisation.name} (#{organisation.pk})"

    def organisation_options(self):
        return [
            self.organisation_label(organisation)
            for organisation in Organisation.objects.only("id", "name").order_by("name", "id")
        ]

    def clean_organisation(self):
        text = self.cleaned_data["organisation"].strip()
        match = _ORGANISATION_ID.search(text)
        found = Organisation.objects.filter(pk=int(match.group(1))) if match else None
        if found is None:
            # Typed by hand without choosing: a name that names exactly one organisation.
            found = Organisation.objects.filter(name__iexact=text)
        organisations = list(found[:2])
        if len(organisations) != 1:
            raise forms.ValidationError(
                _("Choose the organisation from the list."), code="unknown_organisation"
            )
        return organisations[0]

    def clean_photo(self):
        # The create form's field takes several files (a customer's 1–5 photos); a request
        # taken by phone has none or one, and the chat takes any more.
        photos = self.cleaned_data.get("photo") or []
        if len(photos) > 1:
            raise forms.ValidationError(
                _("A request taken by phone has at most one photo; send more in its chat."),
                code="too_many_photos",
            )
        return process_image(photos[0]) if photos else None


class LocationForm(BootstrapFormMixin, forms.Form):
    """A manager places a request, or moves it: any premises of any building."""

    location = PlaceField(
        label=_("Location"),
        empty_label=_("Choose the place…"),
        error_messages={"required": _("Choose the place.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["location"].set_places(every_place())
