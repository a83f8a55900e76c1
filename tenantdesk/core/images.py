"""Checking and processing of uploaded photos: one piece used by requests and the chat.

The upload's name and declared content type are ignored: the bytes are decoded with
Pillow. What is stored is a re-encoded JPEG with EXIF orientation applied and all
metadata (GPS, camera serial numbers, …) left behind, plus a thumbnail.
"""

from __future__ import annotations

import io
import logging
import threading
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import ExifTags, Image, UnidentifiedImageError

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

# The transpositions that display an image upright, by its EXIF orientation (as Pillow's
# ImageOps.exif_transpose has them). They are applied after scaling down, so turning a
# 40 MP photo costs a copy of the stored size instead of a second full-size copy.
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

# Decoded pixels take 4 bytes each (Pillow keeps RGB as 32 bits), so a 40 MP photo is
# 160 MB before any copy. Under ASGI every request's view runs in a thread of its own:
# without a bound, parallel uploads multiply that per worker. One semaphore per process,
# sized by IMAGE_DECODE_CONCURRENCY; keyed by the size so a changed setting (tests) gets
# its own.
_decode_slots: dict[int, threading.BoundedSemaphore] = {}
_decode_slots_lock = threading.Lock()


def _decode_slot() -> threading.BoundedSemaphore:
    size = max(1, settings.IMAGE_DECODE_CONCURRENCY)
    with _decode_slots_lock:
        slot = _decode_slots.get(size)
        if slot is None:
            slot = _decode_slots[size] = threading.BoundedSemaphore(size)
    return slot


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


def _encode_jpeg(image: Image.Image, *, quality: int, optimize: bool) -> bytes:
    buffer = io.BytesIO()
    # No exif= argument: the stored copy carries no metadata at all. Pillow would copy a
    # source JPEG's comment (COM marker) from image.info by itself; an empty one stops that.
    image.save(buffer, format="JPEG", quality=quality, optimize=optimize, comment=b"")
    return buffer.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """An RGB image for JPEG: transparent pixels painted white instead of black.

    An RGB image is returned as it is: convert("RGB") would copy every pixel for nothing.
    """
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Pillow pastes RGBA and LA onto RGB as they are, each its own mask (the alpha
        # band): no converted copy. Palette images must become RGBA first.
        source = image if image.mode in ("RGBA", "LA") else image.convert("RGBA")
        background = Image.new("RGB", source.size, (255, 255, 255))
        background.paste(source, mask=source)
        return background
    return image.convert("RGB")


def _fitted(size: tuple[int, int], side: int) -> tuple[int, int]:
    """`size` scaled down (never up) to fit a square of `side`, keeping the aspect ratio."""
    width, height = size
    if max(width, height) <= side:
        return size
    scale = side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _decode(data: bytes, source_format: str) -> tuple[Image.Image, int]:
    """Decode every pixel (damaged data fails here) and read the EXIF orientation.

    A JPEG at least twice the stored size is decoded at 1/2, 1/4 or 1/8 of its size by
    libjpeg's DCT scaling (Image.draft), never below the size that will be stored.
    """
    image = Image.open(io.BytesIO(data))
    if source_format == "JPEG":
        target = _fitted(image.size, settings.IMAGE_MAX_STORED_SIDE)
        if target != image.size:
            image.draft(None, target)
    image.load()
    return image, image.getexif().get(ExifTags.Base.Orientation, 1)


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


def _corrupt() -> ValidationError:
    return ValidationError(_("The image is damaged and cannot be read."), code="corrupt")


def _too_many_pixels() -> ValidationError:
    return ValidationError(
        _("The image has too many pixels; the limit is %(mp)s megapixels.")
        % {"mp": settings.IMAGE_MAX_PIXELS // 1_000_000},
        code="too_many_pixels",
    )


def process_image(uploaded) -> ProcessedImage:
    """Check an uploaded photo and return its cleaned copy and thumbnail.

    Raises ValidationError with a user-facing message and one of the codes: empty,
    too_large, not_image, unsupported_format, too_many_pixels, too_small, corrupt.

    At most IMAGE_DECODE_CONCURRENCY photos are processed at once in a process; the others
    wait here before reading their bytes, so a waiting upload holds no memory of ours.
    """
    with _decode_slot():
        data = _read_limited(uploaded)
        source_format = _check_header(data)
        return _clean_copy(data, source_format)


def _check_header(data: bytes) -> str:
    """Refuse what is not an accepted photo from its first bytes and header alone; return
    the format."""
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
    try:
        # Only the header is read here: size and format are known before any decoding.
        with Image.open(io.BytesIO(data)) as probe:
            source_format = probe.format or ""
            width, height = probe.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # The warning only arrives as an exception where warnings are made errors (-W error).
        raise _too_many_pixels() from None
    except UnidentifiedImageError:
        if _is_image_signature(data):
            raise _corrupt() from None
        raise ValidationError(
            _("This file is not an image. Upload a photo in JPEG, PNG or WebP."),
            code="not_image",
        ) from None
    except Exception:
        # Pillow reports broken headers with many exception types (OSError, SyntaxError,
        # struct.error, …); none of them may reach the user as a stack trace.
        raise _corrupt() from None
    if source_format not in ACCEPTED_FORMATS:
        raise ValidationError(
            _("This image format is not accepted. Use JPEG, PNG or WebP."),
            code="unsupported_format",
        )
    if width * height > max_pixels:
        raise _too_many_pixels()
    if min(width, height) < settings.IMAGE_MIN_SIDE:
        raise ValidationError(
            _(
                "The image is too small (%(w)s×%(h)s px); "
                "it must be at least %(min)s px on each side."
            )
            % {"w": width, "h": height, "min": settings.IMAGE_MIN_SIDE},
            code="too_small",
        )
    return source_format


def _clean_copy(data: bytes, source_format: str) -> ProcessedImage:
    """Decode, flatten, scale down, turn upright; encode the stored copy and thumbnail.

    The order keeps one full-size image alive (two only while a transparent image is
    painted on white or a non-RGB one converted); everything after the scaling is of the
    stored size or smaller.
    """
    try:
        image, orientation = _decode(data, source_format)
        clean = _flatten(image)
        del image  # where _flatten made a copy, the decoded pixels can go now
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
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
        raise _corrupt() from None

    max_side = settings.IMAGE_MAX_STORED_SIDE
    # In place: the full-size pixels are released as soon as the smaller copy exists.
    clean.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    if orientation in _UPRIGHT:
        clean = clean.transpose(_UPRIGHT[orientation])
    # The thumbnail is scaled from the stored copy directly (resize makes a new image),
    # not from a full copy of it.
    thumb_size = _fitted(clean.size, settings.THUMBNAIL_SIDE)
    thumb = (
        clean
        if thumb_size == clean.size
        else clean.resize(thumb_size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    )
    # The stored photo as a plain baseline JPEG: Huffman optimisation and progressive scans
    # made it a few per cent smaller at twice the encoding time (half of a 12 MP upload's).
    # The thumbnail, small and shown in every list and chat, keeps the optimisation.
    image_bytes = _encode_jpeg(clean, quality=88, optimize=False)
    return ProcessedImage(
        image=ContentFile(image_bytes, name="photo.jpg"),
        thumbnail=ContentFile(_encode_jpeg(thumb, quality=80, optimize=True), name="thumb.jpg"),
        width=clean.width,
        height=clean.height,
        source_format=ACCEPTED_FORMATS[source_format],
        size=len(image_bytes),
    )
