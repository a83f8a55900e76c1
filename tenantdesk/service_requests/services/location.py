"""A manager places a request, or moves it: its location (docs/request-location.md).

A member chooses the place when opening the request (services/create.py); a request opened
without one (an organisation with no lease recorded yet), or in the wrong place, is placed
by a manager here, at any premises. The change is recorded as the RequestEvent "located"
inside its transaction, so the chat's system line ("Location: Building A, 204") commits
with it or not at all.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenantdesk.core.errors import Closed
from tenantdesk.places.access import can_place_request_at
from tenantdesk.places.models import Premises
from tenantdesk.service_requests.access import access_service_request, can_set_location
from tenantdesk.service_requests.events import event_record
from tenantdesk.service_requests.models import RequestEvent, ServiceRequest
from tenantdesk.service_requests.payloads import Located


@transaction.atomic
def service_request_set_location(
    *, actor, service_request: ServiceRequest, location: Premises
) -> RequestEvent:
    """Put the request at `location` (a Premises, its building selected with it).

    Managers only (PermissionDenied), at any premises (places.access); a closed request is
    not changed (Closed); the place it is at already is refused (ValidationError
    "unchanged"). The request's row is locked while it is checked and changed, so two
    managers moving it at once take turns and each event names the place before it.
    Records and announces "located" (the place, and the one before) and updates the
    passed instance.
    """
    if not can_set_location(actor, service_request) or not can_place_request_at(
        actor, location, organisation_id=service_request.organisation_id
    ):
        raise PermissionDenied(_("Only managers can set the location of a request."))
    current = access_service_request(
        actor,
        service_request.pk,
        # The place it is at now, for the event (an outer join: only "self" is locked).
        queryset=ServiceRequest.objects.select_related("location__building"),
        lock=True,
    )
    if current.is_closed:
        raise Closed(_("This request is closed and can no longer be changed."))
    if current.location_id == location.pk:
        raise ValidationError(
            _("The request is already at %(place)s.") % {"place": location}, code="unchanged"
        )

    now = timezone.now()
    ServiceRequest.objects.filter(pk=current.pk).update(
        location=location, last_activity_at=now, updated_at=now
    )
    previous = current.location
    payload = Located(
        location_id=location.pk,
        location=str(location),
        previous_id=previous.pk if previous else None,
        previous=str(previous) if previous else None,
    )
    for instance in (current, service_request):
        instance.location = location
        instance.last_activity_at = now
        instance.updated_at = now
    return event_record(service_request=current, actor=actor, payload=payload, at=now)
