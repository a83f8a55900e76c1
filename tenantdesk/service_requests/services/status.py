"""Changes of a request's status, each a step of the transition table (lifecycle.py).

`status_step` is the one function every step goes through: it locks the request, checks
the table (from which status, who may), writes the new status and records the step as a
RequestEvent "status", announced in the same transaction (the chat's system message, the
live lists and the e-mails listen). One service per action: service_request_start,
service_request_close, service_request_incident_close (the incidents app closing its
requests) and service_request_reopen (services/closure.py, which first checks the
reopening's own rules); service_request_change_status is the managers' status form, which
names the status to go to.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenantdesk.core.errors import Closed
from tenantdesk.service_requests.access import access_service_request, can_change_status
from tenantdesk.service_requests.events import event_record
from tenantdesk.service_requests.lifecycle import TRANSITIONS, Action, transition_to
from tenantdesk.service_requests.models import RequestEvent, ServiceRequest
from tenantdesk.service_requests.payloads import StatusChanged

Status = ServiceRequest.Status


def request_locked(actor, service_request: ServiceRequest, *, queryset=None) -> ServiceRequest:
    """The request's row as it is now, locked until the transaction ends (two people
    acting at once take turns, and the second sees what the first did), and only if the
    actor may see it (Http404 otherwise: the access module's answer, checked again here)."""
    return access_service_request(actor, service_request.pk, queryset=queryset, lock=True)


def status_step(
    *,
    action: str,
    actor,
    service_request: ServiceRequest,
    current: ServiceRequest,
    reason: str = "",
    changes: dict | None = None,
) -> RequestEvent:
    """Take the table's step `action` on `current` (the locked row the caller has checked
    further, if the action has rules of its own): write the status (and `changes`,
    other fields the step sets), record and announce the event, update both instances."""
    transition = TRANSITIONS[action]
    if current.status not in transition.sources or not transition.may(actor, current):
        raise ValidationError(
            _("A request cannot go from %(from)s to %(to)s.")
            % {"from": current.get_status_display(), "to": Status(transition.target).label},
            code="not_allowed",
        )
    source, now = current.status, timezone.now()
    fields = {
        "status": transition.target,
        "closed_at": now if transition.target == Status.CLOSED else None,
        "last_activity_at": now,
        "updated_at": now,
        **(changes or {}),
    }
    ServiceRequest.objects.filter(pk=current.pk).update(**fields)
    for instance in (current, service_request):
        for name, value in fields.items():
            setattr(instance, name, value)
    return event_record(
        service_request=current,
        actor=actor,
        payload=StatusChanged(
            from_status=source, to_status=transition.target, action=action, reason=reason
        ),
        at=now,
    )


@transaction.atomic
def service_request_change_status(
    *, actor, service_request: ServiceRequest, status: str
) -> RequestEvent:
    """The managers' status form: move the request to `status` by the table's step
    that leads there (start: in progress, close: closed).

    Only managers may (PermissionDenied otherwise; the caller has already checked that the
    actor may see the request). A closed request is read-only (Closed); the current
    status again, a step the table lacks, an unknown status raise ValidationError (codes
    same_status, not_allowed, unknown_status) and change nothing. On success the passed
    instance is updated too.
    """
    if not can_change_status(actor, service_request):
        raise PermissionDenied(_("Only managers can change the status of a request."))
    if status not in Status.values:
        raise ValidationError(_("Unknown status."), code="unknown_status")
    current = request_locked(actor, service_request)
    if current.status == Status.CLOSED:
        raise Closed(_("This request is closed; its status can no longer be changed."))
    if current.status == status:
        raise ValidationError(
            _("The request is already %(status)s.") % {"status": current.get_status_display()},
            code="same_status",
        )
    transition = transition_to(
        source=current.status, target=status, actor=actor, service_request=current
    )
    if transition is None:
        raise ValidationError(
            _("A request cannot go from %(from)s to %(to)s.")
            % {"from": current.get_status_display(), "to": Status(status).label},
            code="not_allowed",
        )
    return status_step(
        action=transition.action, actor=actor, service_request=service_request, current=current
    )


def service_request_start(*, actor, service_request: ServiceRequest) -> RequestEvent:
    """Take a pending request into work (table step "start")."""
    return service_request_change_status(
        actor=actor, service_request=service_request, status=TRANSITIONS[Action.START].target
    )


def service_request_close(*, actor, service_request: ServiceRequest) -> RequestEvent:
    """Close a pending or in-progress request (table step "close")."""
    return service_request_change_status(
        actor=actor, service_request=service_request, status=TRANSITIONS[Action.CLOSE].target
    )


@transaction.atomic
def service_request_incident_close(
    *, actor, service_request: ServiceRequest, incident: str
) -> RequestEvent | None:
    """Close a request because the incident it is linked to is closed (table step
    "incident_close"); `incident` is the incident's title, kept as the step's reason.

    A request already closed is left as it is (None: no second close, no error), so
    closing an incident never fails on one of its requests a manager closed before. Only
    managers may (PermissionDenied otherwise).
    """
    if not can_change_status(actor, service_request):
        raise PermissionDenied(_("Only managers can change the status of a request."))
    current = request_locked(actor, service_request)
    if current.status not in TRANSITIONS[Action.INCIDENT_CLOSE].sources:
        return None
    return status_step(
        action=Action.INCIDENT_CLOSE,
        actor=actor,
        service_request=service_request,
        current=current,
        reason=incident,
    )
