"""Linking a request to an incident and unlinking it: both through the request's one
history (RequestEvent incident_linked / incident_unlinked), so its chat shows a system
line ("Linked to incident: Lift out of order") and every other listener hears it.

A request may be linked only while it is active, to an open incident of the building its
location is in, and to one incident at most (IncidentLink's unique request decides when
two links race).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenantdesk.incidents.access import access_incident
from tenantdesk.incidents.models import Incident, IncidentLink
from tenantdesk.service_requests.access import access_service_request
from tenantdesk.service_requests.events import event_record
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.payloads import IncidentLink as LinkPayload
from tenantdesk.service_requests.payloads import IncidentUnlink as UnlinkPayload


def _refused(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def incident_open_or_refuse(incident: Incident) -> None:
    if not incident.is_open:
        raise _refused(
            _("The incident “%(title)s” is closed; requests can no longer join it.")
            % {"title": incident.title},
            "incident_closed",
        )


def _location_or_refuse(incident: Incident, service_request: ServiceRequest) -> None:
    """The request's location must be in the incident's building."""
    location = service_request.location
    if location is None:
        raise _refused(
            _(
                "Request #%(number)s has no location yet, so it cannot be linked to an "
                "incident of %(building)s. Set its location first."
            )
            % {"number": service_request.pk, "building": incident.building.name},
            "no_location",
        )
    if location.building_id != incident.building_id:
        raise _refused(
            _(
                "Request #%(number)s is in %(its)s, but the incident is in %(building)s: "
                "only requests of the incident's building can be linked."
            )
            % {
                "number": service_request.pk,
                "its": location.building.name,
                "building": incident.building.name,
            },
            "other_building",
        )


def link_store(
    *, actor, incident: Incident, service_request: ServiceRequest, check_location: bool = True
) -> IncidentLink:
    """The link itself, on rows the caller has locked and checked for access: the rules
    (active, building, one incident), the row and the request's event. `check_location`
    False only for a member joining from /request/new without choosing a place (the join
    service checked the building through the organisation's leases instead)."""
    incident_open_or_refuse(incident)
    if service_request.is_closed:
        raise _refused(
            _("Request #%(number)s is closed; only active requests can be linked.")
            % {"number": service_request.pk},
            "request_closed",
        )
    if check_location:
        _location_or_refuse(incident, service_request)
    existing = (
        IncidentLink.objects.filter(service_request=service_request)
        .select_related("incident")
        .first()
    )
    if existing is not None:
        if existing.incident_id == incident.pk:
            raise _refused(
                _("Request #%(number)s is already linked to this incident.")
                % {"number": service_request.pk},
                "already_linked",
            )
        raise _refused(
            _(
                "Request #%(number)s is already linked to the incident “%(title)s”; "
                "unlink it there first."
            )
            % {"number": service_request.pk, "title": existing.incident.title},
            "linked_elsewhere",
        )
    now = timezone.now()
    try:
        with transaction.atomic():  # a savepoint: the loser of a race keeps its transaction
            link = IncidentLink.objects.create(
                incident=incident, service_request=service_request, linked_by=actor, linked_at=now
            )
    except IntegrityError:
        raise _refused(
            _("Request #%(number)s has just been linked to an incident.")
            % {"number": service_request.pk},
            "linked_elsewhere",
        ) from None
    event_record(
        service_request=service_request,
        actor=actor,
        payload=LinkPayload(incident_id=incident.pk, incident=incident.title),
        at=now,
    )
    return link


def _request_locked(actor, number) -> ServiceRequest:
    return access_service_request(
        actor,
        number,
        queryset=ServiceRequest.objects.select_related("location__building"),
        lock=True,
    )


@transaction.atomic
def incident_link_request(*, actor, incident: Incident, service_request_id) -> IncidentLink:
    """A manager links an existing request (by its number) to an open incident.

    PermissionDenied for anyone but a manager, Http404 for a request number that does
    not exist; ValidationError (codes incident_closed, request_closed, no_location,
    other_building, already_linked, linked_elsewhere) changes nothing.
    """
    incident = access_incident(actor, incident.pk, lock=True)
    service_request = _request_locked(actor, service_request_id)
    return link_store(actor=actor, incident=incident, service_request=service_request)


@transaction.atomic
def incident_unlink_request(*, actor, incident: Incident, service_request_id) -> None:
    """A manager takes a request out of an incident (it stays as it is otherwise).

    Http404 for a request that is not linked to this incident; ValidationError when the
    incident is closed (its links are its record then).
    """
    incident = access_incident(actor, incident.pk, lock=True)
    if not incident.is_open:
        raise _refused(
            _("The incident is closed; its requests stay linked as its record."),
            "incident_closed",
        )
    service_request = _request_locked(actor, service_request_id)
    deleted, _rows = IncidentLink.objects.filter(
        incident=incident, service_request=service_request
    ).delete()
    if not deleted:
        raise _refused(
            _("Request #%(number)s is not linked to this incident.")
            % {"number": service_request.pk},
            "not_linked",
        )
    event_record(
        service_request=service_request,
        actor=actor,
        payload=UnlinkPayload(incident_id=incident.pk, incident=incident.title),
        at=timezone.now(),
    )
