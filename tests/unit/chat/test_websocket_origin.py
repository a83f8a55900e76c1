"""Which pages may open the chat socket: only the site's own origins (scheme, host, port).

Each case is a real handshake through config.asgi's application; a refused one is denied
before the consumer runs (the handshake fails), an accepted one reaches the consumer.
"""

import pytest
from channels.testing import WebsocketCommunicator

from config.asgi import application
from tests.unit.chat.helpers import session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


async def handshake(service_request, cookie, *, host, origin=None, scheme="ws", extra=()):
    headers = [(b"host", host.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    headers.append((b"cookie", f"sessionid={cookie}".encode()))
    headers.extend(extra)
    communicator = WebsocketCommunicator(
        application, f"/ws/request/{service_request.pk}/", headers=headers
    )
    communicator.scope["scheme"] = scheme
    connected, _code = await communicator.connect(timeout=10)
    await communicator.disconnect()
    return connected


@pytest.fixture
def cookie(customer):
    return session_cookie(customer)


@pytest.mark.parametrize(
    "host, origin, scheme",
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000", "ws"),
        ("localhost:8000", "http://localhost:8000", "ws"),
        ("127.0.0.1", "http://127.0.0.1", "ws"),
        ("127.0.0.1", "http://127.0.0.1:80", "ws"),  # the default port, written out
        ("127.0.0.1:4443", "https://127.0.0.1:4443", "wss"),
        # Browsers never send a path; if something does, its origin part is what counts.
        ("127.0.0.1:8000", "http://127.0.0.1:8000/path", "ws"),
    ],
)
async def test_the_sites_own_pages_may_open_the_socket(
    service_request, cookie, host, origin, scheme
):
    assert await handshake(service_request, cookie, host=host, origin=origin, scheme=scheme)


@pytest.mark.parametrize(
    "host, origin",
    [
        ("127.0.0.1:8000", "http://127.0.0.1:9999"),  # another port of the same host
        ("127.0.0.1:8000", "https://127.0.0.1:8000"),  # another scheme
        ("127.0.0.1:8000", "https://127.0.0.1:4443"),
        ("127.0.0.1:8000", "http://evil.example"),
        ("127.0.0.1:8000", "null"),  # sandboxed frames, file: pages
        ("127.0.0.1:8000", None),  # no Origin at all
        ("evil.example:8000", "http://evil.example:8000"),  # a Host outside ALLOWED_HOSTS
    ],
)
async def test_any_other_origin_is_refused(service_request, cookie, host, origin):
    assert not await handshake(service_request, cookie, host=host, origin=origin)


async def test_two_origin_headers_are_refused(service_request, cookie):
    assert not await handshake(
        service_request,
        cookie,
        host="127.0.0.1:8000",
        origin="http://127.0.0.1:8000",
        extra=[(b"origin", b"http://127.0.0.1:9999")],
    )


async def test_behind_a_tls_proxy_the_https_origin_is_the_sites_own(
    service_request, cookie, settings
):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = ["desk.example.com"]
    tls = [(b"x-forwarded-proto", b"https")]
    host = "desk.example.com"
    assert await handshake(
        service_request, cookie, host=host, origin="https://desk.example.com", extra=tls
    )
    assert not await handshake(
        service_request, cookie, host=host, origin="http://desk.example.com", extra=tls
    )
    # Without the proxy's word the site is plain HTTP.
    assert not await handshake(
        service_request, cookie, host=host, origin="https://desk.example.com"
    )


async def test_csrf_trusted_origins_are_own_origins(service_request, cookie, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://desk.example.com", "https://*.tenants.example"]
    host = "127.0.0.1:8000"
    for origin in ("https://desk.example.com", "https://a.tenants.example"):
        assert await handshake(service_request, cookie, host=host, origin=origin), origin
    for origin in ("http://desk.example.com", "https://desk.example.com:8443", "https://x.example"):
        assert not await handshake(service_request, cookie, host=host, origin=origin), origin
