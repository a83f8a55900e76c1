"""The data set's places (issue 22): buildings with their common areas, an office (and
for some a storage room or a parking space) per organisation, one current lease of each,
managers looking after buildings, and where each request is."""

from __future__ import annotations

import secrets
from datetime import timedelta

from tenantdesk.chat.volume.rows import _write
from tenantdesk.places.models import Building, Lease, Premises

Kind = Premises.Kind

BUILDING_WORDS = ["Riverside", "Park", "Neva", "Harbour", "Granite", "Linden", "Meridian"]
BUILDING_KINDS = ["Tower", "House", "Plaza", "Centre", "Court"]
COMMON_AREAS = ("Lobby", "Lift")
# Of the requests, this share is about a common area of the organisation's building (the
# lobby, the lift, the car park); the rest about its own premises.
COMMON_AREA_SHARE = 0.15
# Every this-many-th building has no manager of its own (its new requests go to everyone).
UNMANAGED_EVERY = 10

PLACE_MODELS = (Building, Premises, Lease, Building.managers.through)


class PlacesRows:
    """The places part of VolumeSeeder (self.rng, self.sizes, self.now, self.managers,
    self.organisation_ids and self._take are the seeder's)."""

    def _places(self) -> None:
        rng, now = self.rng, self.now
        since = now - timedelta(days=self.sizes.days + 30)
        count = max(1, min(self.sizes.buildings, len(self.organisation_ids)))
        buildings, premises, leases, looked_after = [], [], [], []
        common: dict[int, list[int]] = {}
        units: dict[int, int] = {}  # the next unit number per building
        for n in range(count):
            pk = self._take(Building)
            name = f"{rng.choice(BUILDING_WORDS)} {rng.choice(BUILDING_KINDS)} {pk}"
            buildings.append((pk, since, since, name, f"{pk} Business Avenue", "Europe/Moscow"))
            areas = [*COMMON_AREAS, *(["Car park"] if rng.random() < 0.5 else [])]
            common[pk] = []
            for area in areas:
                common[pk].append(self._premises(premises, pk, area, "1", Kind.COMMON_AREA))
            units[pk] = 0
            if n % UNMANAGED_EVERY != UNMANAGED_EVERY - 1 or count < UNMANAGED_EVERY:
                chosen = {self.managers[n % len(self.managers)]}
                if rng.random() < 0.3:
                    chosen.add(rng.choice(self.managers))
                looked_after += [(self._take(Building.managers.through), pk, m) for m in chosen]
        building_ids = [row[0] for row in buildings]
        # Each organisation in one building (round robin: the biggest tenants, first in
        # the list, spread over the buildings), with an office and, for some, a second place.
        self.leased: dict[int, list[int]] = {}
        self.common_areas: dict[int, list[int]] = {}
        start = since.date()
        for i, organisation_id in enumerate(self.organisation_ids):
            building = building_ids[i % len(building_ids)]
            units[building] += 1
            seq = units[building]
            places = [self._premises(premises, building, str(100 + seq), str(1 + seq // 10))]
            if rng.random() < 0.3:
                kind = rng.choice([Kind.STORAGE, Kind.PARKING])
                unit = f"{'S' if kind == Kind.STORAGE else 'P'}-{seq}"
                places.append(self._premises(premises, building, unit, "-1", kind))
            for place in places:
                leases.append((self._take(Lease), since, since, organisation_id, place, start))
            self.leased[organisation_id] = places
            self.common_areas[organisation_id] = common[building]
        _write(
            Building, ("id", "created_at", "updated_at", "name", "address", "time_zone"), buildings
        )
        _write(
            Premises,
            ("id", "created_at", "updated_at", "building", "unit", "floor", "kind", "qr_token"),
            [(*row[:1], since, since, *row[1:]) for row in premises],
        )
        _write(
            Lease, ("id", "created_at", "updated_at", "organisation", "premises", "start"), leases
        )
        _write(Building.managers.through, ("id", "building", "user"), looked_after)
        self.counts["buildings"] = len(buildings)
        self.counts["premises"] = len(premises)

    def _premises(self, rows, building: int, unit: str, floor: str, kind=Kind.OFFICE) -> int:
        pk = self._take(Premises)
        # Unique and unguessable, as the model's default makes them (one per row: the
        # writer's defaults are one value for all rows).
        rows.append((pk, building, unit, floor, kind, secrets.token_urlsafe(12)))
        return pk

    def _location(self, organisation_id: int) -> int:
        """Where a request of the organisation is: mostly its own premises."""
        rng = self.rng
        if rng.random() < COMMON_AREA_SHARE:
            return rng.choice(self.common_areas[organisation_id])
        return rng.choice(self.leased[organisation_id])
