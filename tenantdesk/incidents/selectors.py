"""What the incidents' pages read: each list one query, whatever its length."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from tenantdesk.incidents.models import Incident, IncidentLink, IncidentUpdate
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


def request_panel(service_request: ServiceRequest) -> tuple[Incident | None, list[Incident]]:
    """For a manager's request page, in one query whether placed or not: the incident the
    request is linked to, else the open incidents of its building it could be linked to
    (none once it is closed)."""
    mine = Q(links__service_request=service_request)
    if service_request.location_id is not None and not service_request.is_closed:
        mine |= Q(status=Incident.Status.OPEN, building__premises__id=service_request.location_id)
    rows = list(
        Incident.objects.select_related("building")
        .filter(mine)
        .annotate(
            is_mine=Exists(
                IncidentLink.objects.filter(
                    incident=OuterRef("pk"), service_request=service_request
                )
            )
        )
        .order_by("-created_at", "-id")
        .distinct()
    )
    linked = next((incident for incident in rows if incident.is_mine), None)
    return linked, ([] if linked is not None else rows)
