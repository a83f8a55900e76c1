"""core.images.process_image on its own: what is accepted and what is stored."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from tenantdesk.core.images import image_limits_text, process_image
from tests.unit.service_requests.helpers import upload


def _encode(image, fmt, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def _decode(content_file):
    content_file.seek(0)
    return Image.open(io.BytesIO(content_file.read()))


def test_transparent_png_is_stored_as_jpeg_on_white():
    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    image.paste((0, 128, 0, 255), (0, 0, 200, 400))
    result = process_image(upload(_encode(image, "PNG"), name="x.png"))
    assert result.source_format == "PNG"
    with _decode(result.image) as stored:
        assert stored.format == "JPEG"
        assert stored.mode == "RGB"
        right = stored.getpixel((300, 200))
        left = stored.getpixel((100, 200))
    assert min(right) > 240  # transparent became white, not black
    assert left[1] > 100 and left[0] < 30


@pytest.mark.parametrize(("mode", "fmt"), [("RGB", "WEBP"), ("CMYK", "JPEG"), ("L", "PNG")])
def test_other_accepted_formats_and_modes(mode, fmt):
    result = process_image(upload(_encode(Image.new(mode, (500, 400)), fmt)))
    assert (result.width, result.height) == (500, 400)
    with _decode(result.image) as stored:
        assert stored.format == "JPEG" and stored.mode == "RGB"


def test_large_photo_is_scaled_down_to_the_stored_limit(settings):
    settings.IMAGE_MAX_STORED_SIDE = 1000
    settings.THUMBNAIL_SIDE = 200
    result = process_image(upload(_encode(Image.new("RGB", (3000, 1500)), "PNG")))
    assert (result.width, result.height) == (1000, 500)
    assert result.size == len(result.image.read())
    with _decode(result.thumbnail) as thumb:
        assert thumb.size == (200, 100)


def test_truncated_png_is_reported_as_incomplete():
    data = _encode(Image.effect_noise((600, 600), 50).convert("RGB"), "PNG")
    with pytest.raises(ValidationError) as info:
        process_image(upload(data[: len(data) // 2], name="x.png"))
    assert info.value.code == "corrupt"
    assert "incomplete" in info.value.messages[0]


def test_declared_size_is_checked_before_decoding(settings):
    """A small file declaring a huge canvas is refused from its header alone."""
    settings.IMAGE_MAX_PIXELS = 1_000_000
    data = _encode(Image.new("1", (2000, 2000)), "PNG")
    assert len(data) < 10_000
    with pytest.raises(ValidationError) as info:
        process_image(upload(data, name="x.png"))
    assert info.value.code == "too_many_pixels"
    assert "1 megapixels" in info.value.messages[0]


def test_limits_text_follows_the_settings(settings):
    settings.IMAGE_MIN_SIDE = 500
    settings.IMAGE_MAX_PIXELS = 12_000_000
    text = str(image_limits_text())
    assert "at least 500×500 px" in text
    assert "12 megapixels" in text
