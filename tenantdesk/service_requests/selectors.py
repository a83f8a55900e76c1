"""Reads of service requests. Every list starts from what the user may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from tenantdesk.core.permissions import is_manager, service_requests_visible_to
from tenantdesk.service_requests.models import ServiceRequest

# Status filter values beyond the statuses themselves.
STATUS_ACTIVE = ""  # the default: pending and in progress
STATUS_ALL = "all"


@dataclass(frozen=True)
class RequestListFilters:
    """What a manager narrowed the list to; customers always get the defaults."""

    status: str = STATUS_ACTIVE
    type: str = ""
    organisation_id: int | None = None
    search: str = ""


def _search_q(text: str) -> Q:
    q = (
        Q(title__icontains=text)
        | Q(description__icontains=text)
        | Q(office__icontains=text)
        | Q(organisation__name__icontains=text)
    )
    number = text.lstrip("#").strip()
    if number.isdigit() and len(number) < 18:  # "#42" or "42" finds request number 42
        q |= Q(pk=int(number))
    return q


# What a row of the list shows (and what get_absolute_url needs).
LIST_FIELDS = (
    "id",
    "title",
    "type",
    "office",
    "status",
    "created_at",
    "last_activity_at",
    "organisation__id",
    "organisation__name",
)


def service_request_list(
    *, user, filters: RequestListFilters | None = None
) -> QuerySet[ServiceRequest]:
    """The requests for the list page, newest activity first.

    A customer gets their organisation's active requests and no filtering; a manager gets
    every organisation's, narrowed by `filters`. The organisation is joined in, so rendering
    any number of rows costs the same number of queries.
    """
    filters = filters or RequestListFilters()
    # The list shows the organisation's name only: its phone would be parsed for each row.
    qs = service_requests_visible_to(user).select_related("organisation").only(*LIST_FIELDS)
    if not is_manager(user):
        return qs.filter(status__in=ServiceRequest.ACTIVE_STATUSES).order_by(
            "-last_activity_at", "-id"
        )
    if filters.status == STATUS_ACTIVE:
        qs = qs.filter(status__in=ServiceRequest.ACTIVE_STATUSES)
    elif filters.status != STATUS_ALL:
        qs = qs.filter(status=filters.status)
    if filters.type:
        qs = qs.filter(type=filters.type)
    if filters.organisation_id:
        qs = qs.filter(organisation_id=filters.organisation_id)
    text = filters.search.strip()
    if text:
        qs = qs.filter(_search_q(text))
    return qs.order_by("-last_activity_at", "-id")


def service_request_history(*, service_request: ServiceRequest) -> QuerySet:
    """The request's status changes, oldest first, with who made them."""
    return service_request.status_changes.select_related("changed_by").order_by("changed_at", "id")
