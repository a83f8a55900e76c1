"""core.private_files: how a checked download is answered, for each kind of storage."""

import pytest
from django.core.files.storage import Storage
from django.http import Http404
from django.test import RequestFactory

from tenantdesk.core.private_files import serve_private_file
from tests.unit.service_requests.helpers import create_request

pytestmark = pytest.mark.django_db


def test_local_storage_streams_the_file(customer):
    sr = create_request(customer)
    response = serve_private_file(
        RequestFactory().get("/"), sr.photo, content_type="image/jpeg", download_name="a.jpg"
    )
    with sr.photo.open("rb") as f:
        assert b"".join(response.streaming_content) == f.read()
    assert response["Cache-Control"] == "private, max-age=300"
    assert response["Content-Disposition"] == 'inline; filename="a.jpg"'
    assert "X-Accel-Redirect" not in response


def test_nginx_gets_an_accel_redirect_when_configured(client, customer, settings):
    settings.PRIVATE_MEDIA_ACCEL_PREFIX = "/_protected/"
    sr = create_request(customer)
    client.force_login(customer)
    response = client.get(f"/request/{sr.pk}/photo")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_protected/{sr.photo.name}"
    assert response["Content-Type"] == "image/jpeg"
    assert response.content == b""  # nginx sends the bytes
    assert "private" in response["Cache-Control"]


def test_missing_file_is_404(customer):
    sr = create_request(customer)
    sr.photo.storage.delete(sr.photo.name)
    with pytest.raises(Http404):
        serve_private_file(RequestFactory().get("/"), sr.photo, content_type="image/jpeg")


def test_empty_field_is_404(customer):
    sr = create_request(customer)
    sr.photo_thumbnail = ""
    with pytest.raises(Http404):
        serve_private_file(RequestFactory().get("/"), sr.photo_thumbnail, content_type="image/jpeg")


class RemoteStorage(Storage):
    """A storage without local paths, like S3: it only knows URLs."""

    def __init__(self):
        self.calls = []

    def url(self, name, parameters=None, expire=None):
        self.calls.append((name, parameters))
        return f"https://objects.example/{name}?signature=abc"

    def exists(self, name):  # pragma: no cover - must not be needed
        raise AssertionError("a remote storage is not probed")


class FieldFileLike:
    def __init__(self, storage, name):
        self.storage = storage
        self.name = name

    def __bool__(self):
        return True


def test_storage_without_local_path_redirects_to_its_signed_url():
    storage = RemoteStorage()
    response = serve_private_file(
        RequestFactory().get("/"),
        FieldFileLike(storage, "requests/x.jpg"),
        content_type="image/jpeg",
        download_name="request-1.jpg",
    )
    assert response.status_code == 302
    assert response["Location"] == "https://objects.example/requests/x.jpg?signature=abc"
    assert response["Cache-Control"] == "private, no-store"
    ((name, parameters),) = storage.calls
    assert name == "requests/x.jpg"
    assert parameters["ResponseContentType"] == "image/jpeg"
    assert parameters["ResponseContentDisposition"] == 'inline; filename="request-1.jpg"'


@pytest.mark.parametrize(
    "header, status",
    [
        ("bytes=" + "9" * 5000 + "-", 416),  # beyond any end, however it is written
        ("bytes=0-" + "9" * 5000, 206),  # an end past the file: up to the last byte
        ("bytes=-" + "9" * 5000, 206),  # a suffix longer than the file: all of it
    ],
)
def test_ranges_with_enormous_numbers_are_answered_not_crashed(client, customer, header, status):
    sr = create_request(customer)
    client.force_login(customer)
    response = client.get(f"/request/{sr.pk}/photo", HTTP_RANGE=header)
    assert response.status_code == status
    size = sr.photo.size
    if status == 416:
        assert response["Content-Range"] == f"bytes */{size}"
    else:
        assert response["Content-Range"] == f"bytes 0-{size - 1}/{size}"
