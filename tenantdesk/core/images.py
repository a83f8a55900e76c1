"""Checking and processing of uploaded photos: one piece used by requests and the chat.

The upload's name and declared content type are ignored: the bytes are decoded with
Pillow. What is stored is a re-encoded JPEG with EXIF orientation applied and all
metadata (GPS, camera serial numbers, …) left behind, plus a thumbnail.
"""

from __future__ import annotations

import io
import logging
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

# Signatures of the accepted formats: a file that starts like one of them but cannot be
# opened is a damaged image, not "some other file".
_IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")

logger = logging.getLogger(__name__)

# Our own pixel limit is checked explicitly (from the header, before decoding), so Pillow's
# warning for images between its limit and twice that is noise. Filtering it once here,
# instead of with warnings.catch_warnings() per call, keeps process_image thread-safe
# (catch_warnings swaps process-wide state).
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


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


def _looks_like_markup(data: bytes) -> str | None:
    """'svg' or 'html' when the bytes are a text document of that kind (for a precise message)."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head.startswith(b"<"):
        return None
    if b"<svg" in head:
        return "svg"
    if b"<html" in head or b"<!doctype html" in head or b"<body" in head or b"<script" in head:
        return "html"
    return None


def _is_image_signature(data: bytes) -> bool:
    if data.startswith(_IMAGE_SIGNATURES):
        return True
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def _has_end_marker(data: bytes, source_format: str) -> bool:
    """Whether the file ends as a complete file of its format does (structural, not a guess)."""
    if source_format == "JPEG":
        return data.rstrip(b"\x00").endswith(b"\xff\xd9")  # EOI marker
    if source_format == "PNG":
        return data.endswith(b"IEND\xaeB`\x82")  # the IEND chunk and its CRC
    if source_format == "WEBP":
        return len(data) >= 8 + int.from_bytes(data[4:8], "little")  # RIFF length
    return True


def process_image(uploaded) -> ProcessedImage:
    """Check an uploaded photo and return its cleaned copy and thumbnail.

    Raises ValidationError with a user-facing message and one of the codes: empty,
    too_large, not_image, unsupported_format, too_many_pixels, too_small, corrupt.
    """
    data = _read_limited(uploaded)
    max_pixels = settings.IMAGE_MAX_PIXELS
    # Pillow's own hard limit (DecompressionBombError) stays as a second fence at twice ours.
    Image.MAX_IMAGE_PIXELS = max_pixels
    markup = _looks_like_markup(data)
    if markup == "svg":
        raise ValidationError(
            _("SVG drawings are not accepted. Upload a photo in JPEG, PNG or WebP."),
            code="unsupported_format",
        )
    if markup == "html":
        raise ValidationError(
            _("This is a web page (HTML), not an image. Upload a photo in JPEG, PNG or WebP."),
            code="not_image",
        )
    corrupt = ValidationError(_("The image is damaged and cannot be read."), code="corrupt")
    too_many_pixels = ValidationError(
        _("The image has too many pixels; the limit is %(mp)s megapixels.")
        % {"mp": max_pixels // 1_000_000},
        code="too_many_pixels",
    )
    try:
        # Only the header is read here: size and format are known before any decoding.
        with Image.open(io.BytesIO(data)) as probe:
            source_format = probe.format or ""
            width, height = probe.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # The warning only arrives as an exception where warnings are made errors (-W error).
        raise too_many_pixels from None
    except UnidentifiedImageError:
        if _is_image_signature(data):
            raise corrupt from None
        raise ValidationError(
            _("This file is not an image. Upload a photo in JPEG, PNG or WebP."),
            code="not_image",
        ) from None
    except Exception:
        # Pillow reports broken headers with many exception types (OSError, SyntaxError,
        # struct.error, …); none of them may reach the user as a stack trace.
        raise corrupt from None
    if source_format not in ACCEPTED_FORMATS:
        raise ValidationError(
            _("This image format is not accepted. Use JPEG, PNG or WebP."),
            code="unsupported_format",
        )
    if width * height > max_pixels:
        raise too_many_pixels
    if min(width, height) < settings.IMAGE_MIN_SIDE:
        raise ValidationError(
            _(
                "The image is too small (%(w)s×%(h)s px); "
                "it must be at least %(min)s px on each side."
            )
            % {"w": width, "h": height, "min": settings.IMAGE_MIN_SIDE},
            code="too_small",
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()  # decodes every pixel: truncated or corrupt data fails here
            oriented = ImageOps.exif_transpose(image)
            clean = _flatten(oriented)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels from None
    except Exception:
        logger.info("undecodable %s upload refused", source_format, exc_info=True)
        if not _has_end_marker(data, source_format):
            raise ValidationError(
                _(
                    "The image is incomplete: the file ends too early "
                    "(perhaps the upload or the copy was cut off)."
                ),
                code="corrupt",
            ) from None
        raise corrupt from None

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
