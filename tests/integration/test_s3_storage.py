"""Request photos on an S3-compatible object store (moto's server on 127.0.0.1).

Runs in every suite run: moto is a development dependency, so no external service is
needed. The storage is switched through settings.STORAGES only, as in production.
"""

import io
import urllib.request

import boto3
import pytest
from django.db import IntegrityError
from PIL import Image

from harness.stack import free_port
from tenantdesk.service_requests.models import ServiceRequest
from tests.unit.service_requests.helpers import noise_jpeg, upload

pytestmark = pytest.mark.django_db

BUCKET = "tenantdesk-test-media"
CREDENTIALS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}


@pytest.fixture(scope="module")
def moto_endpoint():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(moto_endpoint, settings):
    client = boto3.client(
        "s3",
        endpoint_url=moto_endpoint,
        aws_access_key_id=CREDENTIALS["access_key"],
        aws_secret_access_key=CREDENTIALS["secret_key"],
        region_name=CREDENTIALS["region_name"],
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": moto_endpoint,
                **CREDENTIALS,
                "addressing_style": "path",
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 60,
                "file_overwrite": False,
            },
        },
    }
    yield client
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)


def _keys(client) -> list[str]:
    return sorted(o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


def _form(photo):
    return {
        "type": "electrical",
        "title": "No light in the corridor",
        "description": "Both lamps are dark.",
        "office": "12",
        "photo": photo,
    }


def _photo_with_gps() -> bytes:
    image = Image.new("RGB", (1200, 900), (10, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = 8  # rotate 90° counter-clockwise to display
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (55.0, 45.0, 21.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_create_stores_photo_and_thumbnail_in_the_bucket_and_serves_them_signed(
    client, customer, s3
):
    client.force_login(customer)
    response = client.post("/request/new", _form(upload(_photo_with_gps())))
    assert response.status_code == 302
    sr = ServiceRequest.objects.get()
    assert _keys(s3) == sorted([sr.photo.name, sr.photo_thumbnail.name])

    for url, stored_name, size in (
        (f"/request/{sr.pk}/photo", sr.photo.name, (900, 1200)),
        (f"/request/{sr.pk}/photo/thumb", sr.photo_thumbnail.name, (360, 480)),
    ):
        response = client.get(url)
        assert response.status_code == 302
        signed = response["Location"]
        assert signed.startswith(s3.meta.endpoint_url + f"/{BUCKET}/{stored_name}?")
        assert "Signature" in signed and "Expires" in signed
        assert "private" in response["Cache-Control"]
        with urllib.request.urlopen(signed, timeout=10) as answer:  # noqa: S310 (our moto)
            body = answer.read()
            assert answer.headers["Content-Type"] == "image/jpeg"
        assert body == s3.get_object(Bucket=BUCKET, Key=stored_name)["Body"].read()
        with Image.open(io.BytesIO(body)) as stored:
            assert stored.format == "JPEG"
            assert stored.size == size  # orientation applied
            assert len(stored.getexif()) == 0  # GPS and everything else stripped

    # Without the signature the object store refuses: the bucket is private.
    unsigned = signed.split("?", 1)[0]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(unsigned, timeout=10)  # noqa: S310
    assert refused.value.code == 403


def test_another_organisation_gets_404_not_a_signed_url(client, customer, other_customer, s3):
    client.force_login(customer)
    client.post("/request/new", _form(upload(_photo_with_gps())))
    sr = ServiceRequest.objects.get()
    client.force_login(other_customer)
    assert client.get(f"/request/{sr.pk}/photo").status_code == 404


@pytest.mark.parametrize(
    "data",
    [b"not an image", noise_jpeg()[:5000], b"<svg xmlns='http://www.w3.org/2000/svg'/>"],
    ids=["text", "truncated", "svg"],
)
def test_bad_photos_leave_the_bucket_empty(client, customer, s3, data):
    client.force_login(customer)
    response = client.post("/request/new", _form(upload(data)))
    assert response.status_code == 400
    assert response.context["form"].errors["photo"]
    assert not ServiceRequest.objects.exists()
    assert _keys(s3) == []


def test_failed_insert_removes_the_uploaded_objects(customer, s3, monkeypatch):
    from tests.unit.service_requests.helpers import create_request

    def failing_save(self, *args, **kwargs):
        raise IntegrityError("simulated failure")

    monkeypatch.setattr(ServiceRequest, "save", failing_save)
    with pytest.raises(IntegrityError):
        create_request(customer)
    monkeypatch.undo()
    assert not ServiceRequest.objects.exists()
    assert _keys(s3) == []
