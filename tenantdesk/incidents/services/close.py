"""Closing an incident: every linked request that is still active closes through the
lifecycle's own step (incident_close), each with its system message, its e-mails and the
customer's rating prompt, like any closed request; then the incident is closed."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenantdesk.incidents.access import access_incident
from tenantdesk.incidents.models import Incident
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services.status import service_request_incident_close


@transaction.atomic
def incident_close(*, actor, incident: Incident) -> int:
    """Close the incident and its active requests; returns how many requests it closed.

    A request already closed stays as it is (no second close, no error). PermissionDenied
    for anyone but a manager; ValidationError (code already_closed) when the incident is
    closed already, so a second click changes nothing.
    """
    incident = access_incident(actor, incident.pk, lock=True)
    if not incident.is_open:
        raise ValidationError(_("This incident is already closed."), code="already_closed")
    closed = 0
    for service_request in ServiceRequest.objects.filter(incident_link__incident=incident).order_by(
        "pk"
    ):
        event = service_request_incident_close(
            actor=actor, service_request=service_request, incident=incident.title
        )
        closed += event is not None
    now = timezone.now()
    Incident.objects.filter(pk=incident.pk).update(
        status=Incident.Status.CLOSED, closed_at=now, closed_by=actor
    )
    return closed
