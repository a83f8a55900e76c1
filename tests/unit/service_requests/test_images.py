"""core.images.process_image on its own: what is accepted and what is stored."""

import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.exceptions import ValidationError
from PIL import Image, ImageOps
from PIL.JpegImagePlugin import JpegImageFile

from tenantdesk.core import images
from tenantdesk.core.images import _flatten, image_limits_text, process_image
from tests.factories import image_bytes
from tests.unit.service_requests.helpers import noise_jpeg, upload


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


# --- memory: what a decode keeps alive, and how many run at once ----------------------------


def _quadrants(width=600, height=400) -> Image.Image:
    """Four coloured quadrants: any flip or turn moves the colours somewhere else."""
    image = Image.new("RGB", (width, height), (255, 0, 0))
    image.paste((0, 255, 0), (width // 2, 0, width, height // 2))
    image.paste((0, 0, 255), (0, height // 2, width // 2, height))
    image.paste((255, 255, 0), (width // 2, height // 2, width, height))
    return image


def _corner_colours(image) -> list[str]:
    width, height = image.size
    points = [(5, 5), (width - 6, 5), (5, height - 6), (width - 6, height - 6)]
    names = {0: "red", 1: "green", 2: "blue", 3: "yellow"}
    palette = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)]
    result = []
    for point in points:
        pixel = image.convert("RGB").getpixel(point)
        nearest = min(
            range(4),
            key=lambda i: sum((a - b) ** 2 for a, b in zip(pixel, palette[i], strict=True)),
        )
        result.append(names[nearest])
    return result


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("stored_side", [4096, 300])
def test_every_exif_orientation_is_applied_as_pillow_applies_it(settings, orientation, stored_side):
    # The turn now happens after scaling down (a cheap copy instead of a full-size one);
    # the result must be what ImageOps.exif_transpose gives, scaled or not.
    settings.IMAGE_MAX_STORED_SIDE = stored_side
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = _encode(_quadrants(), "JPEG", quality=95, exif=exif)
    with Image.open(io.BytesIO(data)) as original:
        expected = ImageOps.exif_transpose(original)
    result = process_image(upload(data))
    with _decode(result.image) as stored:
        assert max(stored.size) == min(stored_side, 600)
        assert (stored.width > stored.height) == (expected.width > expected.height)
        assert _corner_colours(stored) == _corner_colours(expected)
        assert len(stored.getexif()) == 0
    with _decode(result.thumbnail) as thumb:
        assert _corner_colours(thumb) == _corner_colours(expected)


@pytest.mark.parametrize("mode", ["LA", "P", "RGBA"])
def test_transparent_images_of_every_mode_are_stored_on_white(mode):
    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    image.paste((0, 128, 0, 255), (0, 0, 200, 400))
    if mode == "LA":
        image = image.convert("LA")
    elif mode == "P":
        image = image.convert("P", palette=Image.Palette.ADAPTIVE)
        image.info["transparency"] = image.getpixel((300, 200))
    data = _encode(image, "PNG")
    with Image.open(io.BytesIO(data)) as check:
        assert check.mode == mode
    result = process_image(upload(data, name="x.png"))
    with _decode(result.image) as stored:
        assert min(stored.getpixel((300, 200))) > 240  # transparent became white
        assert max(stored.getpixel((100, 200))) < 200  # the opaque half kept its colour


def test_an_rgb_image_is_not_copied_to_be_flattened():
    image = Image.new("RGB", (10, 10))
    assert _flatten(image) is image


def test_a_large_jpeg_is_decoded_reduced_but_never_below_the_stored_size(settings, monkeypatch):
    settings.IMAGE_MAX_STORED_SIDE = 500
    settings.THUMBNAIL_SIDE = 100
    decoded = []
    real_load = JpegImageFile.load

    def load(self):
        decoded.append(self.size)  # the first call decodes, at the size libjpeg was asked for
        return real_load(self)

    monkeypatch.setattr(JpegImageFile, "load", load)
    # 2400×1000: four times the stored side across, 4.8 times the stored height (208) down.
    result = process_image(upload(_encode(_quadrants(2400, 1000), "JPEG", quality=90)))
    assert decoded[0] == (600, 250)  # DCT-scaled by 1/4: a sixteenth of the pixels
    assert (result.width, result.height) == (500, 208)
    # Not even twice the stored size: decoded at full size (a reduction would undershoot).
    decoded.clear()
    process_image(upload(_encode(_quadrants(900, 600), "JPEG", quality=90)))
    assert decoded[0] == (900, 600)


def test_a_truncated_jpeg_is_refused_when_decoded_reduced_too(settings):
    settings.IMAGE_MAX_STORED_SIDE = 320
    data = noise_jpeg(1600, 1200)
    with pytest.raises(ValidationError) as info:
        process_image(upload(data[: len(data) * 2 // 3]))
    assert info.value.code == "corrupt"
    assert "incomplete" in info.value.messages[0]


@pytest.mark.parametrize("concurrency", [1, 2])
def test_no_more_decodes_run_at_once_than_the_setting_allows(settings, monkeypatch, concurrency):
    settings.IMAGE_DECODE_CONCURRENCY = concurrency
    running = 0
    most = 0
    lock = threading.Lock()
    real_clean_copy = images._clean_copy

    def clean_copy(data, source_format):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            # Long enough for the other threads to arrive while this one decodes.
            time.sleep(0.2)
            return real_clean_copy(data, source_format)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(images, "_clean_copy", clean_copy)
    data = image_bytes()
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: process_image(upload(data)), range(4)))
    assert len(results) == 4
    assert most == concurrency


def test_a_jpeg_comment_is_not_carried_into_the_stored_copy():
    # Cameras and editors write owner names, places or serial numbers into the COM marker.
    data = _encode(_quadrants(), "JPEG", comment=b"Owner: Ivan Petrov, 55.75N 37.62E")
    with Image.open(io.BytesIO(data)) as check:
        assert check.info["comment"].startswith(b"Owner")
    result = process_image(upload(data))
    for stored in (result.image, result.thumbnail):
        stored.seek(0)
        stored_bytes = stored.read()
        assert b"Ivan" not in stored_bytes
        with Image.open(io.BytesIO(stored_bytes)) as image:
            assert "comment" not in image.info
