"""What a buildings file would do: every row checked against the file and the database.

The result (a Plan) says, row by row, what will be created and what exists already, and
lists every bad row by its line with the reason. The database is read in a few queries
whatever the file's length (buildings, their premises, organisations and leases by name
or id in bulk), so a file of thousands of rows is checked in a moment."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tenantdesk.accounts.models import Organisation
from tenantdesk.places.importing.reading import Row
from tenantdesk.places.leases import periods_meet
from tenantdesk.places.models import Building, Lease, Premises, validate_time_zone


def _kinds() -> dict[str, str]:
    """A kind as written: its code, or its label in English or Russian, any case."""
    names = {}
    for kind in Premises.Kind:
        names[kind.value] = kind.value
        names[kind.value.replace("_", " ")] = kind.value
        names[str(kind.label).lower()] = kind.value
    names.update({"офис": "office", "склад": "storage", "парковка": "parking"})
    names.update({"место общего пользования": "common_area", "общая зона": "common_area"})
    return names


@dataclass
class Planned:
    """One good row: what it names, and whether each thing is new or exists."""

    line: int
    building_name: str
    address: str
    time_zone: str
    unit: str
    floor: str
    kind: str
    building: Building | None = None
    premises: Premises | None = None
    organisation: Organisation | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None
    lease_exists: bool = False
    # Another lease of a unit an earlier line names (the premises is that line's).
    repeat: bool = False

    @property
    def kind_label(self) -> str:
        return Premises.Kind(self.kind).label

    @property
    def has_lease(self) -> bool:
        return self.organisation is not None


@dataclass
class Plan:
    rows: list[Planned] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def new_buildings(self) -> int:
        return len({r.building_name for r in self.rows if r.building is None})

    @property
    def new_premises(self) -> int:
        return sum(1 for r in self.rows if r.premises is None and not r.repeat)

    @property
    def new_leases(self) -> int:
        return sum(1 for r in self.rows if r.has_lease and not r.lease_exists)


def _date(value, column: str) -> datetime.date | None:
    if value in ("", None):
        return None
    if isinstance(value, datetime.date):
        return value
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValidationError(
        _("%(column)s %(value)s is not a date (write 2026-03-01 or 01.03.2026).")
        % {"column": column, "value": value}
    )


def _longest(value: str, column: str, limit: int) -> str:
    if len(value) > limit:
        raise ValidationError(
            _("%(column)s is longer than %(limit)s characters.")
            % {"column": column, "limit": limit}
        )
    return value


class _Checker:
    def __init__(self, rows: list[Row]):
        self.rows = rows
        names = {str(r.values["building"]) for r in rows}
        self.buildings = {b.name: b for b in Building.objects.filter(name__in=names)}
        self.premises = {
            (p.building.name, p.unit): p
            for p in Premises.objects.filter(building__in=self.buildings.values()).select_related(
                "building"
            )
        }
        wanted = {str(r.values["organisation"]) for r in rows} - {""}
        self.organisations = defaultdict(list)
        for organisation in Organisation.objects.filter(name__in=wanted):
            self.organisations[organisation.name].append(organisation)
        self.leases = defaultdict(list)
        for lease in Lease.objects.filter(premises__in=self.premises.values()).select_related(
            "organisation"
        ):
            self.leases[lease.premises_id].append(lease)
        self.kinds = _kinds()
        self.first_line: dict[tuple, Planned] = {}
        self.new_buildings: dict[str, Planned] = {}

    def row(self, row: Row) -> Planned:
        v = row.values
        name = _longest(str(v["building"]), "building", 120)
        unit = _longest(str(v["unit"]), "unit", 40)
        if not name or not unit:
            raise ValidationError(_("building and unit must not be empty."))
        time_zone = str(v["time_zone"])
        try:
            validate_time_zone(time_zone)
        except ValidationError:
            raise ValidationError(
                _("time_zone %(value)s is not a time zone (e.g. Europe/Moscow).")
                % {"value": time_zone or '""'}
            ) from None
        kind = self.kinds.get(str(v["kind"]).lower())
        if kind is None:
            raise ValidationError(
                _("kind %(value)s is unknown; use one of %(kinds)s.")
                % {"value": v["kind"] or '""', "kinds": ", ".join(Premises.Kind.values)}
            )
        planned = Planned(
            line=row.line,
            building_name=name,
            address=_longest(str(v["address"]), "address", 255),
            time_zone=time_zone,
            unit=unit,
            floor=_longest(str(v["floor"]), "floor", 10),
            kind=kind,
            building=self.buildings.get(name),
        )
        self._building(planned)
        self._lease(planned, v)
        self._premises(planned)
        self._stored_leases(planned)
        return planned

    def _building(self, p: Planned) -> None:
        if p.building is not None:
            return  # an existing building is kept as it is
        if not p.address:
            raise ValidationError(_("address must not be empty for a new building."))
        first = self.new_buildings.setdefault(p.building_name, p)
        if (first.address, first.time_zone) != (p.address, p.time_zone):
            raise ValidationError(
                _("Building %(name)s has another address or time zone on line %(line)s.")
                % {"name": p.building_name, "line": first.line}
            )

    def _premises(self, p: Planned) -> None:
        key = (p.building_name, p.unit)
        first = self.first_line.get(key)
        same = first is not None and (first.floor, first.kind) == (p.floor, p.kind)
        if same and first.has_lease and p.has_lease:
            # One more lease of the same premises (a later tenant, say).
            p.premises, p.repeat = first.premises, True
            return
        if first is not None:
            raise ValidationError(
                _("Unit %(unit)s of %(building)s is on line %(line)s already.")
                % {"unit": p.unit, "building": p.building_name, "line": self.first_line[key].line}
            )
        self.first_line[key] = p
        stored = self.premises.get(key)
        if stored is None:
            return
        if (stored.kind, stored.floor) != (p.kind, p.floor):
            raise ValidationError(
                _(
                    "Unit %(unit)s exists in %(building)s as %(kind)s on floor %(floor)s; "
                    "the file describes it otherwise."
                )
                % {
                    "unit": p.unit,
                    "building": p.building_name,
                    "kind": stored.get_kind_display(),
                    "floor": stored.floor or "—",
                }
            )
        p.premises = stored

    def _lease(self, p: Planned, v: dict) -> None:
        name = str(v["organisation"])
        p.start = _date(v["lease_start"], "lease_start")
        p.end = _date(v["lease_end"], "lease_end")
        if not name:
            if p.start or p.end:
                raise ValidationError(_("A lease needs an organisation."))
            return
        found = self.organisations.get(name, [])
        if not found:
            raise ValidationError(
                _("No organisation is named %(name)s (the name must match exactly).")
                % {"name": name}
            )
        if len(found) > 1:
            raise ValidationError(
                _("Several organisations are named %(name)s; lease it in the app.") % {"name": name}
            )
        if p.start is None:
            raise ValidationError(_("lease_start must be given with an organisation."))
        if p.end and p.end < p.start:
            raise ValidationError(_("lease_end is before lease_start."))
        if p.kind == Premises.Kind.COMMON_AREA:
            raise ValidationError(_("A common area is not leased."))
        p.organisation = found[0]

    def _stored_leases(self, p: Planned) -> None:
        if not p.has_lease:
            return
        stored = self.leases.get(p.premises.pk, []) if p.premises else []
        p.lease_exists = any(
            lease.organisation_id == p.organisation.pk and lease.start == p.start
            for lease in stored
        )
        for lease in stored:
            if lease.organisation_id != p.organisation.pk and _meet(lease.start, lease.end, p):
                raise ValidationError(
                    _("The lease overlaps %(organisation)s's lease from %(start)s.")
                    % {"organisation": lease.organisation.name, "start": lease.start}
                )

    def overlaps_in_file(self, plan: Plan) -> None:
        by_place = defaultdict(list)
        for p in plan.rows:
            if p.has_lease:
                by_place[(p.building_name, p.unit)].append(p)
        bad = set()
        for group in by_place.values():
            for i, later in enumerate(group):
                for earlier in group[:i]:
                    if earlier.organisation.pk != later.organisation.pk and _meet(
                        earlier.start, earlier.end, later
                    ):
                        plan.errors.append(
                            (
                                later.line,
                                _("The lease overlaps %(organisation)s's lease on line %(line)s.")
                                % {"organisation": earlier.organisation.name, "line": earlier.line},
                            )
                        )
                        bad.add(later.line)
                        break
        plan.rows = [p for p in plan.rows if p.line not in bad]


def _meet(start, end, p: Planned) -> bool:
    return periods_meet(start, end, p.start, p.end)


def check(rows: list[Row]) -> Plan:
    """Every row checked; the plan lists the good rows and every bad one's reason."""
    checker = _Checker(rows)
    plan = Plan()
    for row in rows:
        try:
            plan.rows.append(checker.row(row))
        except ValidationError as error:
            plan.errors.append((row.line, " ".join(error.messages)))
    checker.overlaps_in_file(plan)
    plan.errors.sort()
    return plan
