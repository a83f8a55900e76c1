"""What the incidents' pages read: each list one query, whatever its length."""

from __future__ import annotations

from functools import lru_cache

from django.db import connection
from django.db.models import Count, QuerySet

from tenantdesk.core.raw_sql import column, table
from tenantdesk.incidents.models import Incident, IncidentLink, IncidentUpdate
from tenantdesk.places.models import Premises
from tenantdesk.places.selectors import buildings_of
from tenantdesk.service_requests.models import ServiceRequest


def _with_reports(qs: QuerySet[Incident]) -> QuerySet[Incident]:
    return qs.select_related("building").annotate(reports=Count("links"))


def incident_list(*, status: str) -> QuerySet[Incident]:
    """The managers' list: open or closed incidents with their building and how many
    requests are linked, newest first."""
    return _with_reports(Incident.objects.filter(status=status)).order_by("-created_at", "-id")


def incident_links(incident: Incident) -> QuerySet[IncidentLink]:
    """The incident's requests with their organisation, status and place."""
    return IncidentLink.objects.filter(incident=incident).select_related(
        "service_request__organisation", "service_request__location"
    )


def incident_updates(incident: Incident) -> QuerySet[IncidentUpdate]:
    return IncidentUpdate.objects.filter(incident=incident).select_related("author")


def known_issues(organisation_id: int | None) -> list[Incident]:
    """The open incidents of the buildings where the organisation leases now, with how
    many requests they group: what /request/new offers to join."""
    if organisation_id is None:
        return []
    return list(
        _with_reports(
            Incident.objects.filter(
                status=Incident.Status.OPEN, building__in=buildings_of(organisation_id)
            )
        ).order_by("-created_at", "-id")
    )


@lru_cache(maxsize=2)
def _request_panel_sql(*, candidates: bool) -> str:
    """request_panel's statement from the models' own names: the incidents linked to the
    request (a request has at most one link, so the join never repeats an incident) and,
    with `candidates`, the open incidents of the building of its place. Written as SQL:
    every manager's request page asks it, and the ORM's building of the OR over a join
    and an EXISTS cost ten times running it (about 1.5 ms of CPU against 0.15 ms;
    bench/README.md, "The pages' own queries")."""
    quote = connection.ops.quote_name
    incidents, links, premises = Incident, IncidentLink, Premises
    columns = ", ".join(f"i.{quote(f.column)}" for f in Incident._meta.concrete_fields)
    where = f"l.{column(links, 'id')} IS NOT NULL"
    if candidates:
        where += (
            f" OR (i.{column(incidents, 'status')} = %s AND i.{column(incidents, 'building')} = ("  # noqa: S608
            f"SELECT p.{column(premises, 'building')} FROM {table(premises)} p"
            f" WHERE p.{column(premises, 'id')} = %s))"
        )
    return (
        f"SELECT {columns}, CASE WHEN l.{column(links, 'id')} IS NULL THEN 0 ELSE 1 END"  # noqa: S608
        f" AS is_mine FROM {table(incidents)} i"
        f" LEFT JOIN {table(links)} l"
        f" ON l.{column(links, 'incident')} = i.{column(incidents, 'id')}"
        f" AND l.{column(links, 'service_request')} = %s"
        f" WHERE {where}"
        f" ORDER BY i.{column(incidents, 'created_at')} DESC, i.{column(incidents, 'id')} DESC"
    )


def linked_incident(service_request: ServiceRequest) -> Incident | None:
    """The incident the request is linked to, if any (a member's request page)."""
    rows = Incident.objects.raw(_request_panel_sql(candidates=False), [service_request.pk])
    return next(iter(rows), None)


def request_panel(service_request: ServiceRequest) -> tuple[Incident | None, list[Incident]]:
    """For a manager's request page, in one query whether placed or not: the incident the
    request is linked to, else the open incidents of its building it could be linked to
    (none once it is closed)."""
    candidates = service_request.location_id is not None and not service_request.is_closed
    params = [service_request.pk]
    if candidates:
        params += [Incident.Status.OPEN, service_request.location_id]
    rows = list(Incident.objects.raw(_request_panel_sql(candidates=candidates), params))
    for incident in rows:
        incident.is_mine = bool(incident.is_mine)  # SQLite's 0 and 1
    linked = next((incident for incident in rows if incident.is_mine), None)
    return linked, ([] if linked is not None else rows)
