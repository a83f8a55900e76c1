"""Opening an incident, optionally from a request's page (that request is linked at once)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tenantdesk.incidents.access import manager_or_403
from tenantdesk.incidents.models import Incident
from tenantdesk.incidents.services.links import _request_locked, link_store


@transaction.atomic
def incident_create(
    *, actor, title: str, building, type: str, from_request_id: int | None = None
) -> Incident:
    """A manager opens an incident (title, building, type of work). With `from_request_id`
    that request is linked in the same transaction: if it cannot be (another building, no
    location, closed, linked elsewhere) nothing is stored and the ValidationError says why.
    PermissionDenied for anyone but a manager."""
    manager_or_403(actor)
    incident = Incident(
        title=(title or "").strip(),
        building=building,
        type=type,
        created_by=actor,
        created_at=timezone.now(),
    )
    incident.full_clean(exclude=["created_by", "closed_by"])
    incident.save(force_insert=True)
    if from_request_id is not None:
        try:
            link_store(
                actor=actor,
                incident=incident,
                service_request=_request_locked(actor, from_request_id),
            )
        except ValidationError as error:
            raise ValidationError({"from_request": error.messages}) from None
    return incident
