"""The one way a request is born: a member's form, a manager taking it by phone, the demo
(and later the API and a QR code) all call `service_request_create`.

Who creates decides the rules, from service_requests.access:
- a member of an organisation opens it for their organisation with 1 to MAX_PHOTOS photos,
  normal or urgent, optionally as the follow-up of a request they may see;
- a manager opens it for the organisation that called (`organisation`), any priority, the
  photos optional; its history says it was taken by phone.
Either way its `location` (a premises, optional) must be a place the author may place a
request at (places.access.can_place_request_at: a member, what their organisation leases
now or a common area of a building where it does; a manager, anywhere). Whether a member
must name one is the form's rule (required when the organisation has any place); without
one a manager places it later (services/location.py).
Either way the request starts pending, its due times follow from its priority, and one
RequestEvent "created" is recorded and announced with it (service_requests/events.py).
A member who opens a request follows it (RequestFollower: its notifications reach them);
a request taken by phone starts without followers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenantdesk.core.images import ProcessedImage, process_image
from tenantdesk.places.access import can_place_request_at
from tenantdesk.service_requests.access import (
    can_create_for_organisation,
    can_create_service_request,
    service_requests_visible_to,
)
from tenantdesk.service_requests.events import event_record
from tenantdesk.service_requests.models import RequestFollower, RequestPhoto, ServiceRequest
from tenantdesk.service_requests.payloads import Created
from tenantdesk.service_requests.services.workspace import CUSTOMER_PRIORITIES, due_times_for

logger = logging.getLogger(__name__)

Priority = ServiceRequest.Priority
MAX_PHOTOS = 5
# How a request came in (RequestEvent "created"'s channel).
CHANNEL_FORM, CHANNEL_PHONE, CHANNEL_DEMO = "form", "phone", "demo"


def file_delete_quietly(fieldfile) -> None:
    """Remove a stored file after a failed write; a failure here is logged, never raised."""
    try:
        if fieldfile and fieldfile.name:
            fieldfile.storage.delete(fieldfile.name)
    except Exception:  # a failed clean-up must not hide the original error
        logger.exception("could not delete %s after a failed request creation", fieldfile.name)


def submitted_before(author, submission_key) -> ServiceRequest | None:
    """The request a form with this submission key already made (was_created False)."""
    if submission_key is None:
        return None
    existing = ServiceRequest.objects.filter(author=author, submission_key=submission_key).first()
    if existing is not None:
        existing.was_created = False
    return existing


def photos_process(photos: Sequence) -> list[ProcessedImage]:
    """Check and clean each upload (ProcessedImage values pass as they are).

    Raises one ValidationError keyed "photo" listing every bad file by its number
    ("Photo 3: This file is not an image. …"); a single photo's message stays unnumbered.
    """
    if len(photos) > MAX_PHOTOS:
        message = _("Attach at most %(max)s photos; you chose %(count)s.") % {
            "max": MAX_PHOTOS,
            "count": len(photos),
        }
        raise ValidationError({"photo": ValidationError(message, code="too_many_photos")})
    processed: list[ProcessedImage] = []
    errors: list[ValidationError] = []
    for number, photo in enumerate(photos, start=1):
        if isinstance(photo, ProcessedImage):
            processed.append(photo)
            continue
        try:
            processed.append(process_image(photo))
        except ValidationError as error:
            if len(photos) == 1:
                errors.extend(error.error_list)
                continue
            for message in error.messages:
                errors.append(
                    ValidationError(
                        _("Photo %(number)s: %(error)s") % {"number": number, "error": message},
                        code=error.error_list[0].code,
                    )
                )
    if errors:
        raise ValidationError({"photo": errors})
    return processed


def _follow_up_target(author, follow_up_of_id) -> ServiceRequest | None:
    if follow_up_of_id is None:
        return None
    # Only a request the author may see (service_requests.access): an id from elsewhere is refused
    # like a missing one.
    target = service_requests_visible_to(author).filter(pk=follow_up_of_id).first()
    if target is None:
        raise ValidationError(
            _("The request this one follows up was not found."), code="follow_up_not_found"
        )
    return target


def _check_location(author, organisation, location) -> None:
    if location is None:
        return
    if not can_place_request_at(author, location, organisation_id=organisation.pk):
        raise ValidationError(
            {
                "location": ValidationError(
                    _("Choose one of your organisation's places from the list."),
                    code="place_not_allowed",
                )
            }
        )


def _rules(author, organisation, priority, channel):
    """(the organisation, the channel, whether the author is a member opening it for their
    own organisation) for this author, or PermissionDenied / ValidationError (by field) as
    the form shows them. Without an organisation (or naming their own) a member opens it
    for theirs, with a photo, and follows it; naming one is taking it by phone, which only
    managers do."""
    own = organisation is None or organisation.pk == getattr(author, "organisation_id", None)
    if own:
        if not can_create_service_request(author):
            raise PermissionDenied(_("Only members of an organisation can create requests."))
        if priority not in CUSTOMER_PRIORITIES:  # a customer may ask for urgent, no more
            raise ValidationError({"priority": _("Choose normal or urgent.")}, code="invalid")
        return author.organisation, channel or CHANNEL_FORM, True
    if not can_create_for_organisation(author):
        raise PermissionDenied(_("Only managers can take requests by phone."))
    if priority not in Priority.values:
        raise ValidationError({"priority": _("Unknown priority.")}, code="unknown_priority")
    return organisation, channel or CHANNEL_PHONE, False


def service_request_create(
    *,
    author,
    type: str,
    title: str,
    description: str,
    office: str = "",
    location=None,
    photos: Sequence = (),
    organisation=None,
    priority: str = Priority.NORMAL,
    submission_key=None,
    follow_up_of_id: int | None = None,
    channel: str | None = None,
) -> ServiceRequest:
    """Open a request (module docstring for who may, and with what).

    `photos` are uploads or the ProcessedImages a form already made (decoding twice costs
    seconds); each is decoded and re-encoded by core.images.process_image, the first
    becomes the request's photo, the others RequestPhoto rows. `submission_key` (a UUID
    the form chose) makes a resubmission of the same form return the first request with
    `was_created` False; the database's unique constraint decides when two arrive at once.

    Raises PermissionDenied, or ValidationError keyed by field; nothing is stored then,
    no row and no file. The rows are written in one transaction; storage is not
    transactional, so when anything fails, the commit included, every file already
    written is removed here. (Inside a caller's own transaction, a later rollback of that
    one is the caller's to clean up.)
    """
    organisation, channel, by_member = _rules(author, organisation, priority, channel)
    existing = submitted_before(author, submission_key)
    if existing is not None:
        return existing
    now = timezone.now()
    first_due, resolution_due = due_times_for(priority=priority, start=now)
    service_request = ServiceRequest(
        organisation=organisation,
        author=author,
        type=type,
        title=(title or "").strip(),
        description=(description or "").strip(),
        office=(office or "").strip(),
        location=location,
        status=ServiceRequest.Status.PENDING,
        last_activity_at=now,
        submission_key=submission_key,
        priority=priority,
        first_response_due_at=first_due,
        resolution_due_at=resolution_due,
    )
    # The same rules as the form, so a caller that skipped the form cannot store junk.
    # (The location is checked by the places rule below, not by a lookup of its id.)
    service_request.full_clean(
        exclude=["photo", "photo_thumbnail", "organisation", "author", "location"]
    )
    _check_location(author, organisation, location)
    if by_member and not photos:
        raise ValidationError({"photo": _("Attach a photo of the problem.")}, code="required")
    processed = photos_process(list(photos))
    if follow_up_of_id is not None:
        service_request.follow_up_of = _follow_up_target(author, follow_up_of_id)
    payload = Created(channel=channel)
    if channel == CHANNEL_PHONE:
        payload = Created(
            channel=channel, organisation_id=organisation.pk, organisation=organisation.name
        )
    written: list = []
    try:
        _store(
            service_request,
            processed,
            written=written,
            author=author,
            payload=payload,
            # A member follows what they open. A request taken by phone has nobody to
            # follow it: the phone form names no member of the organisation (a member who
            # wants its notifications follows it from its page, or writes in its chat).
            follower=author if by_member else None,
        )
    except BaseException as error:
        for fieldfile in written:
            file_delete_quietly(fieldfile)
        existing = submitted_before(author, submission_key)
        if isinstance(error, IntegrityError) and existing is not None:
            return existing  # the same form, submitted twice at once: the first one won
        raise
    service_request.was_created = True
    return service_request


@transaction.atomic
def _store(
    service_request: ServiceRequest, processed, *, written: list, author, payload, follower
) -> None:
    """The photos' files first (the rows name them), then the rows (the first follower's
    among them) and the event; every file written goes into `written` for the caller's
    clean-up."""
    if processed:
        first, *rest = processed
        service_request.photo.save("photo.jpg", first.image, save=False)
        written.append(service_request.photo)
        service_request.photo_thumbnail.save("thumb.jpg", first.thumbnail, save=False)
        written.append(service_request.photo_thumbnail)
    else:
        rest = []
    service_request.save(force_insert=True)
    for position, image in enumerate(rest, start=2):
        extra = RequestPhoto(service_request=service_request, position=position)
        extra.photo.save("photo.jpg", image.image, save=False)
        written.append(extra.photo)
        extra.photo_thumbnail.save("thumb.jpg", image.thumbnail, save=False)
        written.append(extra.photo_thumbnail)
        extra.save(force_insert=True)
    if follower is not None:
        RequestFollower.objects.create(service_request=service_request, user=follower)
    event_record(
        service_request=service_request,
        actor=author,
        payload=payload,
        at=service_request.created_at,
    )
