"""Which places an organisation may report about, and the lookups the pages share.

An organisation reports about what it leases now and about the common areas (lobby, lift,
car park) of the buildings where it leases now. Every question takes the day it is asked
for (`on`, today by default) so tests and reports can ask about another.
"""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from tenantdesk.places.models import Building, Lease, Premises


def _today(on: datetime.date | None) -> datetime.date:
    return on or timezone.localdate()


def current(on: datetime.date | None = None, prefix: str = "") -> Q:
    """Leases running on that day (`prefix` reaches them from another model, e.g. "leases__")."""
    day = _today(on)
    return Q(**{f"{prefix}start__lte": day}) & (
        Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gte": day})
    )


def current_leases(organisation_id: int, on: datetime.date | None = None) -> QuerySet[Lease]:
    return Lease.objects.filter(current(on), organisation_id=organisation_id)


def buildings_of(organisation_id: int, on: datetime.date | None = None) -> QuerySet[Building]:
    """The buildings where the organisation leases something on that day."""
    return Building.objects.filter(
        id__in=current_leases(organisation_id, on).values("premises__building_id")
    )


def places_for(organisation_id: int, on: datetime.date | None = None) -> QuerySet[Premises]:
    """What the organisation may report about: its leased premises, and the common areas of
    the buildings where it leases (one query; building and kind in the order a form lists)."""
    leased = current_leases(organisation_id, on)
    return (
        Premises.objects.filter(
            Q(id__in=leased.values("premises_id"))
            | Q(
                kind=Premises.Kind.COMMON_AREA,
                building_id__in=leased.values("premises__building_id"),
            )
        )
        .select_related("building")
        .order_by("building__name", "kind", "unit")
    )


def may_report_at(organisation_id: int, premises: Premises, on=None) -> bool:
    return places_for(organisation_id, on).filter(pk=premises.pk).exists()


def premises_by_token(token: str) -> Premises | None:
    """The premises a QR code names, or None (a rotated, mistyped or forged token)."""
    if not token or len(token) > 32:
        return None
    return Premises.objects.select_related("building").filter(qr_token=token).first()
