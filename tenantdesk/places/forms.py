"""The forms of the company's building pages: a building, its premises and leases (two
formsets on one page), the managers who look after it, and the import file."""

from __future__ import annotations

import functools
import zoneinfo

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenantdesk.accounts.models import Organisation, User
from tenantdesk.accounts.roles import MANAGER_GROUP
from tenantdesk.places.models import Building, Lease, Premises


@functools.cache
def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class BuildingForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=gettext_lazy("Time zone"), choices=time_zone_choices)

    class Meta:
        model = Building
        fields = ["name", "address", "time_zone"]
        widgets = {
            "name": forms.TextInput(attrs={"class": "form-control"}),
            "address": forms.TextInput(attrs={"class": "form-control"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].widget.attrs["class"] = "form-select"
        self.fields["time_zone"].initial = self.instance.time_zone or "Europe/Moscow"


class PremisesForm(forms.ModelForm):
    class Meta:
        model = Premises
        fields = ["unit", "floor", "kind"]
        widgets = {
            "unit": forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            "floor": forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            "kind": forms.Select(attrs={"class": "form-select form-select-sm"}),
        }


class BasePremisesFormSet(forms.BaseModelFormSet):
    """The building's premises, and blank rows to add more. The building is not a field of
    the rows, so Django's own unique check leaves (building, unit) out: checked here."""

    def __init__(self, *args, building: Building, **kwargs):
        self.building = building
        super().__init__(*args, **kwargs)

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.instance.building = self.building
        return form

    def clean(self):
        super().clean()
        seen: dict[str, int] = {}
        for number, form in enumerate(self.forms, start=1):
            if not hasattr(form, "cleaned_data") or self._should_delete_form(form):
                continue
            unit = (form.cleaned_data.get("unit") or "").strip()
            if not unit:
                continue
            if unit in seen:
                form.add_error(
                    "unit",
                    _("Unit %(unit)s is already on row %(row)s.")
                    % {"unit": unit, "row": seen[unit]},
                )
            seen.setdefault(unit, number)


PremisesFormSet = forms.modelformset_factory(
    Premises, form=PremisesForm, formset=BasePremisesFormSet, extra=3, can_delete=True
)


class LeaseForm(forms.ModelForm):
    class Meta:
        model = Lease
        fields = ["organisation", "premises", "start", "end"]
        widgets = {
            "organisation": forms.Select(attrs={"class": "form-select form-select-sm"}),
            "premises": forms.Select(attrs={"class": "form-select form-select-sm"}),
            "start": forms.DateInput(
                attrs={"class": "form-control form-control-sm", "type": "date"}, format="%Y-%m-%d"
            ),
            "end": forms.DateInput(
                attrs={"class": "form-control form-control-sm", "type": "date"}, format="%Y-%m-%d"
            ),
        }


class BaseLeaseFormSet(forms.BaseModelFormSet):
    """The building's leases. The pickers' options are read once for every row (two
    queries, however many leases), and the premises offered are the building's leasable
    ones."""

    def __init__(self, *args, building: Building, **kwargs):
        self.building = building
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.order_by("name").only("pk", "name")
        leasable = building.premises.filter(kind__in=Premises.LEASABLE).order_by("unit")
        blank = [("", "---------")]
        self._organisation_choices = blank + [(o.pk, o.name) for o in organisations]
        self._premises_choices = blank + [(p.pk, p.unit) for p in leasable]
        self._leasable = leasable

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        form.fields["premises"].queryset = self._leasable
        # A list, not the queryset: the rows share it instead of one query per row. The
        # queryset still validates what is posted.
        form.fields["organisation"].choices = self._organisation_choices
        form.fields["premises"].choices = self._premises_choices
        return form

    @property
    def empty_form(self):
        form = super().empty_form
        form.fields["organisation"].choices = self._organisation_choices
        form.fields["premises"].choices = self._premises_choices
        return form


LeaseFormSet = forms.modelformset_factory(
    Lease, form=LeaseForm, formset=BaseLeaseFormSet, extra=2, can_delete=True
)


def active_managers():
    """The managers a building may be given (active members of the team, no superusers)."""
    return User.objects.filter(
        groups__name=MANAGER_GROUP, is_active=True, is_superuser=False
    ).order_by("first_name", "last_name", "username")


class ManagerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class ManagersForm(forms.Form):
    managers = ManagerChoiceField(
        label=gettext_lazy("Managers of this building"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["managers"].queryset = active_managers()


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV or XLSX file"),
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": ".csv,.xlsx,text/csv"}
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        # The size the upload handler counted, before a byte of it is parsed.
        if upload.size > settings.PLACES_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; the largest allowed is %(limit)s.")
                % {
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(settings.PLACES_IMPORT_MAX_BYTES),
                },
                code="too_large",
            )
        return upload
