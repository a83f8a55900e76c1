"""Builders for service-request tests: requests, and photos good and bad (made in the test,
no binary fixtures)."""

from __future__ import annotations

import io
import os
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tenantdesk.service_requests.models import RequestEvent, ServiceRequest
from tenantdesk.service_requests.services.create import service_request_create
from tests.factories import image_bytes


def noise_jpeg(width=640, height=480, **save_kwargs) -> bytes:
    """A JPEG that does not compress away: truncating it really loses pixels."""
    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90, **save_kwargs)
    return buffer.getvalue()


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def good_upload(name="photo.jpg") -> SimpleUploadedFile:
    return upload(image_bytes(640, 480), name=name)


def create_request(author, **overrides) -> ServiceRequest:
    """A request made the real way: through the service, with a stored photo and thumbnail."""
    data = {
        "type": ServiceRequest.Type.ELECTRICAL,
        "title": "The light in the kitchen is broken",
        "description": "The ceiling lamp flickers and then goes out.",
        "office": "101",
        "photo": good_upload(),
    }
    data.update(overrides)
    photo = data.pop("photo")
    data.setdefault("photos", [photo] if photo else [])
    return service_request_create(author=author, **data)


def bulk_requests(organisation, author, count: int, **fields) -> list[ServiceRequest]:
    """Many rows quickly, for list tests; their photo names point at nothing."""
    now = timezone.now()
    rows = [
        ServiceRequest(
            organisation=organisation,
            author=author,
            type=fields.get("type", ServiceRequest.Type.PLUMBING),
            title=fields.get("title", f"Leak number {i}"),
            description=fields.get("description", "Water on the floor."),
            office=fields.get("office", str(200 + i)),
            status=fields.get("status", ServiceRequest.Status.PENDING),
            last_activity_at=now - timezone.timedelta(minutes=i),
            photo=f"requests/none/{i}.jpg",
        )
        for i in range(count)
    ]
    return ServiceRequest.objects.bulk_create(rows)


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    return [p for p in root.rglob("*") if p.is_file()]


def status_steps(**filters):
    """The history's status steps (RequestEvent "status"), oldest first."""
    return RequestEvent.objects.filter(kind=RequestEvent.Kind.STATUS, **filters).order_by(
        "created_at", "id"
    )


def step_pairs(events) -> list[tuple[str, str]]:
    """(from, to) of each status step."""
    return [(e.payload.from_status, e.payload.to_status) for e in events]


# The events the workspace and the closure loop record (what RequestChange held before the
# one history): assignment, priority and ratings.
CHANGE_KINDS = ("assigned", "unassigned", "priority", "rated")


def changes(**filters):
    return RequestEvent.objects.filter(kind__in=CHANGE_KINDS, **filters).order_by(
        "created_at", "id"
    )
