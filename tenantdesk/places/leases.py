"""Leases are written here: two organisations never lease the same premises at once."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from tenantdesk.places.models import Lease, Premises


def periods_meet(start, end, other_start, other_end) -> bool:
    """Whether two leases' periods share a day (both days included; no end: open-ended).
    The rule `overlapping` asks the database; the import's preview asks it of rows in
    memory (places/importing/checking.py)."""
    far = datetime.date.max
    return start <= (other_end or far) and other_start <= (end or far)


def overlapping(lease: Lease):
    """Other organisations' leases of the same premises whose periods meet this one's
    (periods_meet, as a query)."""
    far = datetime.date.max
    end = lease.end or far
    return (
        Lease.objects.filter(premises_id=lease.premises_id, start__lte=end)
        .filter(Q(end__isnull=True) | Q(end__gte=lease.start))
        .exclude(organisation_id=lease.organisation_id)
        .exclude(pk=lease.pk)
    )


def check(lease: Lease) -> None:
    if lease.end and lease.end < lease.start:
        raise ValidationError({"end": _("The end is before the start.")})
    if lease.premises_id and lease.premises.is_common_area:
        raise ValidationError({"premises": _("A common area is not leased.")})
    other = overlapping(lease).select_related("organisation").first()
    if other is not None:
        raise ValidationError(
            {
                "premises": _("%(place)s is leased to %(organisation)s from %(start)s then.")
                % {
                    "place": lease.premises,
                    "organisation": other.organisation,
                    "start": other.start,
                }
            }
        )


def save(lease: Lease) -> Lease:
    """Check and store one lease; the premises' row is locked, so two saves at once cannot
    both pass the overlap check."""
    with transaction.atomic():
        Premises.objects.select_for_update().filter(pk=lease.premises_id).first()
        check(lease)
        lease.save()
    return lease
