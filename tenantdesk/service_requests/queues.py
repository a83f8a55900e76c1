"""The managers' queues (issue 12): tabs, their counts and the sort orders of /request/list.

Reads only. Every queue starts from service_requests.access.service_requests_visible_to, narrowed
by the list's filters (type, organisation, building, search: selectors.RequestListFilters),
then by the tab. The counts of all tabs come from one query (conditional aggregation).
"My buildings" (issue 22) is the unassigned active requests located in the buildings the
manager looks after (places.Building.managers): what is theirs to take.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from tenantdesk.accounts.roles import MANAGER_GROUP
from tenantdesk.core.paging import capped_count
from tenantdesk.places.models import Premises
from tenantdesk.service_requests.access import service_requests_visible_to
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.selectors import (
    LIST_FIELDS,
    STATUS_ACTIVE,
    STATUS_ALL,
    RequestListFilters,
)

Status = ServiceRequest.Status
Priority = ServiceRequest.Priority

TAB_MINE = "mine"
TAB_MY_BUILDINGS = "my_buildings"
TAB_UNASSIGNED = "unassigned"
TAB_ACTIVE = "active"
TAB_OVERDUE = "overdue"
TAB_CLOSED = "closed"
# Not shown as a tab: what the old status filter "all statuses" asked for (kept for links).
TAB_ALL = "all"
TABS = (TAB_MINE, TAB_MY_BUILDINGS, TAB_UNASSIGNED, TAB_ACTIVE, TAB_OVERDUE, TAB_CLOSED)
OPEN_TABS = (TAB_MINE, TAB_MY_BUILDINGS, TAB_UNASSIGNED, TAB_ACTIVE, TAB_OVERDUE)

SORT_ACTIVITY = "activity"
SORT_CREATED = "created"
SORT_PRIORITY = "priority"
SORT_DUE = "due"
SORTS = (SORT_ACTIVITY, SORT_CREATED, SORT_PRIORITY, SORT_DUE)

# What a manager's row shows beyond the customer's: owner, priority, due times.
QUEUE_FIELDS = (
    *LIST_FIELDS,
    "priority",
    "first_response_due_at",
    "resolution_due_at",
    "first_response_at",
    "closed_at",
    "assignee__id",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)

_ACTIVE = Q(status__in=ServiceRequest.ACTIVE_STATUSES)


def overdue_q(now: datetime) -> Q:
    """Active and past the due time that applies: the first response until a manager has
    answered, the resolution after that. Requests without due times are never overdue."""
    return _ACTIVE & (
        Q(first_response_at__isnull=True, first_response_due_at__lt=now)
        | Q(first_response_at__isnull=False, resolution_due_at__lt=now)
    )


def in_buildings_of(user) -> Q:
    """Located in a building `user` looks after: the location among those buildings'
    premises, a subquery PostgreSQL runs once and hashes (no join in the outer query, so
    the other tabs' counts in the same aggregate are not multiplied)."""
    premises = Premises.objects.filter(building__managers=user.pk).values("pk")
    return Q(location_id__in=premises)


def tab_q(tab: str, *, user, now: datetime) -> Q:
    return {
        TAB_MINE: _ACTIVE & Q(assignee_id=user.pk),
        TAB_MY_BUILDINGS: _ACTIVE & Q(assignee__isnull=True) & in_buildings_of(user),
        TAB_UNASSIGNED: _ACTIVE & Q(assignee__isnull=True),
        TAB_ACTIVE: _ACTIVE,
        TAB_OVERDUE: overdue_q(now),
        TAB_CLOSED: Q(status=Status.CLOSED),
        TAB_ALL: Q(),
    }[tab]


def _filtered(user, filters: RequestListFilters) -> QuerySet[ServiceRequest]:
    qs = service_requests_visible_to(user)
    # The old status select narrows inside a tab (pending or in progress only).
    if filters.status not in (STATUS_ACTIVE, STATUS_ALL, Status.CLOSED):
        qs = qs.filter(status=filters.status)
    if filters.type:
        qs = qs.filter(type=filters.type)
    if filters.organisation_id:
        qs = qs.filter(organisation_id=filters.organisation_id)
    if filters.building_id:
        qs = qs.filter(location__building_id=filters.building_id)
    if filters.search_q is not None:
        qs = qs.filter(filters.search_q)
    return qs


def _priority_rank():
    return Case(
        When(priority=Priority.URGENT, then=Value(0)),
        When(priority=Priority.HIGH, then=Value(1)),
        When(priority=Priority.NORMAL, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )


def _applying_due():
    # The due time that applies now, as in overdue_q.
    return Case(
        When(first_response_at__isnull=True, then=F("first_response_due_at")),
        default=F("resolution_due_at"),
    )


def _ordered(qs: QuerySet, sort: str) -> QuerySet:
    if sort == SORT_CREATED:
        return qs.order_by("-created_at", "-id")
    if sort == SORT_PRIORITY:
        return qs.annotate(priority_rank=_priority_rank()).order_by(
            "priority_rank", "-last_activity_at", "-id"
        )
    if sort == SORT_DUE:
        return qs.annotate(applying_due=_applying_due()).order_by(
            F("applying_due").asc(nulls_last=True), "-id"
        )
    return qs.order_by("-last_activity_at", "-id")


def queue_list(
    *, user, tab: str, sort: str = SORT_ACTIVITY, filters: RequestListFilters | None = None
) -> QuerySet[ServiceRequest]:
    """One tab's requests for a manager, sorted; the organisation and the assignee joined
    in (a page's location labels: selectors.page_with_place), so a page of any size costs
    the same queries."""
    filters = filters or RequestListFilters()
    qs = (
        _filtered(user, filters)
        .filter(tab_q(tab, user=user, now=timezone.now()))
        .select_related("organisation", "assignee")
        .only(*QUEUE_FIELDS)
    )
    return _ordered(qs, sort)


def queue_counts(*, user, filters: RequestListFilters | None = None) -> dict[str, int]:
    """{tab: number of requests} for every tab under the same filters, in two queries: the
    open tabs from the open requests alone (one aggregate), the Closed tab counted up to
    core.paging's cap (cap + 1 means more), so neither reads the closed history."""
    filters = filters or RequestListFilters()
    now = timezone.now()
    filtered = _filtered(user, filters)
    counts = filtered.filter(_ACTIVE).aggregate(
        **{tab: Count("pk", filter=tab_q(tab, user=user, now=now)) for tab in OPEN_TABS}
    )
    counts[TAB_CLOSED] = capped_count(filtered.filter(tab_q(TAB_CLOSED, user=user, now=now)))
    return counts


def tab_count(counts: dict[str, int], tab: str) -> int:
    """How many requests a tab of queue_counts holds; the old "all statuses" view, not a
    tab, is the open ones and the closed ones."""
    if tab == TAB_ALL:
        return counts[TAB_ACTIVE] + counts[TAB_CLOSED]
    return counts[tab]


def assignable_managers() -> QuerySet:
    """The people a request can be assigned to: active managers, by name."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=MANAGER_GROUP))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
