"""The managers' form for an announcement.

The times are typed in the building's time zone (a datetime-local input, no zone of its
own). With several buildings in different zones, the first chosen building in the list's
order (by name) gives the zone, and the form says so.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenantdesk.announcements.models import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH, Announcement
from tenantdesk.core.forms import BootstrapFormMixin
from tenantdesk.places.models import Building

INPUT_FORMAT = "%Y-%m-%dT%H:%M"


class LocalDateTimeField(forms.DateTimeField):
    """A wall-clock time without a zone: the form gives it the building's zone in clean()
    (Django's own field would give it the zone of whoever is looking)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=INPUT_FORMAT)

    def to_python(self, value):
        with timezone.override(datetime.UTC):
            result = super().to_python(value)
        return result.replace(tzinfo=None) if result else result


class BuildingChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, building: Building) -> str:
        return f"{building.name} ({building.time_zone})"


class AnnouncementForm(BootstrapFormMixin, forms.Form):
    buildings = BuildingChoice(
        label=_("Buildings"),
        queryset=Building.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one building."),
            "invalid_choice": _("There is no such building (%(value)s)."),
            "invalid_pk_value": _("There is no such building (%(pk)s)."),
        },
    )
    title_en = forms.CharField(label=_("Title in English"), max_length=TITLE_MAX_LENGTH)
    title_ru = forms.CharField(label=_("Title in Russian"), max_length=TITLE_MAX_LENGTH)
    text_en = forms.CharField(
        label=_("Text in English"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Plain text; line breaks are kept."),
    )
    text_ru = forms.CharField(
        label=_("Text in Russian"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Plain text; line breaks are kept."),
    )
    starts_at = LocalDateTimeField(
        label=_("Starts"),
        help_text=_(
            "In the building's time zone. With several buildings, in the time zone of the "
            "first one chosen, in the order of the list above."
        ),
    )
    ends_at = LocalDateTimeField(label=_("Ends"))

    def __init__(self, *args, instance: Announcement | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(instance)
        super().__init__(*args, **kwargs)
        if instance is not None:
            self.fields["email_again"] = forms.BooleanField(
                label=_("E-mail the tenants again"),
                required=False,
                initial=False,
                help_text=_(
                    "Off: the edit shows on the banner only. On: every member of the "
                    "organisations leasing there gets this version by e-mail once more."
                ),
            )
            self.style_fields()
        self.time_zone = instance.time_zone if instance else None

    def clean(self):
        data = super().clean()
        buildings = data.get("buildings")
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if not buildings:
            return data
        self.time_zone = buildings[0].time_zone
        zone = zoneinfo.ZoneInfo(self.time_zone)
        if starts is not None:
            data["starts_at"] = timezone.make_aware(starts, zone)
        if ends is not None:
            data["ends_at"] = timezone.make_aware(ends, zone)
        if starts is not None and ends is not None and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("The end must be after the start."))
        return data

    def values(self) -> dict:
        """What the services take."""
        data = self.cleaned_data
        return {
            "buildings": list(data["buildings"]),
            "title_en": data["title_en"],
            "title_ru": data["title_ru"],
            "text_en": data["text_en"],
            "text_ru": data["text_ru"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "time_zone": self.time_zone,
        }


def initial_of(announcement: Announcement) -> dict:
    """The form's values for an edit: the times back in the zone they were given in."""
    zone = zoneinfo.ZoneInfo(announcement.time_zone)
    return {
        "buildings": [b.pk for b in announcement.buildings.all()],
        "title_en": announcement.title_en,
        "title_ru": announcement.title_ru,
        "text_en": announcement.text_en,
        "text_ru": announcement.text_ru,
        "starts_at": timezone.localtime(announcement.starts_at, zone).replace(tzinfo=None),
        "ends_at": timezone.localtime(announcement.ends_at, zone).replace(tzinfo=None),
    }
