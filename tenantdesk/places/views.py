"""The company's buildings: /company/buildings (the list, a new building) and
/company/buildings/<id> (the building, its premises, leases and managers).

Every manager reads them; only a company admin changes them (places/access.py). Thin:
check access, validate a form, call one service in places/editing.py, render. A refused
form is the page again with the errors at their fields, status 400."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tenantdesk.places import editing
from tenantdesk.places.access import (
    access_building,
    can_edit_places,
    places_editor_or_403,
    places_reader_or_403,
)
from tenantdesk.places.forms import (
    BuildingForm,
    LeaseFormSet,
    ManagersForm,
    PremisesFormSet,
)
from tenantdesk.places.models import Building


def _list_page(request, form=None, status=200):
    editor = can_edit_places(request.user)
    if editor and form is None:
        form = BuildingForm()
    return render(
        request,
        "places/buildings.html",
        {"buildings": editing.buildings_listed(), "form": form, "editor": editor},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def buildings(request):
    if request.method == "GET":
        places_reader_or_403(request.user)
        return _list_page(request)
    places_editor_or_403(request.user)
    form = BuildingForm(request.POST)
    if not form.is_valid():
        return _list_page(request, form, status=400)
    building = form.save()
    messages.success(request, _("Building %(name)s added.") % {"name": building.name})
    return redirect("places:building", building.pk)


def _premises_formset(building: Building, data=None):
    return PremisesFormSet(
        data,
        building=building,
        prefix="premises",
        queryset=building.premises.order_by("unit"),
    )


def _lease_formset(building: Building, data=None):
    return LeaseFormSet(
        data, building=building, prefix="leases", queryset=editing.building_leases(building)
    )


def _managers_form(building: Building, data=None):
    initial = {"managers": [m.pk for m in building.managers.all()]}
    return ManagersForm(data, initial=initial)


def _detail_page(request, building: Building, status=200, **bound):
    """The building's page; `bound` holds the one form or formset that was posted."""
    editor = can_edit_places(request.user)
    context = {"building": building, "editor": editor}
    if editor:
        context.update(
            building_form=bound.get("building_form") or BuildingForm(instance=building),
            premises_formset=bound.get("premises_formset") or _premises_formset(building),
            lease_formset=bound.get("lease_formset") or _lease_formset(building),
            managers_form=bound.get("managers_form") or _managers_form(building),
        )
    else:
        context.update(
            premises=building.premises.order_by("unit"),
            leases=editing.building_leases(building),
            managers=building.managers.order_by("first_name", "username"),
        )
    return render(request, "places/building.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def building(request, pk: int):
    if request.method == "GET":
        return _detail_page(request, access_building(request.user, pk))
    building = access_building(request.user, pk, edit=True)
    form = BuildingForm(request.POST, instance=building)
    if not form.is_valid():
        # The heading keeps the stored name while the form shows what was typed.
        building.refresh_from_db()
        return _detail_page(request, building, status=400, building_form=form)
    form.save()
    messages.success(request, _("Building %(name)s saved.") % {"name": building.name})
    return redirect("places:building", building.pk)


@login_required
@require_POST
def building_premises(request, pk: int):
    building = access_building(request.user, pk, edit=True)
    formset = _premises_formset(building, request.POST)
    if not formset.is_valid() or editing.premises_save_all(formset=formset) < 0:
        return _detail_page(request, building, status=400, premises_formset=formset)
    messages.success(request, _("Premises saved."))
    return redirect("places:building", building.pk)


@login_required
@require_POST
def building_leases(request, pk: int):
    building = access_building(request.user, pk, edit=True)
    formset = _lease_formset(building, request.POST)
    if not formset.is_valid() or editing.leases_save_all(formset=formset) < 0:
        return _detail_page(request, building, status=400, lease_formset=formset)
    messages.success(request, _("Leases saved."))
    return redirect("places:building", building.pk)


@login_required
@require_POST
def building_managers(request, pk: int):
    building = access_building(request.user, pk, edit=True)
    form = _managers_form(building, request.POST)
    if not form.is_valid():
        return _detail_page(request, building, status=400, managers_form=form)
    editing.building_set_managers(building=building, managers=form.cleaned_data["managers"])
    messages.success(request, _("Managers of %(name)s saved.") % {"name": building.name})
    return redirect("places:building", building.pk)
