"""The printable QR sheets: one per premises or common area (/company/premises/<id>/qr),
all of a building's at once (/company/buildings/<id>/qr), and rotating a code.

Any manager prints them; only a company admin rotates a code (places/access.py). A4 is
the default; ?size=a6 picks the small sheet (its own print stylesheet, no inline style)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tenantdesk.places import editing
from tenantdesk.places.access import access_building, access_premises, can_edit_places
from tenantdesk.places.qr import place_url, qr_svg

SIZES = ("a4", "a6")


def _size(request) -> str:
    size = request.GET.get("size", "a4").lower()
    return size if size in SIZES else "a4"


def _sheet(premises) -> dict:
    url = place_url(premises)
    title = _("QR code for %(place)s") % {"place": f"{premises.building.name}, {premises.unit}"}
    return {"premises": premises, "url": url, "svg": qr_svg(url, title=title)}


@login_required
@require_GET
def premises_qr(request, pk: int):
    premises = access_premises(request.user, pk)
    return render(
        request,
        "places/qr_sheets.html",
        {
            "sheets": [_sheet(premises)],
            "building": premises.building,
            "single": premises,
            "size": _size(request),
            "editor": can_edit_places(request.user),
        },
    )


@login_required
@require_GET
def building_qr(request, pk: int):
    building = access_building(request.user, pk)
    # One query: the building is already here, set on each row instead of joined.
    everything = list(building.premises.order_by("kind", "unit"))
    for premises in everything:
        premises.building = building
    return render(
        request,
        "places/qr_sheets.html",
        {
            "sheets": [_sheet(p) for p in everything],
            "building": building,
            "single": None,
            "size": _size(request),
            "editor": False,
        },
    )


@login_required
@require_POST
def premises_qr_rotate(request, pk: int):
    premises = access_premises(request.user, pk, edit=True)
    editing.premises_rotate_qr(premises=premises)
    messages.success(
        request,
        _("The QR code of %(unit)s is new; sheets printed before no longer work. Print it again.")
        % {"unit": premises.unit},
    )
    return redirect("places:qr", premises.pk)
