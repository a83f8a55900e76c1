import pytest

from tenantdesk.chat.video import MP4, QUICKTIME, WEBM, sniff_video
from tests.factories import image_bytes
from tests.unit.chat.helpers import mp4_bytes, webm_bytes


@pytest.mark.parametrize("brand", [b"isom", b"mp42", b"avc1", b"M4V "])
def test_mp4_brands_are_recognised(brand):
    assert sniff_video(mp4_bytes(brand=brand, compatible=(brand,))) == MP4


def test_unknown_major_brand_with_an_mp4_compatible_brand_is_mp4():
    assert sniff_video(mp4_bytes(brand=b"xxxx", compatible=(b"xxxx", b"iso6"))) == MP4


def test_quicktime_brand_is_quicktime():
    assert sniff_video(mp4_bytes(brand=b"qt  ", compatible=(b"qt  ",))) == QUICKTIME


@pytest.mark.parametrize("brand", [b"M4A ", b"heic", b"avif"])
def test_audio_and_still_image_brands_are_not_video(brand):
    assert sniff_video(mp4_bytes(brand=brand, compatible=(brand,))) is None


def test_webm_is_recognised_by_its_doctype():
    assert sniff_video(webm_bytes()) == WEBM


def test_matroska_that_is_not_webm_is_refused():
    assert sniff_video(webm_bytes(doc_type=b"matroska")) is None


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not a video at all, just some text",
        image_bytes(),
        b"\x00\x00\x00\x18ftypisom",  # cut short
        b"\x00\x00\x00\x0bftypisom\x00\x00\x02\x00",  # impossible box size
        b"\x1a\x45\xdf\xa3\xff",  # EBML magic and garbage
        b"\x1a\x45\xdf\xa3\x00",  # invalid vint
    ],
)
def test_other_bytes_are_not_video(data):
    assert sniff_video(data) is None


def test_a_file_named_like_a_video_is_judged_by_its_bytes_only():
    # The sniffer never sees the name; text bytes are not a video whatever the name says.
    assert sniff_video(b"<html>clip.mp4</html>") is None
