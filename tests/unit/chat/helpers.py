"""Test helpers for the chat: requests, sessions and small media files made on the spot."""

from __future__ import annotations

import struct

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.factories import image_bytes


def make_service_request(customer, **fields):
    """A request saved directly (no event, no announcement); its author follows it, as
    the creation service makes them (a member's request) unless `followed=False`."""
    from tenantdesk.service_requests.models import RequestFollower, ServiceRequest

    followed = fields.pop("followed", True)
    values = {
        "organisation": customer.organisation,
        "author": customer,
        "type": ServiceRequest.Type.PLUMBING,
        "title": "Leaking pipe",
        "description": "Water under the sink in the kitchen.",
        "office": "101",
        **fields,
    }
    service_request = ServiceRequest(**values)
    service_request.photo.save("photo.jpg", ContentFile(image_bytes()), save=False)
    service_request.photo_thumbnail.save(
        "thumb.jpg", ContentFile(image_bytes(320, 240)), save=False
    )
    service_request.save()
    if followed and service_request.author.organisation_id == service_request.organisation_id:
        RequestFollower.objects.create(service_request=service_request, user=service_request.author)
    return service_request


def status_change(service_request, manager, to_status):
    """A status step's RequestEvent as the requests app records it, with the request updated
    (not announced: a test posts or sends what it needs itself)."""
    from tenantdesk.service_requests.models import RequestEvent
    from tenantdesk.service_requests.payloads import StatusChanged

    change = RequestEvent.objects.create(
        service_request=service_request,
        kind=RequestEvent.Kind.STATUS,
        actor=manager,
        created_at=timezone.now(),
        data=StatusChanged(from_status=service_request.status, to_status=to_status).to_data(),
    )
    service_request.status = to_status
    service_request.save(update_fields=["status"])
    return change


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def mp4_bytes(brand: bytes = b"isom", compatible=(b"isom", b"mp42")) -> bytes:
    """A minimal ISO BMFF file: an ftyp box, an empty moov box and a tiny mdat."""
    ftyp_payload = brand + struct.pack(">I", 0x200) + b"".join(compatible)
    ftyp = struct.pack(">I", 8 + len(ftyp_payload)) + b"ftyp" + ftyp_payload
    mvhd = struct.pack(">I", 108) + b"mvhd" + bytes(100)
    moov = struct.pack(">I", 8 + len(mvhd)) + b"moov" + mvhd
    mdat = struct.pack(">I", 16) + b"mdat" + bytes(8)
    return ftyp + moov + mdat


def _ebml_element(element_id: bytes, payload: bytes) -> bytes:
    size = len(payload)
    assert size < 127
    return element_id + bytes([0x80 | size]) + payload


def webm_bytes(doc_type: bytes = b"webm") -> bytes:
    """An EBML header (version 1, DocType) followed by an empty Segment."""
    header = b"".join(
        [
            _ebml_element(b"\x42\x86", b"\x01"),  # EBMLVersion
            _ebml_element(b"\x42\xf7", b"\x01"),  # EBMLReadVersion
            _ebml_element(b"\x42\xf2", b"\x04"),  # EBMLMaxIDLength
            _ebml_element(b"\x42\xf3", b"\x08"),  # EBMLMaxSizeLength
            _ebml_element(b"\x42\x82", doc_type),  # DocType
            _ebml_element(b"\x42\x87", b"\x02"),  # DocTypeVersion
            _ebml_element(b"\x42\x85", b"\x02"),  # DocTypeReadVersion
        ]
    )
    return _ebml_element(b"\x1a\x45\xdf\xa3", header) + b"\x18\x53\x80\x67\x80"


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def photo_upload(name="photo.jpg"):
    return upload(name, image_bytes(), "image/jpeg")


def follow(user, service_request) -> None:
    """`user` follows the request, as its page's Follow button makes them (issue 21)."""
    from tenantdesk.service_requests.services.following import service_request_follow

    service_request_follow(user=user, service_request=service_request)
