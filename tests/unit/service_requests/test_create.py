"""/request/new: a customer opens a request with a checked photo; bad input stores nothing."""

import io
import os
import re
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from PIL import Image

from tenantdesk.chat.models import Message
from tenantdesk.core.images import process_image
from tenantdesk.service_requests.models import RequestEvent, ServiceRequest
from tests.factories import CustomerFactory, image_bytes
from tests.unit.service_requests.helpers import (
    create_request,
    good_upload,
    media_files,
    noise_jpeg,
    upload,
)

pytestmark = pytest.mark.django_db

URL = "/request/new"


def form_data(**overrides):
    data = {
        "type": "plumbing",
        "title": "Leaking pipe under the sink",
        "description": "Water drips from the joint.\nThe floor is wet.",
        "office": "314",
        "photo": good_upload(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_form_shows_all_six_types_as_radio_cards_and_the_photo_limits(client, customer):
    client.force_login(customer)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for i, code in enumerate(ServiceRequest.Type.values):
        assert f'class="btn-check" name="type" id="id_type_{i}" value="{code}"' in html
        assert f'for="id_type_{i}" data-type="{code}"' in html
    assert html.count('type="radio"') == 6
    assert 'accept="image/jpeg,image/png,image/webp"' in html
    assert "JPEG, PNG or WebP; at least 320×320 px, at most 15.0\xa0MB and 40 megapixels." in html


def test_customer_creates_a_request_and_lands_on_its_page(client, customer, organisation):
    client.force_login(customer)
    response = client.post(URL, form_data())
    request_obj = ServiceRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/request/{request_obj.pk}"
    assert request_obj.organisation == organisation
    assert request_obj.author == customer
    assert request_obj.type == "plumbing"
    assert request_obj.status == ServiceRequest.Status.PENDING
    assert request_obj.office == "314"
    assert request_obj.description == "Water drips from the joint.\r\nThe floor is wet." or (
        request_obj.description == "Water drips from the joint.\nThe floor is wet."
    )
    # The photo and its thumbnail are stored as JPEGs under random names.
    assert request_obj.photo.name.endswith(".jpg")
    assert request_obj.photo_thumbnail.name.endswith("_thumb.jpg")
    assert "photo" not in request_obj.photo.name.rsplit("/", 1)[-1]
    with request_obj.photo.open("rb") as f, Image.open(f) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (640, 480)
    with request_obj.photo_thumbnail.open("rb") as f, Image.open(f) as thumb:
        assert max(thumb.size) == 480
    assert len(media_files()) == 2
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Leaking pipe under the sink" in page.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("type", None, "Choose the type of work."),
        ("type", "gardening", "Select a valid choice."),
        ("title", "", "This field is required."),
        ("title", "x" * 121, "Ensure this value has at most 120 characters"),
        ("description", "   ", "This field is required."),
        ("office", "", "This field is required."),
    ],
)
def test_bad_fields_are_reported_at_the_field_and_nothing_is_stored(
    client, customer, field, value, message
):
    client.force_login(customer)
    response = client.post(URL, form_data(**{field: value}))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert message in " ".join(errors[field])
    assert f'data-field-error="{field}"' in response.content.decode()
    assert not ServiceRequest.objects.exists()
    assert media_files() == []


def _truncated_jpeg():
    data = noise_jpeg()
    return data[: len(data) // 2]


def _png(width, height, mode="1"):
    buffer = io.BytesIO()
    Image.new(mode, (width, height), 1).save(buffer, format="PNG")
    return buffer.getvalue()


BAD_PHOTOS = {
    # name: (bytes builder, file name, error code, message fragment)
    "empty upload": (lambda: b"", "photo.jpg", "empty", "The file is empty."),
    "text named .jpg": (
        lambda: b"Just some notes, not a picture at all.\n" * 20,
        "photo.jpg",
        "not_image",
        "This file is not an image.",
    ),
    "svg": (
        lambda: (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="900" '
            b'height="900"><rect width="900" height="900" fill="red"/></svg>'
        ),
        "drawing.svg",
        "unsupported_format",
        "SVG drawings are not accepted.",
    ),
    "html": (
        lambda: b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
        "photo.jpg",
        "not_image",
        "This is a web page (HTML), not an image.",
    ),
    "truncated jpeg": (
        _truncated_jpeg,
        "photo.jpg",
        "corrupt",
        "The image is incomplete: the file ends too early",
    ),
    "corrupt bytes with a jpeg header": (
        lambda: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(4000),
        "photo.jpg",
        "corrupt",
        "The image is damaged and cannot be read.",
    ),
    "too small": (
        lambda: image_bytes(300, 200),
        "photo.jpg",
        "too_small",
        "The image is too small (300×200 px)",
    ),
    "decompression bomb 8000x8000 png": (
        lambda: _png(8000, 8000),
        "photo.png",
        "too_many_pixels",
        "The image has too many pixels; the limit is 40 megapixels.",
    ),
    "decompression bomb beyond Pillow's own limit": (
        lambda: _png(10000, 9000),
        "photo.png",
        "too_many_pixels",
        "The image has too many pixels; the limit is 40 megapixels.",
    ),
    "gif (decodable, not accepted)": (
        lambda: image_bytes(640, 480, fmt="GIF"),
        "photo.gif",
        "unsupported_format",
        "This image format is not accepted.",
    ),
}


@pytest.mark.parametrize("case", list(BAD_PHOTOS), ids=list(BAD_PHOTOS))
def test_each_bad_photo_has_its_own_message_and_creates_nothing(client, customer, case):
    build, name, code, message = BAD_PHOTOS[case]
    data = build()
    client.force_login(customer)
    response = client.post(URL, form_data(photo=upload(data, name=name)))
    assert response.status_code == 400
    form = response.context["form"]
    assert form.has_error("photo", code), form.errors.as_json()
    assert message in " ".join(form.errors["photo"])
    assert 'data-field-error="photo"' in response.content.decode()
    assert not ServiceRequest.objects.exists()
    assert media_files() == []


def test_missing_photo_is_required(client, customer):
    client.force_login(customer)
    response = client.post(URL, form_data(photo=None))
    assert response.status_code == 400
    assert response.context["form"].errors["photo"] == ["Attach a photo of the problem."]
    assert not ServiceRequest.objects.exists()


def test_too_many_bytes_uses_the_setting(client, customer, settings):
    settings.IMAGE_MAX_BYTES = 20_000
    data = noise_jpeg()
    assert len(data) > 20_000
    client.force_login(customer)
    response = client.post(URL, form_data(photo=upload(data)))
    assert response.status_code == 400
    form = response.context["form"]
    assert form.has_error("photo", "too_large")
    assert "the limit is 19.5\xa0KB" in form.errors["photo"][0]
    # The help text follows the setting too.
    assert "at most 19.5\xa0KB" in response.content.decode()
    assert not ServiceRequest.objects.exists()
    assert media_files() == []


def test_every_bad_photo_gets_a_different_message(settings):
    seen = {}
    for case, (build, name, _code, _message) in BAD_PHOTOS.items():
        if case == "empty upload":
            continue  # refused by the form field before process_image sees it
        with pytest.raises(ValidationError) as info:
            process_image(upload(build(), name=name))
        seen[case] = info.value.messages[0]
    # The two bombs share one message on purpose; every other case has its own.
    assert len(set(seen.values())) == len(seen) - 1, seen


def _phone_photo_with_gps() -> bytes:
    """4032×3024, left half red and right half blue, EXIF orientation 6 and a GPS position."""
    image = Image.new("RGB", (4032, 3024), (220, 0, 0))
    image.paste((0, 0, 220), (2016, 0, 4032, 3024))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (55.0, 45.0, 21.0)
    gps[3] = "E"
    gps[4] = (37.0, 37.0, 4.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85, exif=exif)
    data = buffer.getvalue()
    with Image.open(io.BytesIO(data)) as check:  # the fixture really carries GPS
        assert check.getexif().get_ifd(0x8825)[1] == "N"
    return data


def test_phone_photo_is_stored_rotated_and_without_metadata(client, customer):
    client.force_login(customer)
    response = client.post(URL, form_data(photo=upload(_phone_photo_with_gps(), "IMG_0001.JPG")))
    assert response.status_code == 302
    request_obj = ServiceRequest.objects.get()
    with request_obj.photo.open("rb") as f:
        stored_bytes = f.read()
    assert b"Exif" not in stored_bytes[:4096]
    assert b"PhoneMaker" not in stored_bytes
    with Image.open(io.BytesIO(stored_bytes)) as stored:
        assert stored.size == (3024, 4032)  # orientation applied: portrait now
        assert len(stored.getexif()) == 0
        assert "exif" not in stored.info
        # Rotated clockwise: the red left half is now on top, the blue right half below.
        top = stored.getpixel((1512, 200))
        bottom = stored.getpixel((1512, 3800))
        assert top[0] > 180 and top[2] < 60
        assert bottom[2] > 180 and bottom[0] < 60
    with request_obj.photo_thumbnail.open("rb") as f, Image.open(f) as thumb:
        assert thumb.size == (360, 480)
        assert len(thumb.getexif()) == 0


def test_a_manager_gets_the_phone_request_form_instead(client, manager):
    # Issue 12: a manager opens requests for organisations that call (tests in
    # test_workspace_phone.py); the customer's form without an organisation stores nothing.
    client.force_login(manager)
    response = client.get(URL)
    assert response.status_code == 200
    assert 'data-testid="phone-request-form"' in response.content.decode()
    response = client.post(URL, form_data())
    assert response.status_code == 400
    assert not ServiceRequest.objects.exists()
    assert media_files() == []


def test_user_without_organisation_is_told_why(client):
    loner = CustomerFactory(organisation=None)
    client.force_login(loner)
    response = client.get(URL)
    assert response.status_code == 403
    assert "Your account does not belong to an organisation" in response.content.decode()


def test_service_refuses_a_manager(manager):
    with pytest.raises(PermissionDenied):
        create_request(manager)
    assert not ServiceRequest.objects.exists()
    assert media_files() == []


def test_service_checks_the_photo_itself(customer):
    with pytest.raises(ValidationError) as info:
        create_request(customer, photo=upload(b"not an image"))
    assert info.value.message_dict["photo"] == [
        "This file is not an image. Upload a photo in JPEG, PNG or WebP."
    ]
    assert not ServiceRequest.objects.exists()
    assert media_files() == []


def test_no_orphan_files_when_the_database_insert_fails(customer, monkeypatch):
    def failing_save(self, *args, **kwargs):
        raise IntegrityError("simulated failure")

    monkeypatch.setattr(ServiceRequest, "save", failing_save)
    with pytest.raises(IntegrityError):
        create_request(customer)
    monkeypatch.undo()
    assert not ServiceRequest.objects.exists()
    assert media_files() == []


def test_creating_records_its_creation_but_no_status_step_and_no_chat_message(customer):
    """The one history starts with the creation (issue 19), and nothing more: no status
    step, no system message."""
    service_request = create_request(customer)
    (event,) = RequestEvent.objects.all()
    assert (event.service_request, event.kind, event.actor) == (
        service_request,
        "created",
        customer,
    )
    assert event.data == {"channel": "form"}
    assert event.created_at == service_request.created_at
    assert not Message.objects.exists()


def test_the_page_and_the_photo_errors_speak_russian(client, customer):
    client.force_login(customer)
    response = client.post(
        URL,
        form_data(photo=upload(b"plain text", name="photo.jpg")),
        headers={"accept-language": "ru"},
    )
    html = response.content.decode()
    assert "Новая заявка" in html
    assert "Связь и видеонаблюдение" in html
    assert "Этот файл не является изображением." in html
    assert "JPEG, PNG или WebP; не меньше 320×320 пикселей" in html
    assert "This file is not an image" not in html


@pytest.mark.django_db(transaction=True)
def test_no_orphan_files_when_the_commit_fails(customer, monkeypatch):
    from django.db import DatabaseError, connection

    def failing_commit():
        raise DatabaseError("simulated commit failure")

    monkeypatch.setattr(connection, "commit", failing_commit)
    with pytest.raises(DatabaseError):
        create_request(customer)
    monkeypatch.undo()
    assert not ServiceRequest.objects.exists()
    assert media_files() == []


def test_the_same_form_submitted_twice_makes_one_request(client, customer):
    client.force_login(customer)
    page = client.get(URL).content.decode()
    key = re.search(r'name="submission_key" value="([0-9a-f-]{36})"', page)[1]
    first = client.post(URL, form_data(submission_key=key))
    second = client.post(URL, form_data(submission_key=key))  # a double click, a resend
    request_obj = ServiceRequest.objects.get()
    assert first["Location"] == second["Location"] == f"/request/{request_obj.pk}"
    assert len(media_files()) == 2  # one photo and its thumbnail, nothing from the second
    # Only the first submission says "created".
    shown = [str(m) for m in client.get(first["Location"]).context["messages"]]
    assert shown == [f"Request #{request_obj.pk} has been created."]
    # A new form is a new request.
    client.post(URL, form_data(submission_key=str(uuid.uuid4())))
    assert ServiceRequest.objects.count() == 2


def test_two_submissions_racing_past_the_check_still_make_one_request(customer, monkeypatch):
    from tenantdesk.service_requests.services import create as services

    key = uuid.uuid4()
    first = create_request(customer, submission_key=key)
    real_lookup = services.submitted_before
    calls = []

    def lookup_that_missed_it_at_first(author, submission_key):
        calls.append(submission_key)
        return None if len(calls) == 1 else real_lookup(author, submission_key)

    monkeypatch.setattr(services, "submitted_before", lookup_that_missed_it_at_first)
    second = create_request(customer, submission_key=key)
    assert second.pk == first.pk and second.was_created is False
    assert ServiceRequest.objects.count() == 1
    assert len(media_files()) == 2  # the loser's files were removed
