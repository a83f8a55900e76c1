"""Reads for the customers' side of the list: their organisation's requests, Active or Closed,
and within either all of the organisation's ("Organisation") or the member's own ("Mine":
those they opened or follow, issue 21), all of them or those of one building (issue 22)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)

from tenantdesk.service_requests.access import service_requests_visible_to
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


def _other_members(user) -> Subquery:
    # 1 when someone else of the organisation can sign in, else NULL: one probe of the
    # users' organisation index, evaluated once (it does not depend on the row).
    others = (
        get_user_model()
        .objects.filter(organisation_id=user.organisation_id, is_active=True)
        .exclude(pk=user.pk)
        .values(one=Value(1))[:1]
    )
    return Subquery(others, output_field=IntegerField())


def _scoped(counts: dict) -> dict:
    return {
        SCOPE_ORGANISATION: {TAB_ACTIVE: counts["active"], TAB_CLOSED: counts["closed"]},
        SCOPE_MINE: {TAB_ACTIVE: counts["mine_active"], TAB_CLOSED: counts["mine_closed"]},
    }


def customer_tab_counts(*, user, building_id=None) -> dict:
    """How many requests each tab holds in each scope, whether the member is their
    organisation's only one (the default scope: customer_scope), and the buildings the
    organisation's requests are in (the building menu), in one query grouped by building:
    {"organisation": {"active": n, "closed": n}, "mine": {…}, "alone": bool,
    "buildings": [(id, name), …] by name}. With `building_id` (one of those buildings)
    the tabs count that building's requests; the scope's default and the menu look at all."""
    mine = mine_q(user)
    groups = list(
        service_requests_visible_to(user)
        .order_by()
        .values("location__building_id", "location__building__name")
        .annotate(
            active=Count("pk", filter=_ACTIVE),
            closed=Count("pk", filter=_CLOSED),
            mine_active=Count("pk", filter=_ACTIVE & mine),
            mine_closed=Count("pk", filter=_CLOSED & mine),
            # An aggregate of a constant: one probe, whatever the group.
            others=Max(_other_members(user)),
        )
    )
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
