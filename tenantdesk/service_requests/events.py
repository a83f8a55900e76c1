"""Recording what happened to a request: one RequestEvent row, one announcement.

Every service that changes a request calls `event_record` inside its transaction (the
creation, the transition table's steps, the workspace, the rating), so the history, the
chat's system message and whatever else listens to `signals.request_event` commit
together or not at all.
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from tenantdesk.service_requests.models import PAYLOADS, RequestEvent, ServiceRequest
from tenantdesk.service_requests.payloads import Payload
from tenantdesk.service_requests.signals import request_event


def event_record(
    *, service_request: ServiceRequest, actor, payload: Payload, at: datetime
) -> RequestEvent:
    """Write the event of this payload's kind and announce it (inside the caller's
    transaction, which every service opens)."""
    kind = next(kind for kind, cls in PAYLOADS.items() if type(payload) is cls)
    event = RequestEvent.objects.create(
        service_request=service_request,
        kind=kind,
        actor=actor,
        created_at=at,
        data=payload.to_data(),
    )
    event.service_request = service_request  # the listeners' own, no query
    request_event.send(sender=RequestEvent, event=event)
    return event


def event_text(event: RequestEvent) -> str:
    """One line of the request's history in the active language (its page, the admin
    site): "Pending → In progress", "Assigned to Anna Ivanova" … The chat's system
    messages say the same in sentences of their own (chat/serializers.py)."""
    payload = event.payload
    Kind = RequestEvent.Kind
    if event.kind == Kind.STATUS:
        labels = dict(ServiceRequest.Status.choices)
        return _("%(from)s → %(to)s") % {
            "from": labels.get(payload.from_status, payload.from_status),
            "to": labels.get(payload.to_status, payload.to_status),
        }
    if event.kind == Kind.ASSIGNED:
        return _("Assigned to %(name)s") % {"name": payload.assignee or "?"}
    if event.kind == Kind.PRIORITY:
        labels = dict(ServiceRequest.Priority.choices)
        return _("Priority: %(from)s → %(to)s") % {
            "from": labels.get(payload.from_priority, payload.from_priority),
            "to": labels.get(payload.to_priority, payload.to_priority),
        }
    if event.kind == Kind.LOCATED:
        return _("Location: %(place)s") % {"place": payload.location or "?"}
    if event.kind == Kind.INCIDENT_LINKED:
        return _("Linked to incident: %(incident)s") % {"incident": payload.incident or "?"}
    if event.kind == Kind.INCIDENT_UNLINKED:
        return _("Unlinked from incident: %(incident)s") % {"incident": payload.incident or "?"}
    if event.kind == Kind.CREATED and payload.channel == "phone":
        return _("Created by phone")
    return Kind(event.kind).label
