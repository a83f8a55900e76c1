"""Recognising a video by its container's bytes, never by its name or declared type.

Only the first bytes are read: an ISO base media file (MP4, QuickTime) starts with an
`ftyp` box whose brands say which family it belongs to; a WebM file starts with an EBML
header whose DocType element is "webm". Anything else is not a video we accept.
"""

from __future__ import annotations

from dataclasses import dataclass

HEAD_BYTES = 4096


@dataclass(frozen=True)
class VideoType:
    content_type: str
    extension: str


MP4 = VideoType("video/mp4", "mp4")
QUICKTIME = VideoType("video/quicktime", "mov")
WEBM = VideoType("video/webm", "webm")
# The file picker's accept= for videos, from the same list the sniffer recognises.
ACCEPT_ATTRIBUTE = ",".join(kind.content_type for kind in (MP4, WEBM, QUICKTIME))

# Brands of video-carrying ISO BMFF files. Audio-only (M4A, M4B) and still-image brands
# (heic, avif, mif1) are left out on purpose: they would not play as a video.
_MP4_BRANDS = {
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"iso8", b"iso9",
    b"mp41", b"mp42", b"avc1", b"dash", b"M4V ", b"M4VH", b"M4VP", b"mmp4",
    b"MSNV", b"f4v ", b"NDAS", b"3gp4", b"3gp5", b"3gp6", b"3g2a",
}  # fmt: skip
_QUICKTIME_BRAND = b"qt  "

_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_EBML_DOCTYPE_ID = 0x4282


def _sniff_iso_bmff(head: bytes) -> VideoType | None:
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    box_size = int.from_bytes(head[0:4], "big")
    # An ftyp box holds the major brand, a minor version and whole 4-byte brands.
    if box_size < 16 or (box_size - 16) % 4 or box_size > 1024:
        return None
    major = head[8:12]
    compatible = [head[i : i + 4] for i in range(16, min(box_size, len(head)), 4)]
    if major == _QUICKTIME_BRAND:
        return QUICKTIME
    if major in _MP4_BRANDS or any(brand in _MP4_BRANDS for brand in compatible):
        return MP4
    if _QUICKTIME_BRAND in compatible:
        return QUICKTIME
    return None


def _read_vint(data: bytes, pos: int, *, keep_marker: bool) -> tuple[int, int] | None:
    """An EBML variable-length integer at pos: (value, length) or None if malformed."""
    if pos >= len(data):
        return None
    first = data[pos]
    length = 1
    mask = 0x80
    while length <= 8 and not first & mask:
        mask >>= 1
        length += 1
    if length > 8 or pos + length > len(data):
        return None
    value = first if keep_marker else first & (mask - 1)
    for byte in data[pos + 1 : pos + length]:
        value = (value << 8) | byte
    return value, length


def _sniff_webm(head: bytes) -> VideoType | None:
    if not head.startswith(_EBML_MAGIC):
        return None
    header_size = _read_vint(head, 4, keep_marker=False)
    if header_size is None:
        return None
    size, size_len = header_size
    pos = 4 + size_len
    end = min(pos + size, len(head))
    # Walk the header's child elements looking for DocType.
    while pos < end:
        element = _read_vint(head, pos, keep_marker=True)
        if element is None:
            return None
        element_id, id_len = element
        length = _read_vint(head, pos + id_len, keep_marker=False)
        if length is None:
            return None
        value_len, len_len = length
        start = pos + id_len + len_len
        if element_id == _EBML_DOCTYPE_ID:
            doc_type = head[start : start + value_len].rstrip(b"\x00")
            return WEBM if doc_type == b"webm" else None
        pos = start + value_len
    return None


def sniff_video(head: bytes) -> VideoType | None:
    """The video type that these first bytes of a file announce, or None."""
    return _sniff_iso_bmff(head) or _sniff_webm(head)


def sniff_uploaded_video(uploaded) -> VideoType | None:
    uploaded.seek(0)
    head = uploaded.read(HEAD_BYTES)
    uploaded.seek(0)
    return sniff_video(head)
