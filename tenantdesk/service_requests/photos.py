"""Several photos at a request's creation (1 to MAX_PHOTOS for customers), and a follow-up.

Each photo is checked and cleaned by core.images.process_image exactly like the single
photo always was. The first stays ServiceRequest.photo (every page, list and e-mail that
knows one photo keeps working); the others are RequestPhoto rows at positions 2 to 5.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tenantdesk.core.images import ProcessedImage, process_image
from tenantdesk.core.permissions import service_requests_visible_to
from tenantdesk.service_requests.models import RequestPhoto, ServiceRequest
from tenantdesk.service_requests.services import file_delete_quietly, service_request_create

logger = logging.getLogger(__name__)

MAX_PHOTOS = 5


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
    # Only a request the author may see (core.permissions): an id from elsewhere is refused
    # like a missing one.
    target = service_requests_visible_to(author).filter(pk=follow_up_of_id).first()
    if target is None:
        raise ValidationError(
            _("The request this one follows up was not found."), code="follow_up_not_found"
        )
    return target


def service_request_create_with_photos(
    *, author, photos: Sequence = (), follow_up_of_id: int | None = None, **fields
) -> ServiceRequest:
    """Open a request (service_request_create, same fields and rules) with up to
    MAX_PHOTOS checked photos, optionally as the follow-up of a request the author may see.

    Everything is written in one transaction; storage is not transactional, so when
    anything fails (the commit included) every file already written is removed, as
    service_request_create does for its own. A resubmission of the same form (its
    submission_key) returns the first request unchanged. Raises ValidationError (keyed
    "photo" for the photos) and PermissionDenied like service_request_create; nothing is
    stored then.
    """
    processed = photos_process(list(photos))
    follow_up = _follow_up_target(author, follow_up_of_id)
    first, rest = (processed[0] if processed else None), processed[1:]
    created: ServiceRequest | None = None
    written: list[RequestPhoto] = []
    try:
        with transaction.atomic():
            service_request = service_request_create(author=author, photo=first, **fields)
            if not service_request.was_created:
                return service_request  # the first submission already stored its photos
            created = service_request
            for position, image in enumerate(rest, start=2):
                extra = RequestPhoto(service_request=service_request, position=position)
                written.append(extra)
                extra.photo.save("photo.jpg", image.image, save=False)
                extra.photo_thumbnail.save("thumb.jpg", image.thumbnail, save=False)
                extra.save(force_insert=True)
            if follow_up is not None:
                ServiceRequest.objects.filter(pk=service_request.pk).update(follow_up_of=follow_up)
                service_request.follow_up_of = follow_up
    except BaseException:
        if created is not None:
            file_delete_quietly(created.photo)
            file_delete_quietly(created.photo_thumbnail)
        for extra in written:
            file_delete_quietly(extra.photo)
            file_delete_quietly(extra.photo_thumbnail)
        raise
    return service_request


def request_photos(service_request: ServiceRequest) -> list[int]:
    """The positions of the request's photos in order, as the page links them (1 is the
    request's own photo; views_closure.photo_at serves each after core.permissions' check)."""
    positions = [1] if service_request.photo else []
    positions += RequestPhoto.objects.filter(service_request=service_request).values_list(
        "position", flat=True
    )
    return positions
