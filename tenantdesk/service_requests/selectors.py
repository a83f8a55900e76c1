"""Reads of service requests. Every list starts from what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Concat

from tenantdesk.accounts.models import Organisation
from tenantdesk.places.models import Premises
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
    # A building: requests located in any of its premises (common areas included).
    building_id: int | None = None

    @cached_property
    def search_q(self) -> Q | None:
        """The search as a condition, built once per list (the tabs' counts and the page
        share it, and building it looks the organisations up)."""
        text = self.search.strip()
        return search_q(text) if text else None


# At most this many organisations and as many premises a search's words name: a guard on
# the size of the IN lists (a word found in every name finds the requests by their text).
SEARCH_NAMED_CAP = 1000


def _named_by(text: str) -> tuple[list[int], list[int]]:
    """The organisations whose name holds `text`, and the premises whose unit or building's
    name holds it: one query (a UNION), both small tables."""
    kind = CharField()
    organisations = (
        Organisation.objects.filter(name__icontains=text)
        .order_by()
        .values_list("pk", Value("o", output_field=kind))
    )
    premises = (
        Premises.objects.filter(Q(unit__icontains=text) | Q(building__name__icontains=text))
        .order_by()
        .values_list("pk", Value("p", output_field=kind))
    )
    found: dict[str, list[int]] = {"o": [], "p": []}
    for pk, what in organisations.union(premises, all=True)[: 2 * SEARCH_NAMED_CAP]:
        if len(found[what]) < SEARCH_NAMED_CAP:
            found[what].append(pk)
    return found["o"], found["p"]


def search_q(text: str) -> Q:
    # Every part is a condition on the request's own columns (the organisations and the
    # places by their ids, looked up first: a subquery or a join in the OR would make
    # PostgreSQL read every request), so each is answered from an index (the trigram ones
    # of migration 0006, the foreign keys' own) and the answers are OR-ed.
    organisations, premises = _named_by(text)
    q = (
        Q(title__icontains=text)
        | Q(description__icontains=text)
        | Q(office__icontains=text)
        | Q(organisation_id__in=organisations)
    )
    if premises:
        q |= Q(location_id__in=premises)
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
    # Where (its label: with_place): "Building A · 204", else the office note.
    "location",
)


def with_place(queryset: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest]:
    """The rows with `place`, "Building · unit" of their location (None without one), as a
    column of their one query. A subquery, not a join: joining the premises and buildings
    made PostgreSQL join them to every request it sorted (the Closed tab's thousands).
    Apply it to a page's rows (page_with_place), not to the list before paging."""
    label = (
        Premises.objects.filter(pk=OuterRef("location_id"))
        .order_by()
        .annotate(label=Concat("building__name", Value(" · "), "unit", output_field=CharField()))
        .values("label")[:1]
    )
    return queryset.annotate(place=Subquery(label, output_field=CharField()))


def page_with_place(page_rows: QuerySet[ServiceRequest]) -> QuerySet[ServiceRequest]:
    """A page of a list (a sliced queryset) with its rows' `place`, in the same one query.

    The label's subquery is a column of the outer query, whose rows are the page's (the
    ids the sliced, ordered list picks, as a subquery): PostgreSQL projects every row it
    skips for an OFFSET, so with the label on the list itself page 400 of the Closed tab
    ran the label's subquery 10,000 times (116 ms; 25 times now)."""
    rows = page_rows._chain()
    rows.query.clear_limits()
    return with_place(rows.filter(pk__in=page_rows.values("pk")))


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
