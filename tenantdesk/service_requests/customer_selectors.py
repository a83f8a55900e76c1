"""Reads for the customers' side of the list: their organisation's requests, Active or Closed."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet

from tenantdesk.service_requests.access import service_requests_visible_to
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.selectors import LIST_FIELDS

TAB_ACTIVE = "active"
TAB_CLOSED = "closed"
TABS = (TAB_ACTIVE, TAB_CLOSED)


def customer_tab(value) -> str:
    """The tab a query string names; anything else is the default, Active."""
    return value if value in TABS else TAB_ACTIVE


def customer_request_list(*, user, tab: str = TAB_ACTIVE) -> QuerySet[ServiceRequest]:
    """The organisation's active requests (newest activity first) or closed ones (newest
    closed first). The organisation is joined in: any number of rows costs the same
    number of queries."""
    qs = (
        service_requests_visible_to(user)
        .select_related("organisation")
        .only(*LIST_FIELDS, "closed_at")
    )
    if tab == TAB_CLOSED:
        # Requests closed before closed_at existed were backfilled by migration 0003; any
        # still without one go last.
        return qs.filter(status=ServiceRequest.Status.CLOSED).order_by(
            F("closed_at").desc(nulls_last=True), "-last_activity_at", "-id"
        )
    return qs.filter(status__in=ServiceRequest.ACTIVE_STATUSES).order_by("-last_activity_at", "-id")


def customer_tab_counts(*, user) -> dict[str, int]:
    """How many requests each tab holds, in one query."""
    counts = service_requests_visible_to(user).aggregate(
        active=Count("pk", filter=Q(status__in=ServiceRequest.ACTIVE_STATUSES)),
        closed=Count("pk", filter=Q(status=ServiceRequest.Status.CLOSED)),
    )
    return {TAB_ACTIVE: counts["active"], TAB_CLOSED: counts["closed"]}
