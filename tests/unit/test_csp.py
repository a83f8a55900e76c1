"""The Content-Security-Policy: on every response, strict, and admitting the S3 bucket the
photo and video downloads redirect to when one is configured."""

import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from tests.unit.chat.helpers import make_service_request

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]

POLICY = {
    "default-src": {"'none'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:", "blob:"},
    "media-src": {"'self'", "blob:"},
    "connect-src": {"'self'"},
    "manifest-src": {"'self'"},
    "form-action": {"'self'"},
    "frame-ancestors": {"'none'"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
}


def directives(header: str) -> dict[str, set[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in parsed, f"{name} given twice"
        parsed[name] = set(sources)
    return parsed


class InlineCode(HTMLParser):
    """Collects what the policy would block in a page: inline scripts, on*= handlers,
    style attributes and javascript: links. (JSON data blocks are never executed.)"""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and "src" not in attrs and attrs.get("type") != "application/json":
            self.found.append(f"inline <script> at line {self.getpos()[0]}")
        for name, value in attrs.items():
            if name.startswith("on") or name == "style":
                self.found.append(f"<{tag} {name}=...> at line {self.getpos()[0]}")
            if name in ("href", "src", "action") and (value or "").strip().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}=javascript:...> at line {self.getpos()[0]}")


def assert_strict_policy(response):
    assert "Content-Security-Policy" in response, response.request["PATH_INFO"]
    assert directives(response["Content-Security-Policy"]) == POLICY
    if response.get("Content-Type", "").startswith("text/html"):
        parser = InlineCode()
        parser.feed(response.content.decode())
        assert parser.found == [], response.request["PATH_INFO"]


def boom(request):
    raise RuntimeError("a bug")


# This module is also a URLconf (see test_the_server_error_page): the site plus a view
# that fails.
urlpatterns = [path("boom", boom), *site_urlpatterns]
handler500 = "tenantdesk.core.views.server_error"


@pytest.fixture
def service_request(customer):
    return make_service_request(customer)


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("root", "root@example.com", "x")


def get_as(user, url, **extra):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(url, **extra)


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/", 200),
        ("/accounts/register", 200),
        ("/accounts/login", 200),
        ("/request/list", 302),  # to the sign-in page
        ("/no-such-page", 404),
        ("/admin/login/", 200),
        ("/static/css/ui.css", 200),  # served by WhiteNoise, before the views
        ("/static/js/ui.js", 200),
    ],
)
def test_signed_out_responses_carry_the_policy(url, status):
    response = get_as(None, url)
    assert response.status_code == status
    assert_strict_policy(response)


def test_customer_pages_and_json_carry_the_policy(customer, service_request):
    for url, status in [
        ("/", 200),
        ("/request/new", 200),
        ("/request/list", 200),
        (f"/request/{service_request.pk}", 200),
        (f"/request/{service_request.pk + 1000}", 404),
        (f"/chat/{service_request.pk}/messages", 200),  # JSON
        (f"/request/{service_request.pk}/photo/thumb", 200),  # a private file
        ("/admin/", 302),
    ]:
        response = get_as(customer, url)
        assert response.status_code == status, url
        assert_strict_policy(response)
    client = Client()
    client.force_login(customer)
    # The refusal of a customer's status change is a page of its own.
    response = client.post(f"/request/{service_request.pk}/status", {"status": "closed"})
    assert response.status_code == 403
    assert_strict_policy(response)


def test_manager_and_admin_pages_carry_the_policy(manager, superuser, customer, service_request):
    for user, url, status in [
        (manager, "/request/new", 200),  # a request taken by phone (issue 12)
        (manager, f"/request/{service_request.pk}", 200),
        (manager, "/admin/", 200),
        (manager, f"/admin/service_requests/servicerequest/{service_request.pk}/change/", 200),
        (superuser, "/admin/accounts/user/", 200),
        (superuser, f"/admin/accounts/user/{customer.pk}/change/", 200),
        (superuser, "/admin/accounts/signinevent/", 200),
    ]:
        response = get_as(user, url)
        assert response.status_code == status, url
        assert_strict_policy(response)


def test_the_locked_out_page_carries_the_policy(customer):
    client = Client()
    for _ in range(4):
        response = client.post(
            "/accounts/login", {"username": customer.username, "password": "wrong"}
        )
    assert response.status_code == 429
    assert_strict_policy(response)


def test_error_pages_carry_the_policy():
    csrf = Client(enforce_csrf_checks=True).post("/accounts/login", {"username": "x"})
    assert csrf.status_code == 403
    assert_strict_policy(csrf)
    bad_host = Client().get("/", HTTP_HOST="evil.example.com")
    assert bad_host.status_code == 400
    assert_strict_policy(bad_host)


@pytest.mark.urls(__name__)
def test_the_server_error_page_carries_the_policy():
    client = Client(raise_request_exception=False)
    response = client.get("/boom")
    assert response.status_code == 500
    assert_strict_policy(response)


def test_the_inline_code_check_finds_what_the_policy_blocks():
    parser = InlineCode()
    parser.feed(
        '<script type="application/json">{}</script><script src="/s.js"></script>'
        "<script>x()</script><select onchange=\"f()\"></select><div style='width: 0'></div>"
        '<a href="javascript:void 0">x</a>'
    )
    assert len(parser.found) == 4


S3_CASES = [
    # an S3-compatible store (MinIO, Yandex, ...): path-style URLs on the endpoint
    {"S3_BUCKET": "desk-media", "S3_ENDPOINT_URL": "https://storage.example.com:9000"},
    # AWS: the bucket's own host name...
    {"S3_BUCKET": "desk-media", "S3_REGION": "eu-central-1"},
    # ...unless the name has dots, which TLS host names cannot: path-style, regional host
    {"S3_BUCKET": "desk.media", "S3_REGION": "eu-central-1"},
    {"S3_BUCKET": "desk.media"},
]


@pytest.mark.parametrize("s3_env", S3_CASES, ids=lambda env: "-".join(env.values()))
def test_with_s3_the_signed_urls_origin_is_allowed_for_images_and_media(s3_env):
    # A fresh process: settings read the environment once, at start.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "S3_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        S3_ACCESS_KEY_ID="testing",
        S3_SECRET_ACCESS_KEY="testing",
        **s3_env,
    )
    code = (
        "from csp.utils import build_policy;"
        "from django.core.files.storage import default_storage;"
        "print(build_policy());"
        "print(default_storage.url('chat/2026/01/photo.jpg'))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    header, signed_url = result.stdout.strip().splitlines()[-2:]
    url = urlsplit(signed_url)
    origin = f"{url.scheme}://{url.netloc}"
    policy = directives(header)
    assert origin in policy["img-src"] and origin in policy["media-src"]
    # Only that origin is added, and nowhere else.
    assert policy["img-src"] - POLICY["img-src"] == {origin}
    assert policy["media-src"] - POLICY["media-src"] == {origin}
    assert {k: v for k, v in policy.items() if k not in ("img-src", "media-src")} == {
        k: v for k, v in POLICY.items() if k not in ("img-src", "media-src")
    }
