"""Several photos at creation: 1 to 5, each checked like the single photo, written in one
transaction with every file removed on failure, each served after the page's access check."""

import re
from unittest import mock

import pytest
from django.conf import settings

from tenantdesk.core.body_limit import allowance_for, upload_limit
from tenantdesk.service_requests.models import RequestPhoto, ServiceRequest
from tenantdesk.service_requests.services.create import service_request_create
from tests.unit.service_requests.helpers import good_upload, media_files, upload

pytestmark = pytest.mark.django_db

URL = "/request/new"


def form_data(photos):
    return {
        "type": "plumbing",
        "title": "Leak under the sink",
        "description": "Water on the floor.",
        "office": "101",
        "photo": photos,
    }


def test_three_photos_make_one_request_with_photos_one_to_three(client, customer):
    client.force_login(customer)
    response = client.post(URL, form_data([good_upload(f"p{i}.jpg") for i in range(3)]))
    assert response.status_code == 302
    sr = ServiceRequest.objects.get()
    assert sr.photo and sr.photo_thumbnail
    extra = list(RequestPhoto.objects.filter(service_request=sr))
    assert [p.position for p in extra] == [2, 3]
    assert len(media_files()) == 6  # three photos and three thumbnails
    page = client.get(f"/request/{sr.pk}").content.decode()
    assert 'data-testid="request-photo-thumb"' in page
    assert f'src="/request/{sr.pk}/photos/2/thumb"' in page
    assert f'src="/request/{sr.pk}/photos/3/thumb"' in page
    assert 'id="photo-modal-3"' in page


def test_the_input_takes_several_files_and_says_how_many(client, customer):
    client.force_login(customer)
    html = client.get(URL).content.decode()
    (tag,) = re.findall(r'<input type="file" name="photo"[^>]*>', html)
    assert " multiple" in tag and 'accept="image/jpeg,image/png,image/webp"' in tag
    assert "1 to 5 photos." in html


def test_six_photos_are_refused_and_nothing_is_stored(client, customer):
    client.force_login(customer)
    response = client.post(URL, form_data([good_upload() for _ in range(6)]))
    assert response.status_code == 400
    assert "Attach at most 5 photos; you chose 6." in response.content.decode()
    assert not ServiceRequest.objects.exists() and not media_files()


def test_a_bad_third_photo_is_named_and_nothing_is_stored(client, customer):
    client.force_login(customer)
    photos = [good_upload(), good_upload(), upload(b"just some text", name="notes.jpg")]
    response = client.post(URL, form_data(photos))
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["photo"] == [
        "Photo 3: This file is not an image. Upload a photo in JPEG, PNG or WebP."
    ]
    assert form.has_error("photo", "not_image")
    assert not ServiceRequest.objects.exists() and not RequestPhoto.objects.exists()
    assert not media_files()


def test_a_failure_while_storing_removes_every_file_and_row(customer):
    photos = [good_upload() for _ in range(3)]
    with (
        mock.patch.object(RequestPhoto, "save", side_effect=RuntimeError("disk gone")),
        pytest.raises(RuntimeError),
    ):
        service_request_create(
            author=customer,
            photos=photos,
            type="plumbing",
            title="Leak",
            description="Water.",
            office="1",
        )
    assert not ServiceRequest.objects.exists() and not RequestPhoto.objects.exists()
    assert not media_files()


def test_a_resubmitted_form_returns_the_first_request_and_its_photos(customer):
    key = "0d4b3a8e-1f5c-4c39-9d3e-5a1b8b7c6d5e"
    fields = {"type": "plumbing", "title": "Leak", "description": "Water.", "office": "1"}
    first = service_request_create(
        author=customer, photos=[good_upload(), good_upload()], submission_key=key, **fields
    )
    again = service_request_create(
        author=customer, photos=[good_upload(), good_upload()], submission_key=key, **fields
    )
    assert again.pk == first.pk and again.was_created is False
    assert RequestPhoto.objects.count() == 1
    assert len(media_files()) == 4


def test_the_create_route_admits_five_full_photos():
    assert upload_limit(allowance_for(URL)) == (
        settings.REQUEST_BODY_MAX_BYTES + 5 * settings.IMAGE_MAX_BYTES
    )


# --- each photo behind the page's access check -----------------------------------------------


@pytest.fixture
def sr_with_photos(customer):
    return service_request_create(
        author=customer,
        photos=[good_upload(), good_upload()],
        type="plumbing",
        title="Leak",
        description="Water.",
        office="1",
    )


@pytest.mark.parametrize("suffix", ["", "/thumb"])
def test_customer_and_manager_get_each_photo(client, customer, manager, sr_with_photos, suffix):
    for user in (customer, manager):
        client.force_login(user)
        for position in (1, 2):
            response = client.get(f"/request/{sr_with_photos.pk}/photos/{position}{suffix}")
            assert response.status_code == 200
            assert response["Content-Type"] == "image/jpeg"
            assert "private" in response["Cache-Control"]
            b"".join(response.streaming_content)


def test_another_organisation_gets_404_for_every_photo(client, other_customer, sr_with_photos):
    client.force_login(other_customer)
    for path in ("1", "2", "2/thumb"):
        assert client.get(f"/request/{sr_with_photos.pk}/photos/{path}").status_code == 404


def test_a_signed_out_visitor_is_sent_to_sign_in(client, sr_with_photos):
    response = client.get(f"/request/{sr_with_photos.pk}/photos/2")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login?next=")


def test_a_missing_position_is_404(client, customer, sr_with_photos):
    client.force_login(customer)
    assert client.get(f"/request/{sr_with_photos.pk}/photos/3").status_code == 404
    assert client.get(f"/request/{sr_with_photos.pk}/photos/0").status_code == 404
