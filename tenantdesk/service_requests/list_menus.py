"""The managers' filter menus of /request/list: every organisation and every building, and
which buildings the manager looks after (whether the "My buildings" tab is theirs).

One query for all of it (a UNION of the two small tables): the list's number of queries
is part of its contract (tests/unit/service_requests/test_queues.py), and a second menu
must not make it grow.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import BooleanField, CharField, Exists, OuterRef, Value

from tenantdesk.accounts.models import Organisation
from tenantdesk.places.models import Building

_ORGANISATION, _BUILDING = "o", "b"


@dataclass(frozen=True)
class FilterMenus:
    # (id, name) pairs by name, as the menus list them.
    organisations: list[tuple[int, str]] = field(default_factory=list)
    buildings: list[tuple[int, str]] = field(default_factory=list)
    # The buildings whose managers include the user.
    my_building_ids: frozenset[int] = frozenset()


def filter_menus(user=None) -> FilterMenus:
    """The menus' choices, by name, and the user's own buildings: one query."""
    kind, flag = CharField(), BooleanField()
    organisations = (
        Organisation.objects.annotate(
            kind=Value(_ORGANISATION, output_field=kind), mine=Value(False, output_field=flag)
        )
        .order_by()
        .values_list("kind", "id", "name", "mine")
    )
    looked_after = Building.managers.through.objects.filter(
        building_id=OuterRef("pk"), user_id=getattr(user, "pk", None)
    )
    buildings = (
        Building.objects.annotate(
            kind=Value(_BUILDING, output_field=kind), mine=Exists(looked_after)
        )
        .order_by()
        .values_list("kind", "id", "name", "mine")
    )
    menus: dict[str, list[tuple[int, str]]] = {_ORGANISATION: [], _BUILDING: []}
    mine = set()
    for what, pk, name, is_mine in organisations.union(buildings, all=True).order_by(
        "kind", "name", "id"
    ):
        menus[what].append((pk, name))
        if is_mine:
            mine.add(pk)
    return FilterMenus(
        organisations=menus[_ORGANISATION],
        buildings=menus[_BUILDING],
        my_building_ids=frozenset(mine),
    )
