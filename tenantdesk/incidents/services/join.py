"""A member joins an open incident from /request/new ("Add us to it"): their request is
created by the one creation service with what they typed, and linked to the incident in
the same transaction; as its author they follow it, so the updates reach them."""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tenantdesk.incidents.access import joinable_incident
from tenantdesk.incidents.models import IncidentLink
from tenantdesk.incidents.services.links import incident_open_or_refuse, link_store
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services.create import (
    file_delete_quietly,
    service_request_create,
)

logger = logging.getLogger(__name__)


def _files_of(service_request: ServiceRequest) -> list:
    files = [service_request.photo, service_request.photo_thumbnail]
    try:
        for extra in service_request.extra_photos.all():
            files += [extra.photo, extra.photo_thumbnail]
    except Exception:  # a broken transaction cannot be asked; the first photo is known
        logger.warning("could not list the further photos of #%s to remove", service_request.pk)
    return files


@transaction.atomic
def incident_join(*, author, incident_id, **create) -> ServiceRequest:
    """Create the member's request (`create`: service_request_create's arguments but the
    author; its type becomes the incident's) and link it to the incident.

    Http404 for an incident not of a building where the member's organisation leases now,
    PermissionDenied for anyone but a member; ValidationError, nothing stored, when the
    incident is closed (meanwhile) or the chosen location is in another building. A second
    submission of the same form returns the request the first made, linked once.
    """
    incident = joinable_incident(author, incident_id, lock=True)
    incident_open_or_refuse(incident)
    location = create.get("location")
    if location is not None and location.building_id != incident.building_id:
        raise ValidationError(
            _(
                "The place you chose is not in %(building)s, where this incident is. "
                "Create your request on its own instead."
            )
            % {"building": incident.building.name},
            code="other_building",
        )
    create["type"] = incident.type
    service_request = service_request_create(author=author, **create)
    if not service_request.was_created:
        linked = IncidentLink.objects.filter(
            service_request=service_request, incident=incident
        ).exists()
        if linked:
            return service_request
    try:
        link_store(
            actor=author,
            incident=incident,
            service_request=service_request,
            # Without a place chosen the building is the organisation's (joinable_incident).
            check_location=location is not None,
        )
    except BaseException:
        # The rows roll back with this transaction; the files are ours to remove.
        if service_request.was_created:
            for fieldfile in _files_of(service_request):
                file_delete_quietly(fieldfile)
        raise
    return service_request
