"""The manager's workspace: who owns a request and how urgent it is (issue 12).

Each change is recorded as a RequestEvent and announced inside its transaction
(service_requests/events.py), so the chat's system message ("Assigned to Anna Ivanova")
is committed together with it or not at all. Taking a request is assigning it to oneself.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenantdesk.core.errors import Closed
from tenantdesk.service_requests.access import (
    access_service_request,
    can_assign,
    can_be_assignee,
    can_set_priority,
)
from tenantdesk.service_requests.due_times import due_at, targets_for, working_calendar
from tenantdesk.service_requests.events import event_record
from tenantdesk.service_requests.models import RequestEvent, ServiceRequest
from tenantdesk.service_requests.payloads import Assigned, PriorityChanged, Unassigned

Priority = ServiceRequest.Priority

# What a customer may choose when opening a request; the rest is the managers' call.
CUSTOMER_PRIORITIES = (Priority.NORMAL, Priority.URGENT)


def due_times_for(*, priority: str, start: datetime) -> tuple[datetime, datetime]:
    """(first response due, resolution due) for a request of this priority opened at `start`."""
    first, resolution = targets_for(priority)
    calendar = working_calendar()
    return due_at(start, first, calendar), due_at(start, resolution, calendar)


def _locked_open(actor, service_request: ServiceRequest) -> ServiceRequest:
    # Locked: two managers pressing "Take" at once must not both pass the check. Its
    # assignee is joined in (an outer join, not locked: the access module locks "self").
    current = access_service_request(
        actor,
        service_request.pk,
        queryset=ServiceRequest.objects.select_related("assignee"),
        lock=True,
    )
    if current.is_closed:
        raise Closed(_("This request is closed and can no longer be changed."))
    return current


@transaction.atomic
def service_request_assign(*, actor, service_request: ServiceRequest, assignee) -> RequestEvent:
    """Make `assignee` (a manager) the owner of the request, or nobody with None.

    Only managers act (PermissionDenied) and only active managers can own a request
    (ValidationError code "not_a_manager"); a closed request is not changed (Closed); a
    change that changes nothing is refused (ValidationError "unchanged"). On success the
    event "assigned"/"unassigned" is recorded and announced (the chat posts "Assigned to …"
    for everyone, the customer too) and the passed instance updated.
    """
    if not can_assign(actor, service_request):
        raise PermissionDenied(_("Only managers can assign requests."))
    if assignee is not None and not can_be_assignee(assignee):
        raise ValidationError(
            _("A request can only be assigned to a manager."), code="not_a_manager"
        )
    current = _locked_open(actor, service_request)
    new_id = assignee.pk if assignee is not None else None
    if current.assignee_id == new_id:
        if assignee is None:
            message = _("The request is not assigned to anyone.")
        else:
            message = _("The request is already assigned to %(name)s.") % {
                "name": assignee.display_name
            }
        raise ValidationError(message, code="unchanged")

    now = timezone.now()
    ServiceRequest.objects.filter(pk=current.pk).update(
        assignee=assignee, last_activity_at=now, updated_at=now
    )
    previous = current.assignee
    was = {
        "previous_id": previous.pk if previous else None,
        "previous": previous.display_name if previous else None,
    }
    if assignee is not None:
        payload = Assigned(assignee_id=assignee.pk, assignee=assignee.display_name, **was)
    else:
        payload = Unassigned(**was)
    for instance in (current, service_request):
        instance.assignee = assignee
        instance.last_activity_at = now
        instance.updated_at = now
    return event_record(service_request=current, actor=actor, payload=payload, at=now)


@transaction.atomic
def service_request_set_priority(
    *, actor, service_request: ServiceRequest, priority: str
) -> RequestEvent:
    """Change a request's priority and its due times.

    Managers only (PermissionDenied); an unknown priority or the current one is refused
    (ValidationError "unknown_priority" / "unchanged"); a closed request is not changed
    (Closed). Records and announces the event "priority" (from, to).
    """
    if not can_set_priority(actor, service_request):
        raise PermissionDenied(_("Only managers can change the priority of a request."))
    if priority not in Priority.values:
        raise ValidationError(_("Unknown priority."), code="unknown_priority")
    current = _locked_open(actor, service_request)
    if current.priority == priority:
        raise ValidationError(
            _("The priority is already %(priority)s.")
            % {"priority": current.get_priority_display()},
            code="unchanged",
        )

    now = timezone.now()
    # Counted again from when the request was opened, not from now: the targets promise
    # an answer within so long of the customer asking. Counting from the change would
    # reward slow triage (raised to urgent an hour late, it would get a fresh 15 minutes)
    # and would push a lowered request's due time further than its new target allows.
    first_due, resolution_due = due_times_for(priority=priority, start=current.created_at)
    ServiceRequest.objects.filter(pk=current.pk).update(
        priority=priority,
        first_response_due_at=first_due,
        resolution_due_at=resolution_due,
        last_activity_at=now,
        updated_at=now,
    )
    payload = PriorityChanged(from_priority=current.priority, to_priority=priority)
    for instance in (current, service_request):
        instance.priority = priority
        instance.first_response_due_at = first_due
        instance.resolution_due_at = resolution_due
        instance.last_activity_at = now
        instance.updated_at = now
    return event_record(service_request=current, actor=actor, payload=payload, at=now)
