"""Reads of service requests. Every list starts from what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.db.models import Q, QuerySet

from tenantdesk.accounts.models import Organisation
from tenantdesk.service_requests.models import RequestEvent, RequestPhoto, ServiceRequest

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

    @cached_property
    def search_q(self) -> Q | None:
        """The search as a condition, built once per list (the tabs' counts and the page
        share it, and building it looks the organisations up)."""
        text = self.search.strip()
        return search_q(text) if text else None


def search_q(text: str) -> Q:
    # Every part is a condition on the request's own columns (the organisations by their
    # ids, looked up first: a subquery or a join in the OR would make PostgreSQL read every
    # request), so each is answered from an index (the trigram ones of migration 0006)
    # and the answers are OR-ed.
    organisations = list(
        Organisation.objects.filter(name__icontains=text).values_list("pk", flat=True)[:1000]
    )
    q = (
        Q(title__icontains=text)
        | Q(description__icontains=text)
        | Q(office__icontains=text)
        | Q(organisation_id__in=organisations)
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


def service_request_history(*, service_request: ServiceRequest) -> QuerySet[RequestEvent]:
    """The request's events (its one history), oldest first, with who did each."""
    return service_request.events.select_related("actor").order_by("created_at", "id")


def request_photos(service_request: ServiceRequest) -> list[int]:
    """The positions of the request's photos in order, as the page links them (1 is the
    request's own photo; views.detail.photo_at serves each after service_requests.access' check)."""
    positions = [1] if service_request.photo else []
    positions += RequestPhoto.objects.filter(service_request=service_request).values_list(
        "position", flat=True
    )
    return positions
