"""Reads for the customers' side of the list: their organisation's requests, Active or Closed,
and within either all of the organisation's ("Organisation") or the member's own ("Mine":
those they opened or follow, issue 21)."""

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
    *, user, tab: str = TAB_ACTIVE, scope: str = SCOPE_ORGANISATION
) -> QuerySet[ServiceRequest]:
    """The organisation's active requests (newest activity first) or closed ones (newest
    closed first), all of them or the member's own (`scope`). The organisation is joined
    in: any number of rows costs the same number of queries."""
    qs = (
        service_requests_visible_to(user)
        .select_related("organisation")
        .only(*LIST_FIELDS, "closed_at")
    )
    if scope == SCOPE_MINE:
        qs = qs.filter(mine_q(user))
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


def customer_tab_counts(*, user) -> dict:
    """How many requests each tab holds in each scope, and whether the member is their
    organisation's only one (the default scope: customer_scope), in one query:
    {"organisation": {"active": n, "closed": n}, "mine": {…}, "alone": bool}."""
    mine = mine_q(user)
    counts = service_requests_visible_to(user).aggregate(
        active=Count("pk", filter=_ACTIVE),
        closed=Count("pk", filter=_CLOSED),
        mine_active=Count("pk", filter=_ACTIVE & mine),
        mine_closed=Count("pk", filter=_CLOSED & mine),
        # An aggregate of a constant: aggregate() takes aggregates only.
        others=Max(_other_members(user)),
    )
    return {
        SCOPE_ORGANISATION: {TAB_ACTIVE: counts["active"], TAB_CLOSED: counts["closed"]},
        SCOPE_MINE: {TAB_ACTIVE: counts["mine_active"], TAB_CLOSED: counts["mine_closed"]},
        # With no requests at all the aggregate has no row to carry it: either scope is
        # empty then, and "Organisation" says so about the whole organisation.
        "alone": not counts["others"],
    }
