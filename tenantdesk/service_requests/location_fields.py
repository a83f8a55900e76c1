"""The location picker of the request forms: premises grouped by building, one <optgroup>
each, as a member's form (their organisation's places), the phone form and the manager's
"Set location" page (any premises) list them.

The places are loaded once, by the form (one query), and the field answers from them: a
value that is not one of them (a forged POST, another organisation's premises, an expired
lease) is refused at the field without asking the database again.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenantdesk.places.models import Premises


def every_place() -> list[Premises]:
    """Every premises of every building, as a manager's pickers list them (one query)."""
    return list(
        Premises.objects.select_related("building").order_by("building__name", "kind", "unit")
    )


def place_option_label(premises: Premises) -> str:
    """A premises inside its building's group: "204", "P-12 — Parking", "Lobby — Common area"."""
    if premises.kind == Premises.Kind.OFFICE:
        return premises.unit
    return _("%(unit)s — %(kind)s") % {"unit": premises.unit, "kind": premises.get_kind_display()}


class PlaceSelect(forms.Select):
    """A <select> of places, one <optgroup> per building, written out directly: Django's
    per-option templates cost a large share of a page with a few hundred premises (the
    reason for core.forms.QuickSelect)."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.groups: list[tuple[str, list[tuple[int, str]]]] = []
        self.empty_label = ""

    def render(self, name, value, attrs=None, renderer=None):
        attributes = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        chosen = set(self.format_value(value))
        parts = [f'<option value="">{escape(str(self.empty_label))}</option>']
        for building, options in self.groups:
            parts.append(f'<optgroup label="{escape(building)}">')
            parts.extend(
                f'<option value="{pk}"{" selected" if str(pk) in chosen else ""}>'
                f"{escape(label)}</option>"
                for pk, label in options
            )
            parts.append("</optgroup>")
        return format_html("<select{}>{}</select>", flatatt(attributes), mark_safe("".join(parts)))  # noqa: S308  (every part escaped above)


class PlaceField(forms.Field):
    """Cleans to a Premises of the places it was given (`set_places`), or None when empty."""

    widget = PlaceSelect
    default_error_messages = {
        "required": gettext_lazy("Choose where the problem is."),
        "invalid_choice": gettext_lazy("Choose a place from the list."),
    }

    def __init__(self, *, empty_label="", **kwargs):
        super().__init__(**kwargs)
        self.places: dict[str, Premises] = {}
        self.widget.empty_label = empty_label

    def set_places(self, places: Iterable[Premises]) -> None:
        """The places to offer (their buildings selected with them), in the order to list."""
        groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
        self.places = {}
        for premises in places:
            self.places[str(premises.pk)] = premises
            building = premises.building
            groups.setdefault(building.pk, (building.name, []))[1].append(
                (premises.pk, place_option_label(premises))
            )
        self.widget.groups = list(groups.values())

    def to_python(self, value):
        if value in self.empty_values:
            return None
        premises = self.places.get(str(value).strip())
        if premises is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return premises

    def prepare_value(self, value):
        return value.pk if isinstance(value, Premises) else value
