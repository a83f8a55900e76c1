"""/readyz's storage check on an S3-compatible store (moto's server, as in test_s3_storage)."""

import time

import pytest

from harness.stack import free_port
from tests.integration.test_s3_storage import moto_endpoint, s3  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def test_readyz_reaches_the_bucket(client, s3, settings):  # noqa: F811
    # What is checked is that the bucket is reached, not how fast: the first call builds a
    # boto3 client and moto answers its first request slowly, beyond the 2 s probe budget
    # on a loaded machine (it failed so under a parallel run).
    settings.READINESS_TIMEOUT_SECONDS = 15
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["storage"]["ok"] is True


def test_readyz_names_the_storage_when_its_endpoint_is_gone(client, s3, settings):  # noqa: F811
    settings.READINESS_TIMEOUT_SECONDS = 1
    options = settings.STORAGES["default"]["OPTIONS"]
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {**options, "endpoint_url": dead}},
    }
    started = time.monotonic()
    response = client.get("/readyz")
    # Each check is bounded by READINESS_TIMEOUT_SECONDS (core/health.py), whatever the
    # storage client's own retries; a loose ceiling, as a loaded machine took 3.2 s here.
    assert time.monotonic() - started < 10
    assert response.status_code == 503
    assert response.json()["failing"] == ["storage"]
    assert dead not in response.content.decode()
