"""The shipped nginx site on Debian's nginx: it passes `nginx -t` with its TLS and HTTP/2
server as shipped, and in front of a recording upstream it passes exactly the headers the
app trusts (the client address nginx saw as the right-most X-Forwarded-For entry, its own
scheme and request id, whatever the client forged), hands private files over through
`/protected/`, and keeps the body limits and the HTTPS redirect."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import RequestFactory

from harness import nginx
from tenantdesk.accounts.client_ip import client_ip
from tests.scale.clients import request


def test_the_shipped_site_with_tls_and_http2_passes_nginx_t(tmp_path):
    certificate = nginx.self_signed_certificate(tmp_path / "tls")
    site = nginx.render_site(
        workers=[8001, 8002], media=tmp_path / "media", certificate=certificate
    )
    assert "listen 443 ssl http2;" in site  # the shipped listen line, unchanged
    conf = nginx.write_conf(tmp_path / "prefix", site)
    checked = nginx.config_test(conf, tmp_path / "prefix")
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


class Recorder(BaseHTTPRequestHandler):
    """An upstream that answers with the headers it received (and one X-Accel-Redirect)."""

    seen: list[dict] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        headers = {k.lower(): v for k, v in self.headers.items()}
        Recorder.seen.append(headers)
        self.send_response(200)
        if self.path == "/download":
            self.send_header("X-Accel-Redirect", "/protected/org-1/hello.txt")
        body = json.dumps(headers).encode()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    """nginx with the shipped site in front of the recorder."""
    directory = tmp_path_factory.mktemp("conf")
    media = directory / "media"
    (media / "org-1").mkdir(parents=True)
    (media / "org-1" / "hello.txt").write_text("a private file\n")
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=upstream.serve_forever, daemon=True)
    thread.start()
    server = nginx.Nginx(directory / "nginx", workers=[upstream.server_address[1]], media=media)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        upstream.shutdown()


@pytest.mark.parametrize("source", ["127.0.0.1", "127.0.0.2"])
def test_the_app_sees_the_address_nginx_saw_whatever_the_client_forged(proxied, source, settings):
    forged = {
        "X-Forwarded-For": "203.0.113.7, 198.51.100.1",
        "X-Forwarded-Proto": "https",
        "X-Request-ID": "forged-id",
    }
    answer = request(proxied.port, "GET", "/accounts/login", headers=forged, source=source)
    assert answer.status == 200
    seen = answer.json()
    assert seen["x-forwarded-for"] == f"203.0.113.7, 198.51.100.1, {source}"
    assert seen["x-forwarded-proto"] == "http"  # nginx's own scheme, not the client's
    assert seen["x-request-id"] != "forged-id"
    assert len(seen["x-request-id"]) == 32 and int(seen["x-request-id"], 16) >= 0
    # And the app's own reading of these headers, with production's one trusted proxy.
    settings.TRUSTED_PROXY_COUNT = 1
    as_django_sees_it = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=seen["x-forwarded-for"]
    )
    assert client_ip(as_django_sees_it) == source


def test_a_socket_handshake_carries_the_upgrade_and_a_request_id(proxied):
    answer = request(
        proxied.port,
        "GET",
        "/ws/request/1/",
        headers={"Upgrade": "websocket", "Connection": "Upgrade", "X-Forwarded-For": "10.9.9.9"},
    )
    seen = answer.json()
    assert seen["upgrade"] == "websocket" and seen["connection"] == "upgrade"
    assert seen["x-forwarded-for"] == "10.9.9.9, 127.0.0.1"
    assert len(seen["x-request-id"]) == 32


def test_private_files_only_through_x_accel_redirect(proxied):
    handed = request(proxied.port, "GET", "/download")
    assert handed.status == 200 and handed.body == b"a private file\n"
    direct = request(proxied.port, "GET", "/protected/org-1/hello.txt")
    assert direct.status == 404  # `internal`: never reachable from outside


def test_bodies_over_the_limit_are_refused_by_nginx_and_uploads_pass(proxied):
    three_mib = b"x" * (3 * 1024 * 1024)
    # nginx logs its own 413 at [error] level: expected here, and only here.
    with proxied.errors.expect("body too large") as window:
        assert request(proxied.port, "POST", "/accounts/login", body=three_mib).status == 413
    assert window.seen == {"body too large": 1}
    assert request(proxied.port, "POST", "/chat/7/messages", body=three_mib).status == 200


def test_plain_http_is_redirected_to_https(proxied):
    answer = request(proxied.ports.redirect, "GET", "/request/list?page=2")
    assert answer.status == 301
    assert answer.headers["location"].startswith("https://")
    assert answer.headers["location"].endswith("/request/list?page=2")
