"""Pages and JSON answers are gzipped for a browser that accepts it; files are not."""

import gzip

import pytest
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.test import Client

from tenantdesk.core.compression import PageGZipMiddleware
from tests.unit.chat.helpers import make_service_request

pytestmark = pytest.mark.django_db


def test_a_page_is_gzipped_for_a_browser_that_accepts_it(customer):
    service_request = make_service_request(customer)
    client = Client()
    client.force_login(customer)
    plain = client.get(f"/request/{service_request.pk}")
    zipped = client.get(f"/request/{service_request.pk}", HTTP_ACCEPT_ENCODING="gzip, br")
    assert "Content-Encoding" not in plain
    assert zipped["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped["Vary"]
    assert b"chat-composer" in gzip.decompress(zipped.content)
    assert len(zipped.content) < len(plain.content) / 3
    assert "Content-Security-Policy" in zipped


@pytest.mark.parametrize(
    "make, compressed",
    [
        (lambda: JsonResponse({"text": "x" * 500}), True),
        (lambda: HttpResponse(b"x" * 500, content_type="image/svg+xml"), False),
        (lambda: StreamingHttpResponse([b"x" * 500], content_type="image/jpeg"), False),
        (lambda: StreamingHttpResponse([b"<p>" * 500], content_type="text/html"), False),
    ],
    ids=["json", "svg", "streamed photo", "streamed html"],
)
def test_json_is_gzipped_files_and_streams_are_not(rf, make, compressed):
    middleware = PageGZipMiddleware(lambda request: make())
    answer = middleware(rf.get("/", HTTP_ACCEPT_ENCODING="gzip"))
    assert (answer.get("Content-Encoding") == "gzip") is compressed
