"""Reads for the customers' side of the list: their organisation's requests, Active or Closed,
and within either all of the organisation's ("Organisation") or the member's own ("Mine":
those they opened or follow, issue 21), all of them or those of one building (issue 22)."""

from __future__ import annotations

from functools import lru_cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
)

from tenantdesk.core.raw_sql import column, table
from tenantdesk.places.models import Building, Premises
from tenantdesk.service_requests.access import (
    service_requests_visible_to,
    visible_requests_sql,
)
from tenantdesk.service_requests.models import RequestFollower, ServiceRequest
from tenantdesk.service_requests.selectors import LIST_FIELDS

TAB_ACTIVE = "active"
TAB_CLOSED = "closed"
TABS = (TAB_ACTIVE, TAB_CLOSED)

SCOPE_MINE = "mine"
SCOPE_ORGANISATION = "organisation"
SCOPES = (SCOPE_MINE, SCOPE_ORGANISATION)

_ACTIVE = Q(status__in=ServiceRequest.ACTIVE_STATUSES)
_CLOSED = Q(status=ServiceRequest.Status.CLOSED)


def customer_tab(value) -> str:
    """The tab a query string names; anything else is the default, Active."""
    return value if value in TABS else TAB_ACTIVE


def customer_scope(value, *, alone: bool, has_own: bool = True) -> str:
    """The scope a query string names (?scope=mine / ?scope=organisation); without one,
    "Mine" when the organisation has other active members and the member has requests of
    their own, else "Organisation". Why not "Mine" always: a request a manager took by
    phone has no followers (the phone form names no member), so a single member's "Mine"
    would hide it, while for them "Organisation" is no noisier; and a colleague who has
    just joined has nothing of their own yet, so "Mine" would greet them with an empty
    list. With colleagues and requests of one's own, "Mine" is what needs attention; the
    Organisation tab beside it shows how many more there are."""
    if value in SCOPES:
        return value
    return SCOPE_ORGANISATION if alone or not has_own else SCOPE_MINE


def followed_by(user) -> Exists:
    """An annotation: does `user` follow the request (an index lookup per row)."""
    return Exists(RequestFollower.objects.filter(service_request=OuterRef("pk"), user=user.pk))


def mine_q(user) -> Q:
    """The member's own requests: opened by them, or followed. An IN over the follower
    index (user, request), hashed once per query, not a lookup per row."""
    followed = RequestFollower.objects.filter(user=user.pk).values("service_request_id")
    return Q(author_id=user.pk) | Q(pk__in=followed)


def customer_request_list(
    *, user, tab: str = TAB_ACTIVE, scope: str = SCOPE_ORGANISATION, building_id=None
) -> QuerySet[ServiceRequest]:
    """The organisation's active requests (newest activity first) or closed ones (newest
    closed first), all of them or the member's own (`scope`), of every building or of
    one. The organisation is joined in (a page's location labels:
    selectors.page_with_place): any number of rows costs the same number of queries."""
    qs = (
        service_requests_visible_to(user)
        .select_related("organisation")
        .only(*LIST_FIELDS, "closed_at")
    )
    if scope == SCOPE_MINE:
        qs = qs.filter(mine_q(user))
    if building_id:
        qs = qs.filter(location__building_id=building_id)
    if tab == TAB_CLOSED:
        # Requests closed before closed_at existed were backfilled by migration 0003; any
        # still without one go last.
        return qs.filter(_CLOSED).order_by(
            F("closed_at").desc(nulls_last=True), "-last_activity_at", "-id"
        )
    return qs.filter(_ACTIVE).order_by("-last_activity_at", "-id")


def _scoped(counts: dict) -> dict:
    return {
        SCOPE_ORGANISATION: {TAB_ACTIVE: counts["active"], TAB_CLOSED: counts["closed"]},
        SCOPE_MINE: {TAB_ACTIVE: counts["mine_active"], TAB_CLOSED: counts["mine_closed"]},
    }


@lru_cache(maxsize=1)
def _tab_groups_sql() -> str:
    """customer_tab_counts' statement, from the models' own names, over the requests the
    person sees as a derived table (`{visible}`: service_requests.access' query, the one
    place that decides it). Written as SQL: the ORM's building of its four filtered
    counts, the followers' IN and the members' subquery cost five times running it
    (about 1.5 ms of CPU against 0.3 ms; bench/README.md, "The pages' own queries").
    Portable SUM(CASE …) for COUNT(…) FILTER; each group has rows, so no SUM is NULL."""
    requests, premises, buildings = ServiceRequest, Premises, Building
    followers, users = RequestFollower, get_user_model()
    active = f"sr.{column(requests, 'status')} IN (%s, %s)"
    closed = f"sr.{column(requests, 'status')} = %s"
    mine = (
        f"(sr.{column(requests, 'author')} = %s OR sr.{column(requests, 'id')} IN ("  # noqa: S608
        f"SELECT f.{column(followers, 'service_request')} FROM {table(followers)} f"
        f" WHERE f.{column(followers, 'user')} = %s))"
    )
    others = (
        f"(SELECT 1 FROM {table(users)} u"  # noqa: S608
        f" WHERE u.{column(users, 'organisation')} = %s"
        f" AND u.{column(users, 'is_active')} = %s AND u.{column(users, 'id')} <> %s LIMIT 1)"
    )
    return (
        f"SELECT b.{column(buildings, 'id')}, b.{column(buildings, 'name')},"  # noqa: S608
        f" SUM(CASE WHEN {active} THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN {closed} THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN {active} AND {mine} THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN {closed} AND {mine} THEN 1 ELSE 0 END),"
        f" MAX({others})"
        " FROM ({visible}) sr"
        f" LEFT JOIN {table(premises)} p"
        f" ON p.{column(premises, 'id')} = sr.{column(requests, 'location')}"
        f" LEFT JOIN {table(buildings)} b"
        f" ON b.{column(buildings, 'id')} = p.{column(premises, 'building')}"
        f" GROUP BY b.{column(buildings, 'id')}, b.{column(buildings, 'name')}"
    )


def _tab_groups(user) -> list[dict]:
    """customer_tab_counts' rows: per building of the organisation's requests (None:
    without a place), each tab's count in each scope and whether anyone else of the
    organisation can sign in."""
    visible = visible_requests_sql(user, "id", "status", "author", "location")
    if visible is None:
        return []
    visible_sql, visible_params = visible
    active, closed = (*ServiceRequest.ACTIVE_STATUSES,), ServiceRequest.Status.CLOSED
    mine = [user.pk, user.pk]
    params = [
        *active,
        closed,
        *active,
        *mine,
        closed,
        *mine,
        user.organisation_id,
        True,
        user.pk,
        *visible_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_tab_groups_sql().replace("{visible}", visible_sql), params)
        rows = cursor.fetchall()
    return [
        {
            "location__building_id": building_id,
            "location__building__name": name,
            "active": int(active_count),
            "closed": int(closed_count),
            "mine_active": int(mine_active),
            "mine_closed": int(mine_closed),
            "others": others,
        }
        for building_id, name, active_count, closed_count, mine_active, mine_closed, others in rows
    ]


def customer_tab_counts(*, user, building_id=None) -> dict:
    """How many requests each tab holds in each scope, whether the member is their
    organisation's only one (the default scope: customer_scope), and the buildings the
    organisation's requests are in (the building menu), in one query grouped by building:
    {"organisation": {"active": n, "closed": n}, "mine": {…}, "alone": bool,
    "buildings": [(id, name), …] by name}. With `building_id` (one of those buildings)
    the tabs count that building's requests; the scope's default and the menu look at all."""
    groups = _tab_groups(user)
    names = ("active", "closed", "mine_active", "mine_closed")
    total = {name: sum(group[name] for group in groups) for name in names}
    chosen = [g for g in groups if building_id and g["location__building_id"] == building_id]
    shown = {name: sum(group[name] for group in chosen) for name in names} if chosen else total
    return {
        **_scoped(shown),
        "totals": _scoped(total),
        # With no requests at all there is no group to carry it: either scope is empty
        # then, and "Organisation" says so about the whole organisation.
        "alone": not any(group["others"] for group in groups),
        "buildings": sorted(
            (
                (g["location__building_id"], g["location__building__name"])
                for g in groups
                if g["location__building_id"]
            ),
            key=lambda pair: (pair[1].casefold(), pair[0]),
        ),
    }
