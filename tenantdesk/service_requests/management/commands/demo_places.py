"""The demo's places (issue 22): two buildings with premises, the demo organisation's
leases, the demo manager looking after one building. Safe to run again: what exists is
left as it is."""

from __future__ import annotations

import datetime

from django.utils import timezone

from tenantdesk.places import leases
from tenantdesk.places.models import Building, Lease, Premises

Kind = Premises.Kind

# name, address, [(unit, floor, kind)]
BUILDINGS = (
    (
        "Riverside Tower",
        "12 Embankment Street, Moscow",
        [
            ("101", "1", Kind.OFFICE),
            ("102", "1", Kind.OFFICE),
            ("204", "2", Kind.OFFICE),
            ("205", "2", Kind.OFFICE),
            ("S-3", "-1", Kind.STORAGE),
            ("P-12", "-1", Kind.PARKING),
            ("Lobby", "1", Kind.COMMON_AREA),
            ("Lift", "", Kind.COMMON_AREA),
        ],
    ),
    (
        "Park House",
        "5 Garden Lane, Moscow",
        [
            ("1", "1", Kind.OFFICE),
            ("2", "1", Kind.OFFICE),
            ("3", "2", Kind.OFFICE),
            ("Lobby", "1", Kind.COMMON_AREA),
            ("Lift", "", Kind.COMMON_AREA),
        ],
    ),
)
# The demo organisation leases an office with a storage room and a parking space in
# Riverside Tower, and a second office in Park House (so its list has two buildings).
DEMO_LEASES = (("Riverside Tower", "101"), ("Riverside Tower", "S-3"), ("Riverside Tower", "P-12"))
DEMO_LEASES += (("Park House", "2"),)
# Where the demo's request is.
DEMO_REQUEST_PLACE = ("Riverside Tower", "101")


def demo_places(*, organisation, manager) -> dict[tuple[str, str], Premises]:
    """Make the buildings, premises and leases; `manager` looks after Riverside Tower
    (Park House has nobody: its new requests go to every manager). Returns the premises by
    (building name, unit)."""
    places = {}
    for name, address, units in BUILDINGS:
        building, _made = Building.objects.get_or_create(
            name=name, defaults={"address": address, "time_zone": "Europe/Moscow"}
        )
        for unit, floor, kind in units:
            premises, _made = Premises.objects.get_or_create(
                building=building, unit=unit, defaults={"floor": floor, "kind": kind}
            )
            places[(name, unit)] = premises
    places[DEMO_REQUEST_PLACE].building.managers.add(manager)
    start = timezone.localdate() - datetime.timedelta(days=365)
    for key in DEMO_LEASES:
        premises = places[key]
        if not Lease.objects.filter(organisation=organisation, premises=premises).exists():
            leases.save(Lease(organisation=organisation, premises=premises, start=start))
    return places
