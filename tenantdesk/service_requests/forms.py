import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tenantdesk.core.forms import BootstrapFormMixin, FlatTypedChoiceField, QuickSelect
from tenantdesk.core.images import ACCEPT_ATTRIBUTE, image_limits_text
from tenantdesk.core.one_line import OneLineCharField
from tenantdesk.service_requests.list_menus import FilterMenus, filter_menus
from tenantdesk.service_requests.location_fields import PlaceField
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.selectors import STATUS_ACTIVE, STATUS_ALL, RequestListFilters
from tenantdesk.service_requests.services.closure import (
    COMMENT_MAX_LENGTH,
    REASON_MAX_LENGTH,
    SCORES,
)
from tenantdesk.service_requests.services.create import MAX_PHOTOS, photos_process

_model = ServiceRequest._meta


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; cleaned to a list (each file is checked later, by
    photos_process, with its number in every message)."""

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if not files and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        return files


class ServiceRequestForm(BootstrapFormMixin, forms.Form):
    """The create page. The photo is checked here (once) and handed to the service cleaned.

    `places`: what the member's organisation may report about (places.selectors.places_for,
    loaded once by the view). With any, the location is required (preselected when there is
    one) and the office text is an optional note; with none (an organisation with no lease
    recorded yet) there is no location field and the office text says where, as before.
    """

    type = forms.ChoiceField(
        label=_("Type of work"),
        choices=ServiceRequest.Type.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the type of work.")},
    )
    # One line as typed: a pasted line break becomes a space (the phone form inherits it).
    title = OneLineCharField(
        label=_("Title"),
        max_length=_model.get_field("title").max_length,
        help_text=_("A short description, e.g. “The light in the kitchen does not work”."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=_model.get_field("description").max_length,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What happened, where exactly, since when."),
    )
    location = PlaceField(label=_("Location"), empty_label=_("Choose the place…"))
    office = forms.CharField(
        label=_("Office / room"),
        max_length=_model.get_field("office").max_length,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    # Plain files, 1 to MAX_PHOTOS of them: Django's ImageField would answer every bad file
    # with one generic message; core.images tells the user what exactly is wrong with which.
    photo = MultipleFileField(
        label=_("Photos"),
        error_messages={
            "required": _("Attach a photo of the problem."),
            "empty": _("The file is empty."),
            "invalid": _("No file was received. Choose the photo again."),
        },
        widget=MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )

    # The customer's only say in the priority (issue 12); managers set any on the request.
    urgent = forms.BooleanField(
        label=_("Urgent request"),
        required=False,
        help_text=_(
            "Only for emergencies: a leak, no power, a door that will not lock. "
            "Urgent requests are answered first, day and night."
        ),
    )

    # One key per shown form, so that submitting it twice makes one request.
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    # A member's only place is chosen for them; a manager's phone form chooses none.
    preselect_single_place = True

    def __init__(self, *args, places=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Settings may change (tests, deployments): the text is built per form.
        photos = _("1 to %(max)s photos.") % {"max": MAX_PHOTOS}
        self.fields["photo"].help_text = f"{photos} {image_limits_text()}"
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4())
        self.places = list(places)
        if self.places:
            self.fields["location"].set_places(self.places)
            if len(self.places) == 1 and self.preselect_single_place:
                self.initial.setdefault("location", self.places[0].pk)
            self.fields["office"].required = False
            self.fields["office"].label = _("Office / room, optional note")
        else:
            del self.fields["location"]

    def place_chosen(self, premises) -> bool:
        """Whether the form (as shown, or as posted) has this place chosen."""
        if "location" not in self.fields:
            return False
        value = self["location"].value()
        return str(getattr(value, "pk", value)) == str(premises.pk)

    def priority(self) -> str:
        urgent = self.cleaned_data.get("urgent")
        return ServiceRequest.Priority.URGENT if urgent else ServiceRequest.Priority.NORMAL

    def clean_photo(self):
        # A list of cleaned photos, each checked like the single one always was.
        try:
            return photos_process(self.cleaned_data["photo"])
        except ValidationError as error:
            raise ValidationError(error.error_dict["photo"]) from None


class RequestListFilterForm(BootstrapFormMixin, forms.Form):
    """The manager's filters above the list. Invalid values fall back to the defaults."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        widget=QuickSelect,
        choices=[
            (STATUS_ACTIVE, _("Active")),
            *ServiceRequest.Status.choices,
            (STATUS_ALL, _("All statuses")),
        ],
    )
    type = forms.ChoiceField(
        label=_("Type"),
        required=False,
        widget=QuickSelect,
        choices=[("", _("All types")), *ServiceRequest.Type.choices],
    )
    organisation = FlatTypedChoiceField(
        label=_("Organisation"), required=False, coerce=int, empty_value=None
    )
    building = FlatTypedChoiceField(
        label=_("Building"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args, menus: FilterMenus | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _(
            "Title, office, building, organisation, number…"
        )
        # Ids and names only, as tuples, kept as they are (FlatTypedChoiceField): a few
        # hundred organisations made into model instances and normalized were a tenth of
        # the managers' list's time. Both menus come from one query (list_menus.py).
        menus = menus or filter_menus()
        self.fields["organisation"].choices = [("", _("All organisations")), *menus.organisations]
        self.fields["building"].choices = [("", _("All buildings")), *menus.buildings]

    def filters(self) -> RequestListFilters:
        if not self.is_valid():
            data = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        else:
            data = self.cleaned_data
        return RequestListFilters(
            status=data.get("status") or STATUS_ACTIVE,
            type=data.get("type") or "",
            organisation_id=data.get("organisation"),
            search=data.get("q") or "",
            building_id=data.get("building"),
        )


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(choices=ServiceRequest.Status.choices)


# --- The closure loop (issue 12): reopening and rating a closed request --------------------


class ReopenForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("Why does it need to be reopened?"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. “It is still broken”. The managers see this in the chat."),
        error_messages={"required": _("Say why the request must be reopened.")},
    )


class RatingForm(BootstrapFormMixin, forms.Form):
    score = forms.TypedChoiceField(
        label=_("Your rating"),
        choices=[(score, str(score)) for score in SCORES],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose from 1 to 5 stars."),
            "invalid_choice": _("Choose from 1 to 5 stars."),
        },
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
