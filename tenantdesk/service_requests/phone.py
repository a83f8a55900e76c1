"""Requests taken by phone (issue 12): a manager opens a request for an organisation.

The request belongs to the organisation like one its members opened (they see it and its
chat); its author is the manager, the photo is optional, any priority may be chosen, and
the history says it was taken by phone (RequestChange "created_for").
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenantdesk.core.images import ProcessedImage, process_image
from tenantdesk.core.permissions import can_create_for_organisation
from tenantdesk.service_requests.models import RequestChange, ServiceRequest
from tenantdesk.service_requests.services import file_delete_quietly, submitted_before
from tenantdesk.service_requests.signals import service_request_created
from tenantdesk.service_requests.workspace import due_times_for

logger = logging.getLogger(__name__)


def service_request_create_by_phone(
    *,
    actor,
    organisation,
    type: str,
    title: str,
    description: str,
    office: str,
    priority: str = ServiceRequest.Priority.NORMAL,
    photo=None,
    submission_key=None,
) -> ServiceRequest:
    """Open a request for `organisation` on behalf of a caller; the actor (a manager) is
    its author. PermissionDenied for anyone but a manager; ValidationError (by field) for
    bad input, with nothing stored. A resubmitted form (same submission_key) returns the
    first request with `was_created` False. As in service_request_create, storage is not
    transactional, so the files are removed when the transaction fails.
    """
    if not can_create_for_organisation(actor):
        raise PermissionDenied(_("Only managers can take requests by phone."))
    if organisation is None:
        raise ValidationError({"organisation": _("Choose the organisation.")}, code="required")
    if priority not in ServiceRequest.Priority.values:
        raise ValidationError({"priority": _("Unknown priority.")}, code="unknown_priority")
    existing = submitted_before(actor, submission_key)
    if existing is not None:
        return existing
    now = timezone.now()
    first_due, resolution_due = due_times_for(priority=priority, start=now)
    service_request = ServiceRequest(
        organisation=organisation,
        author=actor,
        type=type,
        title=(title or "").strip(),
        description=(description or "").strip(),
        office=(office or "").strip(),
        status=ServiceRequest.Status.PENDING,
        priority=priority,
        last_activity_at=now,
        submission_key=submission_key,
        first_response_due_at=first_due,
        resolution_due_at=resolution_due,
    )
    service_request.full_clean(exclude=["photo", "photo_thumbnail", "organisation", "author"])
    processed = None
    if photo:
        try:
            processed = photo if isinstance(photo, ProcessedImage) else process_image(photo)
        except ValidationError as error:
            raise ValidationError({"photo": error.error_list}) from None
    try:
        _store(service_request=service_request, processed=processed, actor=actor)
    except BaseException as error:
        file_delete_quietly(service_request.photo)
        file_delete_quietly(service_request.photo_thumbnail)
        existing = submitted_before(actor, submission_key)
        if isinstance(error, IntegrityError) and existing is not None:
            return existing
        raise
    service_request.was_created = True
    return service_request


@transaction.atomic
def _store(*, service_request: ServiceRequest, processed, actor) -> None:
    if processed is not None:
        service_request.photo.save("photo.jpg", processed.image, save=False)
        service_request.photo_thumbnail.save("thumb.jpg", processed.thumbnail, save=False)
    service_request.save(force_insert=True)
    organisation = service_request.organisation
    RequestChange.objects.create(
        service_request=service_request,
        kind=RequestChange.Kind.CREATED_FOR,
        actor=actor,
        data={"organisation_id": organisation.pk, "organisation": organisation.name},
        created_at=service_request.created_at,
    )
    transaction.on_commit(
        lambda: service_request_created.send(sender=ServiceRequest, service_request=service_request)
    )
