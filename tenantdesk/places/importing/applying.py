"""Carry out a checked plan: all of it in one transaction, or nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from tenantdesk.places import leases
from tenantdesk.places.importing.checking import Plan, check
from tenantdesk.places.importing.reading import Row
from tenantdesk.places.models import Building, Lease, Premises


class ImportRefused(Exception):
    """Nothing was imported; `plan.errors` says why, by line."""

    def __init__(self, plan: Plan):
        super().__init__(plan.errors)
        self.plan = plan


@dataclass(frozen=True)
class Imported:
    buildings: int
    premises: int
    leases: int


def _store(plan: Plan) -> Imported:
    buildings: dict[str, Building] = {}
    created: dict[tuple[str, str], Premises] = {}
    counts = {"buildings": 0, "premises": 0, "leases": 0}
    for p in plan.rows:
        building = p.building or buildings.get(p.building_name)
        if building is None:
            building = Building.objects.create(
                name=p.building_name, address=p.address, time_zone=p.time_zone
            )
            buildings[p.building_name] = building
            counts["buildings"] += 1
        premises = p.premises or created.get((p.building_name, p.unit))
        if premises is None:
            premises = Premises.objects.create(
                building=building, unit=p.unit, floor=p.floor, kind=p.kind
            )
            created[(p.building_name, p.unit)] = premises
            counts["premises"] += 1
        if p.has_lease and not p.lease_exists:
            lease = Lease(organisation=p.organisation, premises=premises, start=p.start, end=p.end)
            try:
                leases.save(lease)  # the overlap check again, under the premises' lock
            except ValidationError as error:
                plan.errors.append((p.line, " ".join(error.messages)))
                raise ImportRefused(plan) from error
            counts["leases"] += 1
    return Imported(**counts)


def apply(rows: list[Row]) -> Imported:
    """Check the rows again against the database as it is now (it may have changed since
    the preview) and store everything, or raise ImportRefused with nothing stored."""
    try:
        with transaction.atomic():
            plan = check(rows)
            if not plan.ok:
                raise ImportRefused(plan)
            return _store(plan)
    except IntegrityError as error:
        # A building or unit created by someone else between the check and the insert.
        plan = Plan(errors=[(0, _("The buildings changed meanwhile; preview the file again."))])
        raise ImportRefused(plan) from error
