"""The transition table: every change of a request's status is one of these steps.

    action          from                    to            who may (service_requests.access)
    start           pending                 in progress   a manager          ("Start work")
    close           pending, in progress    closed        a manager
    reopen          closed                  pending       a member of its organisation, with
                                                          a reason, within REOPEN_DAYS of closing
    incident_close  pending, in progress    closed        a manager closing the incident the
                                                          request is linked to (incidents app)

A closed request changes no further by any other step. Each action has one service
(services/status.py and services/closure.py), all through one function that locks the
request, checks this table, writes the step and records its RequestEvent. Taking a
request ("Assign to me") is an assignment, not a status: services/workspace.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from tenantdesk.service_requests.access import can_change_status, can_reopen
from tenantdesk.service_requests.models import ServiceRequest

Status = ServiceRequest.Status


class Action(models.TextChoices):
    START = "start", _("Start work")
    CLOSE = "close", _("Close the request")
    REOPEN = "reopen", _("Reopen the request")
    INCIDENT_CLOSE = "incident_close", _("Close with its incident")


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    # (person, request) -> whether that person may take this step on that request.
    may: Callable[..., bool]
    # Offered on the request's page and by the managers' status form; a step another
    # service takes for many requests at once (the incident close) is not.
    by_hand: bool = True


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(Action.START, (Status.PENDING,), Status.IN_PROGRESS, can_change_status),
        Transition(
            Action.CLOSE, (Status.PENDING, Status.IN_PROGRESS), Status.CLOSED, can_change_status
        ),
        Transition(Action.REOPEN, (Status.CLOSED,), Status.PENDING, can_reopen),
        Transition(
            Action.INCIDENT_CLOSE,
            (Status.PENDING, Status.IN_PROGRESS),
            Status.CLOSED,
            can_change_status,
            by_hand=False,
        ),
    )
}


def transitions_from(status: str) -> list[Transition]:
    """The steps the table allows out of this status (whoever may take them)."""
    return [t for t in TRANSITIONS.values() if status in t.sources]


def transition_to(*, source: str, target: str, actor, service_request) -> Transition | None:
    """The step from `source` to `target` this person may take, if the table has one."""
    return next(
        (
            t
            for t in transitions_from(source)
            if t.by_hand and t.target == target and t.may(actor, service_request)
        ),
        None,
    )


def manager_actions(service_request: ServiceRequest) -> list[Transition]:
    """The steps a manager's page offers for this request now (start, close)."""
    return [
        t
        for t in transitions_from(service_request.status)
        if t.by_hand and t.may is can_change_status
    ]
