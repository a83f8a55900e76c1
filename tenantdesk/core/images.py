"""Checking and processing of uploaded photos: one piece used by requests and the chat.

The upload's name and declared content type are ignored: the bytes are decoded with
Pillow. What is stored is a re-encoded JPEG with EXIF orientation applied and all
metadata (GPS, camera serial numbers, …) left behind, plus a thumbnail.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

# Formats we decode deliberately; anything else is refused even if Pillow could open it.
ACCEPTED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WebP"}
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/webp"


@dataclass(frozen=True)
class ProcessedImage:
    """A cleaned photo, ready to save through Django storage."""

    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int
    source_format: str
    size: int


def image_limits_text() -> str:
    """The rules written under every photo field."""
    return gettext_lazy(
        "JPEG, PNG or WebP; at least %(min)s×%(min)s px, at most %(bytes)s and %(mp)s megapixels."
    ) % {
        "min": settings.IMAGE_MIN_SIDE,
        "bytes": filesizeformat(settings.IMAGE_MAX_BYTES),
        "mp": settings.IMAGE_MAX_PIXELS // 1_000_000,
    }


def _read_limited(uploaded) -> bytes:
    size = getattr(uploaded, "size", None)
    if size is not None and size > settings.IMAGE_MAX_BYTES:
        raise ValidationError(
            _("The file is too large (%(size)s); the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(settings.IMAGE_MAX_BYTES)},
            code="too_large",
        )
    uploaded.seek(0)
    data = uploaded.read(settings.IMAGE_MAX_BYTES + 1)
    if len(data) > settings.IMAGE_MAX_BYTES:
        raise ValidationError(
            _("The file is too large; the limit is %(limit)s.")
            % {"limit": filesizeformat(settings.IMAGE_MAX_BYTES)},
            code="too_large",
        )
    if not data:
        raise ValidationError(_("The file is empty."), code="empty")
    return data


def _encode_jpeg(image: Image.Image, *, quality: int) -> bytes:
    buffer = io.BytesIO()
    # No exif= argument: the stored copy carries no metadata at all.
    image.save(buffer, format="JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """JPEG has no transparency: paint transparent pixels white instead of black."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def process_image(uploaded) -> ProcessedImage:
    """Check an uploaded photo and return its cleaned copy and thumbnail.

    Raises ValidationError with a user-facing message and one of the codes: empty,
    too_large, not_image, unsupported_format, too_many_pixels, too_small, corrupt.
    """
    data = _read_limited(uploaded)
    max_pixels = settings.IMAGE_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            # Pillow warns between MAX_IMAGE_PIXELS and twice that, and raises above it;
            # we make both an error with our own limit.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.MAX_IMAGE_PIXELS = max_pixels
            with Image.open(io.BytesIO(data)) as probe:
                source_format = probe.format or ""
                width, height = probe.size
            if source_format not in ACCEPTED_FORMATS:
                raise ValidationError(
                    _("This image format is not accepted. Use JPEG, PNG or WebP."),
                    code="unsupported_format",
                )
            if width * height > max_pixels:
                raise Image.DecompressionBombError("too many pixels")
            if min(width, height) < settings.IMAGE_MIN_SIDE:
                raise ValidationError(
                    _(
                        "The image is too small (%(w)s×%(h)s px); "
                        "it must be at least %(min)s px on each side."
                    )
                    % {"w": width, "h": height, "min": settings.IMAGE_MIN_SIDE},
                    code="too_small",
                )
            with Image.open(io.BytesIO(data)) as image:
                image.load()  # decodes every pixel: truncated or corrupt data fails here
                oriented = ImageOps.exif_transpose(image)
                clean = _flatten(oriented)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("The image has too many pixels; the limit is %(mp)s megapixels.")
            % {"mp": max_pixels // 1_000_000},
            code="too_many_pixels",
        ) from None
    except UnidentifiedImageError:
        raise ValidationError(
            _("This file is not an image. Upload a photo in JPEG, PNG or WebP."),
            code="not_image",
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        # Pillow reports truncated and broken data as OSError/SyntaxError/ValueError.
        raise ValidationError(
            _("The image is damaged or incomplete and cannot be read."), code="corrupt"
        ) from None

    max_side = settings.IMAGE_MAX_STORED_SIDE
    if max(clean.size) > max_side:
        clean.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    thumb = clean.copy()
    thumb.thumbnail((settings.THUMBNAIL_SIDE, settings.THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
    image_bytes = _encode_jpeg(clean, quality=88)
    return ProcessedImage(
        image=ContentFile(image_bytes, name="photo.jpg"),
        thumbnail=ContentFile(_encode_jpeg(thumb, quality=80), name="thumb.jpg"),
        width=clean.width,
        height=clean.height,
        source_format=ACCEPTED_FORMATS[source_format],
        size=len(image_bytes),
    )
