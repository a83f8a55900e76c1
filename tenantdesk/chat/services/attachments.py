"""Photos and videos of a message, checked and prepared before anything is stored."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from tenantdesk.chat.models import Attachment
from tenantdesk.chat.video import sniff_uploaded_video
from tenantdesk.core.images import process_image


def _prepare_attachment(uploaded) -> dict:
    """Check one upload and return the Attachment fields to store, or raise ValidationError.

    Videos are recognised by their container's first bytes; everything else must decode
    as a photo, which is re-encoded without metadata by the shared photo checker.
    """
    name = (getattr(uploaded, "name", "") or "")[:255]
    video = sniff_uploaded_video(uploaded)
    if video is not None:
        size = uploaded.size
        if size > settings.VIDEO_MAX_BYTES:
            raise ValidationError(
                _("The video “%(name)s” is too large (%(size)s); the limit is %(limit)s.")
                % {
                    "name": name,
                    "size": filesizeformat(size),
                    "limit": filesizeformat(settings.VIDEO_MAX_BYTES),
                },
                code="too_large",
            )
        uploaded.seek(0)
        return {
            "kind": Attachment.Kind.VIDEO,
            "file": File(uploaded, name=f"video.{video.extension}"),
            "content_type": video.content_type,
            "extension": video.extension,
            "size": size,
            "original_name": name,
        }
    try:
        photo = process_image(uploaded)
    except ValidationError as error:
        if error.code == "not_image":
            raise ValidationError(
                _(
                    "“%(name)s” is neither a photo (JPEG, PNG, WebP) "
                    "nor a video (MP4, WebM, QuickTime)."
                )
                % {"name": name},
                code="bad_attachment",
            ) from None
        raise ValidationError(f"{name}: {error.messages[0]}", code=error.code) from None
    return {
        "kind": Attachment.Kind.PHOTO,
        "file": photo.image,
        "thumbnail": photo.thumbnail,
        "content_type": "image/jpeg",
        "extension": "jpg",
        "size": photo.size,
        "width": photo.width,
        "height": photo.height,
        "original_name": name,
    }


def attachments_prepare(files: Sequence) -> list[dict]:
    """Check every upload of one message before anything is stored."""
    if len(files) > settings.CHAT_MAX_ATTACHMENTS:
        raise ValidationError(
            _("At most %(max)s files can be attached to one message.")
            % {"max": settings.CHAT_MAX_ATTACHMENTS},
            code="too_many_attachments",
        )
    return [_prepare_attachment(uploaded) for uploaded in files]
