"""What the incidents' pages read: each list one query, whatever its length."""

from __future__ import annotations

from django.db.models import Count, QuerySet

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


def request_incident(service_request: ServiceRequest) -> Incident | None:
    """The incident a request is linked to, if any."""
    return (
        Incident.objects.select_related("building")
        .filter(links__service_request=service_request)
        .first()
    )


def incidents_to_link(service_request: ServiceRequest) -> QuerySet[Incident]:
    """The open incidents a manager may link this request to: those of its location's
    building (none without a location), newest first."""
    if service_request.location_id is None:
        return Incident.objects.none()
    return Incident.objects.filter(
        status=Incident.Status.OPEN, building__premises__id=service_request.location_id
    ).order_by("-created_at", "-id")
