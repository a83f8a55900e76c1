"""The tenant's closure loop: reopening a closed request, and rating how it was handled.

Who may act is service_requests.access' (can_reopen, can_rate); whether the request allows it now
is decided here, on the locked row, so two clicks or two people at once get one answer.
A refusal changes nothing: no status, no history row, no chat message, no rating.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenantdesk.service_requests.access import can_rate, can_reopen
from tenantdesk.service_requests.events import event_record
from tenantdesk.service_requests.lifecycle import Action
from tenantdesk.service_requests.models import Rating, RequestEvent, ServiceRequest
from tenantdesk.service_requests.payloads import Rated
from tenantdesk.service_requests.services.status import request_locked, status_step
from tenantdesk.service_requests.services.workspace import due_times_for

Status = ServiceRequest.Status

REASON_MAX_LENGTH = 2000
COMMENT_MAX_LENGTH = Rating._meta.get_field("comment").max_length
SCORES = (1, 2, 3, 4, 5)


def reopen_deadline(service_request: ServiceRequest) -> datetime | None:
    """Until when a closed request may be reopened (None: it is not closed)."""
    if not service_request.is_closed or service_request.closed_at is None:
        return None
    return service_request.closed_at + timedelta(days=settings.REOPEN_DAYS)


def reopen_window_open(service_request: ServiceRequest, *, now: datetime | None = None) -> bool:
    """Whether the request is closed and still within REOPEN_DAYS of its closing."""
    deadline = reopen_deadline(service_request)
    return deadline is not None and (now or timezone.now()) <= deadline


def reopened_text(*, actor: str | None, reason: str | None) -> str:
    """The chat's system message for a reopening, in the active language (the chat's
    serializers call this, so its words live in this app's catalogue)."""
    return _("%(actor)s reopened the request: %(reason)s") % {
        "actor": actor or _("A customer"),
        "reason": reason or "",
    }


@dataclass(frozen=True)
class ClosureOptions:
    """What the request's page offers this person about a closed request."""

    reopen: bool = False  # the reopen form
    follow_up: bool = False  # "Open a new request" (the reopen window is over)
    rate: bool = False  # the rating form


def closure_options(*, user, service_request: ServiceRequest, rated: bool) -> ClosureOptions:
    """The page's offers; the services check the same rules again when the form comes back."""
    if not service_request.is_closed:
        return ClosureOptions()
    window = reopen_window_open(service_request)
    reopen = can_reopen(user, service_request)
    return ClosureOptions(
        reopen=reopen and window,
        follow_up=reopen and not window,
        rate=can_rate(user, service_request) and not rated,
    )


def _field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _clean_reason(reason) -> str:
    text = (reason or "").strip()
    if not text:
        raise _field_error("reason", _("Say why the request must be reopened."), "required")
    if len(text) > REASON_MAX_LENGTH:
        raise _field_error(
            "reason",
            _("The reason is too long: at most %(max)s characters.") % {"max": REASON_MAX_LENGTH},
            "too_long",
        )
    return text


@transaction.atomic
def service_request_reopen(*, actor, service_request: ServiceRequest, reason: str) -> RequestEvent:
    """Reopen a closed request (table step "reopen"): back to pending, with the
    customer's reason in its history.

    Only a customer of the request's organisation may (PermissionDenied otherwise; the
    caller has already checked that the actor may see it), only while it is closed and
    within REOPEN_DAYS of closing, and only with a reason of 1 to 2000 characters
    (ValidationError with the codes required, too_long, not_closed, reopen_window_over).

    The step's event carries the reason; closed_at is cleared and the resolution target
    starts again; the chat posts the system message ("… reopened the request: …") and
    the e-mails tell the assignee, or every manager. The passed instance is updated too.
    """
    if not can_reopen(actor, service_request):
        raise PermissionDenied(_("Only members of the organisation can reopen its requests."))
    text = _clean_reason(reason)
    # A manager's status change and a second reopen wait for this one.
    current = request_locked(actor, service_request)
    now = timezone.now()
    if not current.is_closed:
        raise ValidationError(
            _("This request is not closed, so there is nothing to reopen."), code="not_closed"
        )
    if not reopen_window_open(current, now=now):
        raise ValidationError(
            _(
                "This request was closed more than %(days)s days ago and can no longer be "
                "reopened. Open a new request instead."
            )
            % {"days": settings.REOPEN_DAYS},
            code="reopen_window_over",
        )
    # "Still broken": the resolution target starts again from the reopening, or the
    # request would be overdue the moment it came back (the first response, if given,
    # stays met).
    _first, resolution_due_at = due_times_for(priority=current.priority, start=now)
    return status_step(
        action=Action.REOPEN,
        actor=actor,
        service_request=service_request,
        current=current,
        reason=text,
        changes={"resolution_due_at": resolution_due_at},
    )


def _clean_score(score) -> int:
    try:
        value = int(score)
    except (TypeError, ValueError):
        value = None
    if value not in SCORES:
        raise _field_error("score", _("Choose from 1 to 5 stars."), "invalid_score")
    return value


def _clean_comment(comment) -> str:
    text = (comment or "").strip()
    if len(text) > COMMENT_MAX_LENGTH:
        raise _field_error(
            "comment",
            _("The comment is too long: at most %(max)s characters.") % {"max": COMMENT_MAX_LENGTH},
            "too_long",
        )
    return text


def _already_rated() -> ValidationError:
    return ValidationError(_("This request has already been rated."), code="already_rated")


@transaction.atomic
def service_request_rate(
    *, actor, service_request: ServiceRequest, score, comment: str = ""
) -> Rating:
    """Rate a closed request from 1 to 5 stars with an optional comment (≤ 2000 characters).

    Only a customer of the request's organisation may (PermissionDenied otherwise), only
    while it is closed, and only once per request: whoever of the organisation rates first
    wins; the Rating's one-to-one key decides when two arrive at once (ValidationError with
    the codes invalid_score, too_long, not_closed, already_rated; nothing stored then).

    The rating names the manager who had the request when it was closed (its assignee, or
    nobody), for the admin site's averages, and goes into the request's change history.
    """
    if not can_rate(actor, service_request):
        raise PermissionDenied(_("Only members of the organisation can rate its requests."))
    value = _clean_score(score)
    text = _clean_comment(comment)
    current = request_locked(actor, service_request)
    if not current.is_closed:
        raise ValidationError(_("Only a closed request can be rated."), code="not_closed")
    now = timezone.now()
    try:
        # A savepoint: the losing insert of a race must not spoil the caller's transaction.
        with transaction.atomic():
            rating = Rating.objects.create(
                service_request=current,
                author=actor,
                manager_id=current.assignee_id,
                score=value,
                comment=text,
                created_at=now,
            )
    except IntegrityError:
        raise _already_rated() from None
    event_record(
        service_request=current, actor=actor, payload=Rated(score=value, comment=text), at=now
    )
    return rating
