"""Changes a company admin makes on the building pages: each one whole or not at all.

The views check access (places/access.py) and validate the forms; these services store
them. Leases always go through places.leases.save (the overlap check under the premises'
row lock); a premises that requests or leases point at is never deleted (PROTECT)."""

from __future__ import annotations

from collections import Counter

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch, ProtectedError, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tenantdesk.accounts.models import User
from tenantdesk.places import leases
from tenantdesk.places.models import Building, Lease, Premises, new_qr_token


class FormsetRefused(Exception):
    """A row of a formset could not be stored; its error is on the row's form."""


def buildings_listed() -> QuerySet[Building]:
    """The buildings page: each with its premises count and managers (two queries)."""
    return Building.objects.annotate(premises_count=Count("premises")).prefetch_related(
        Prefetch(
            "managers",
            queryset=User.objects.only("pk", "first_name", "last_name", "username").order_by(
                "first_name", "username"
            ),
        )
    )


def building_leases(building: Building) -> QuerySet[Lease]:
    return (
        Lease.objects.filter(premises__building=building)
        .select_related("organisation", "premises")
        .order_by("premises__unit", "start")
    )


def _why_protected(premises: Premises, error: ProtectedError) -> str:
    counts = Counter(type(obj)._meta.model_name for obj in error.protected_objects)
    parts = []
    if counts.get("servicerequest"):
        parts.append(
            ngettext("%(n)d request", "%(n)d requests", counts["servicerequest"])
            % {"n": counts["servicerequest"]}
        )
    if counts.get("lease"):
        parts.append(
            ngettext("%(n)d lease", "%(n)d leases", counts["lease"]) % {"n": counts["lease"]}
        )
    return _("%(unit)s cannot be deleted: %(what)s point at it. Delete or move them first.") % {
        "unit": premises.unit,
        "what": _(" and ").join(parts) or _("other records"),
    }


def premises_save_all(*, formset) -> int:
    """Store the rows of a valid premises formset (changes, additions, deletions) in one
    transaction. A premises with requests or leases is refused at its row: FormsetRefused,
    and nothing of the formset is stored."""
    try:
        with transaction.atomic():
            for form in formset.deleted_forms:
                if form.instance.pk is None:
                    continue
                try:
                    with transaction.atomic():
                        form.instance.delete()
                except ProtectedError as error:
                    form.add_error(None, _why_protected(form.instance, error))
                    raise FormsetRefused from error
            changed = 0
            for form in formset.forms:
                if form in formset.deleted_forms or not form.has_changed():
                    continue
                if form.instance.pk is None and not form.cleaned_data.get("unit"):
                    continue
                try:
                    with transaction.atomic():
                        form.save()
                except IntegrityError as error:  # the same unit stored meanwhile
                    form.add_error("unit", _("This unit exists in the building already."))
                    raise FormsetRefused from error
                changed += 1
    except FormsetRefused:
        return -1
    return changed + len(formset.deleted_forms)


def leases_save_all(*, formset) -> int:
    """Store the rows of a valid lease formset in one transaction, each lease through
    leases.save (overlap check under a lock). A refused lease puts its reason at its
    field; then nothing of the formset is stored and -1 is returned."""
    try:
        with transaction.atomic():
            for form in formset.deleted_forms:
                if form.instance.pk is not None:
                    form.instance.delete()
            changed = 0
            for form in formset.forms:
                if form in formset.deleted_forms or not form.has_changed():
                    continue
                try:
                    leases.save(form.save(commit=False))
                except ValidationError as error:
                    form.add_error(None, error)
                    raise FormsetRefused from error
                changed += 1
    except FormsetRefused:
        return -1
    return changed + len(formset.deleted_forms)


@transaction.atomic
def building_set_managers(*, building: Building, managers) -> None:
    """Who looks after the building (their "My buildings" tab and its new requests' mail)."""
    building.managers.set(managers)


@transaction.atomic
def premises_rotate_qr(*, premises: Premises) -> Premises:
    """A new code for the premises' QR sheet: the printed ones stop naming it."""
    premises.qr_token = new_qr_token()
    premises.save(update_fields=["qr_token", "updated_at"])
    return premises
