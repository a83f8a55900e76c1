"""The only code that writes service requests and their status history."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenantdesk.core.errors import Closed
from tenantdesk.core.images import ProcessedImage, process_image
from tenantdesk.core.permissions import can_change_status, can_create_service_request
from tenantdesk.service_requests.models import ServiceRequest, StatusChange
from tenantdesk.service_requests.signals import service_request_created, status_changed
from tenantdesk.service_requests.workspace import CUSTOMER_PRIORITIES, due_times_for

logger = logging.getLogger(__name__)

Status = ServiceRequest.Status

# The workflow: a request starts pending; a manager may take it into work or close it
# (directly from pending too); a closed request never changes again.
ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.PENDING: (Status.IN_PROGRESS, Status.CLOSED),
    Status.IN_PROGRESS: (Status.CLOSED,),
    Status.CLOSED: (),
}


def allowed_transitions(service_request: ServiceRequest) -> tuple[str, ...]:
    """The statuses this request may move to next."""
    return ALLOWED_TRANSITIONS.get(service_request.status, ())


def file_delete_quietly(fieldfile) -> None:
    """Remove a stored file after a failed write; a failure here is logged, never raised."""
    try:
        if fieldfile and fieldfile.name:
            fieldfile.storage.delete(fieldfile.name)
    except Exception:  # a failed clean-up must not hide the original error
        logger.exception("could not delete %s after a failed request creation", fieldfile.name)


def service_request_create(
    *,
    author,
    type: str,
    title: str,
    description: str,
    office: str,
    photo,
    submission_key=None,
    priority: str = ServiceRequest.Priority.NORMAL,
) -> ServiceRequest:
    """Open a request for the author's organisation with a checked, cleaned photo.

    `submission_key` (a UUID the create form chose) makes a resubmission of the same form
    return the request the first submission made, with `was_created` False; the database's
    unique constraint decides when two arrive at once.

    The photo (an upload, or the ProcessedImage a form already made from it) is decoded
    and re-encoded by core.images.process_image (metadata stripped, orientation applied, a
    thumbnail made). `priority` is normal or urgent (the customer's checkbox); the due
    times follow from it and the creation time (workspace.due_times_for). Raises
    PermissionDenied for a manager or a user without an organisation, and ValidationError
    (keyed by field) for bad input; in either case nothing is stored: no row and no file.

    All writes happen in one transaction (_service_request_store is @transaction.atomic).
    This function stands deliberately outside it: storage is not transactional, so when
    anything fails, the commit included, it removes the files already written. (Called
    inside a caller's own transaction, a later rollback of that one is the caller's to
    clean up.)
    """
    if not can_create_service_request(author):
        raise PermissionDenied(_("Only members of an organisation can create requests."))
    existing = submitted_before(author, submission_key)
    if existing is not None:
        return existing
    if priority not in CUSTOMER_PRIORITIES:  # a customer may ask for urgent, no more
        raise ValidationError({"priority": _("Choose normal or urgent.")}, code="invalid")
    now = timezone.now()
    first_due, resolution_due = due_times_for(priority=priority, start=now)
    service_request = ServiceRequest(
        organisation_id=author.organisation_id,
        author=author,
        type=type,
        title=(title or "").strip(),
        description=(description or "").strip(),
        office=(office or "").strip(),
        status=Status.PENDING,
        last_activity_at=now,
        submission_key=submission_key,
        priority=priority,
        first_response_due_at=first_due,
        resolution_due_at=resolution_due,
    )
    # The same rules as the form, so a caller that skipped the form cannot store junk.
    service_request.full_clean(exclude=["photo", "photo_thumbnail", "organisation", "author"])
    if not photo:
        raise ValidationError({"photo": _("Attach a photo of the problem.")}, code="required")
    if isinstance(photo, ProcessedImage):
        processed = photo  # the form has already checked it; decoding twice costs seconds
    else:
        try:
            processed = process_image(photo)
        except ValidationError as error:
            raise ValidationError({"photo": error.error_list}) from None

    try:
        _service_request_store(service_request=service_request, processed=processed)
    except BaseException as error:
        file_delete_quietly(service_request.photo)
        file_delete_quietly(service_request.photo_thumbnail)
        existing = submitted_before(author, submission_key)
        if isinstance(error, IntegrityError) and existing is not None:
            return existing  # the same form, submitted twice at once: the first one won
        raise
    service_request.was_created = True
    return service_request


def submitted_before(author, submission_key) -> ServiceRequest | None:
    """The request a form with this submission key already made (was_created False)."""
    if submission_key is None:
        return None
    existing = ServiceRequest.objects.filter(author=author, submission_key=submission_key).first()
    if existing is not None:
        existing.was_created = False
    return existing


@transaction.atomic
def _service_request_store(*, service_request: ServiceRequest, processed: ProcessedImage) -> None:
    """Write the photo, its thumbnail and the row (files first: the row must name them)."""
    service_request.photo.save("photo.jpg", processed.image, save=False)
    service_request.photo_thumbnail.save("thumb.jpg", processed.thumbnail, save=False)
    service_request.save(force_insert=True)
    transaction.on_commit(
        lambda: service_request_created.send(sender=ServiceRequest, service_request=service_request)
    )


@transaction.atomic
def service_request_change_status(
    *, actor, service_request: ServiceRequest, status: str
) -> StatusChange:
    """Move a request to another status, record the step and announce it (status_changed:
    the chat posts it as a system message, in this same transaction).

    Only managers may do this (PermissionDenied otherwise; the caller has already checked
    that the actor may see the request). Allowed steps: pending → in progress, pending →
    closed, in progress → closed; a closed request is read-only. A refused step raises
    ValidationError and changes nothing. On success the passed instance is updated too.
    """
    if not can_change_status(actor, service_request):
        raise PermissionDenied(_("Only managers can change the status of a request."))
    if status not in Status.values:
        raise ValidationError(_("Unknown status."), code="unknown_status")
    # Lock the row: two managers pressing buttons at once must not both pass the check.
    current = ServiceRequest.objects.select_for_update().get(pk=service_request.pk)
    if current.status == Status.CLOSED:
        raise Closed(_("This request is closed; its status can no longer be changed."))
    if current.status == status:
        raise ValidationError(
            _("The request is already %(status)s.") % {"status": current.get_status_display()},
            code="same_status",
        )
    if status not in ALLOWED_TRANSITIONS[current.status]:
        raise ValidationError(
            _("A request cannot go from %(from)s to %(to)s.")
            % {"from": current.get_status_display(), "to": Status(status).label},
            code="not_allowed",
        )

    now = timezone.now()
    closed_at = now if status == Status.CLOSED else None
    ServiceRequest.objects.filter(pk=current.pk).update(
        status=status, last_activity_at=now, updated_at=now, closed_at=closed_at
    )
    change = StatusChange.objects.create(
        service_request=current,
        from_status=current.status,
        to_status=status,
        changed_by=actor,
        changed_at=now,
    )
    for instance in (current, service_request):
        instance.status = status
        instance.last_activity_at = now
        instance.updated_at = now
        instance.closed_at = closed_at
    status_changed.send(sender=ServiceRequest, status_change=change)
    return change
