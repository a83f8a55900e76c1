"""Request bodies are judged before Django reads them (tenantdesk/core/body_limit.py).

Every test drives the real ASGI application (config.asgi) with a hand-made client: its
`receive` serves the body in chunks and counts how many bytes the application pulled, so
"refused before a byte was read" is observed, not assumed.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import struct
import uuid
from dataclasses import dataclass

import pytest
from channels.db import database_sync_to_async
from django.db import OperationalError
from django.urls import URLResolver, get_resolver, reverse

from config.asgi import application
from tenantdesk.chat.models import Attachment, Message
from tenantdesk.core import body_limit
from tenantdesk.service_requests.models import ServiceRequest
from tests.factories import PASSWORD
from tests.unit.chat.helpers import make_service_request, session_cookie
from tests.unit.service_requests.helpers import noise_jpeg

pytestmark = pytest.mark.django_db(transaction=True)

MiB = 1024 * 1024
CHUNK = 64 * 1024
CSRF = secrets.token_hex(16)  # a 32-character CSRF secret; the cookie and the form agree


async def in_db(function, *args):
    """Database work from a test coroutine, in a thread that closes its connection after
    (the async ORM's shared thread would keep one open past the test database's end)."""
    return await database_sync_to_async(function)(*args)


@dataclass
class Result:
    status: int
    headers: dict[bytes, bytes]
    body: bytes
    pulled: int  # body bytes the application took from the client
    sent: int  # body bytes the client had to offer

    def json(self):
        return json.loads(self.body)


@dataclass
class Body:
    """A request body offered in CHUNK-sized pieces: real bytes, or `size` zero bytes."""

    data: bytes = b""
    size: int | None = None

    @property
    def length(self) -> int:
        return len(self.data) if self.size is None else self.size

    def pieces(self):
        if self.length == 0:
            yield b"", False
        for start in range(0, self.length, CHUNK):
            end = min(start + CHUNK, self.length)
            piece = self.data[start:end] if self.size is None else bytes(end - start)
            yield piece, end < self.length


async def call(
    path: str,
    body: Body,
    *,
    method: str = "POST",
    content_type: str = "application/x-www-form-urlencoded",
    declare_length: bool = True,
    cookie: str | None = None,
    headers: tuple = (),
) -> Result:
    request_headers = [(b"host", b"127.0.0.1"), (b"content-type", content_type.encode())]
    if declare_length:
        request_headers.append((b"content-length", str(body.length).encode()))
    else:
        request_headers.append((b"transfer-encoding", b"chunked"))
    cookies = f"csrftoken={CSRF}" + (f"; sessionid={cookie}" if cookie else "")
    request_headers += [(b"cookie", cookies.encode()), (b"x-csrftoken", CSRF.encode())]
    request_headers += list(headers)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": request_headers,
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 80),
    }
    pieces = body.pieces()
    pulled = 0
    finished = asyncio.Event()
    started: dict = {}
    chunks: list[bytes] = []

    async def receive():
        nonlocal pulled
        piece = next(pieces, None)
        if piece is None:
            # The whole body was taken: the client waits for the answer, then leaves.
            await finished.wait()
            return {"type": "http.disconnect"}
        data, more = piece
        pulled += len(data)
        return {"type": "http.request", "body": data, "more_body": more}

    async def send(message):
        if message["type"] == "http.response.start":
            started.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                finished.set()

    await asyncio.wait_for(application(scope, receive, send), timeout=60)
    assert "status" in started, "the application answered nothing"
    return Result(
        status=started["status"],
        headers={name.lower(): value for name, value in started["headers"]},
        body=b"".join(chunks),
        pulled=pulled,
        sent=body.length,
    )


def mp4_of_size(size: int) -> bytes:
    """An MP4 (ftyp box, then an mdat box) of exactly `size` bytes."""
    payload = b"isom" + struct.pack(">I", 0x200) + b"isommp42"
    ftyp = struct.pack(">I", 8 + len(payload)) + b"ftyp" + payload
    mdat_size = size - len(ftyp)
    return ftyp + struct.pack(">I", mdat_size) + b"mdat" + bytes(mdat_size - 8)


def multipart(
    fields: dict[str, str], files: list[tuple[str, bytes, str]], file_field: str = "files"
) -> tuple[Body, str]:
    boundary = "----tenantdesk" + secrets.token_hex(8)
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for filename, data, content_type in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return Body(b"".join(parts)), f"multipart/form-data; boundary={boundary}"


def video_message(video_bytes: int) -> tuple[Body, str]:
    fields = {"text": "A video of the leak", "client_id": str(uuid.uuid4())}
    return multipart(fields, [("leak.mp4", mp4_of_size(video_bytes), "video/mp4")])


@pytest.fixture
def service_request(customer):
    return make_service_request(customer)


@pytest.fixture
def messages_path(service_request):
    return reverse("chat:messages", args=[service_request.pk])


@pytest.fixture
def customer_cookie(customer):
    return session_cookie(customer)


# --- refused before anything is read ------------------------------------------------------


async def test_anonymous_200_mb_sign_in_post_gets_413_without_a_byte_read():
    result = await call(reverse("accounts:login"), Body(size=200 * 1000 * 1000))
    assert result.status == 413
    assert result.pulled == 0
    assert result.headers[b"content-type"].startswith(b"text/html")
    assert result.headers[b"connection"] == b"close"  # the unread rest cannot follow
    page = result.body.decode()
    assert "413" in page and "2.0\xa0MB" in page


async def test_anonymous_200_mb_chat_post_gets_json_413_without_a_byte_read(messages_path):
    body = Body(size=200 * 1000 * 1000)
    result = await call(messages_path, body, content_type="multipart/form-data; boundary=x")
    assert result.status == 413
    assert result.pulled == 0
    assert result.headers[b"content-type"] == b"application/json"
    assert result.json()["error"]["code"] == "too_large"
    assert "2.0\xa0MB" in result.json()["error"]["detail"]


async def test_signed_in_user_posting_a_large_body_to_a_non_upload_route_gets_413(
    customer_cookie, service_request
):
    for path in (
        reverse("chat:delivered", args=[service_request.pk]),
        reverse("service_requests:change_status", args=[service_request.pk]),
        reverse("accounts:logout"),
    ):
        result = await call(path, Body(size=3 * MiB), cookie=customer_cookie)
        assert (result.status, result.pulled) == (413, 0), path
    assert result.headers[b"content-type"].startswith(b"text/html")


async def test_signed_in_upload_over_the_upload_limit_gets_413_before_reading(
    settings, customer_cookie, messages_path
):
    limit = settings.REQUEST_BODY_MAX_BYTES + settings.CHAT_MAX_ATTACHMENTS * max(
        settings.VIDEO_MAX_BYTES, settings.IMAGE_MAX_BYTES
    )
    result = await call(messages_path, Body(size=limit + 1), cookie=customer_cookie)
    assert (result.status, result.pulled) == (413, 0)
    assert result.json()["error"]["code"] == "too_large"


async def test_a_stale_session_does_not_open_the_upload_limit(customer, messages_path):
    cookie = await in_db(session_cookie, customer)
    customer.set_password("a-new-password-42")  # signs every session of the user out
    await in_db(customer.save)
    body, content_type = video_message(3 * MiB)
    result = await call(messages_path, body, content_type=content_type, cookie=cookie)
    assert (result.status, result.pulled) == (413, 0)
    assert await in_db(Message.objects.count) == 0


async def test_an_inactive_users_session_does_not_open_the_upload_limit(customer, messages_path):
    cookie = await in_db(session_cookie, customer)
    customer.is_active = False
    await in_db(customer.save)
    body, content_type = video_message(3 * MiB)
    result = await call(messages_path, body, content_type=content_type, cookie=cookie)
    assert (result.status, result.pulled) == (413, 0)


async def test_the_refusal_speaks_the_clients_language(messages_path):
    result = await call(
        messages_path, Body(size=3 * MiB), headers=((b"accept-language", b"ru,en;q=0.5"),)
    )
    assert result.status == 413
    assert "слишком" in result.json()["error"]["detail"]


# --- uploads from signed-in users ---------------------------------------------------------


async def test_signed_in_customer_posts_a_message_with_a_video_above_the_small_limit(
    settings, customer_cookie, messages_path
):
    body, content_type = video_message(3 * MiB)
    assert body.length > settings.REQUEST_BODY_MAX_BYTES
    result = await call(messages_path, body, content_type=content_type, cookie=customer_cookie)
    assert result.status == 201, result.body[:500]
    assert result.pulled == result.sent
    attachment = await in_db(Attachment.objects.get)
    assert attachment.kind == Attachment.Kind.VIDEO and attachment.size == 3 * MiB


async def test_a_photo_above_the_small_limit_opens_a_request(settings, customer_cookie):
    photo = noise_jpeg(1400, 1000)
    settings.REQUEST_BODY_MAX_BYTES = len(photo) // 2  # the photo alone is over it
    fields = {
        "csrfmiddlewaretoken": CSRF,
        "type": "plumbing",
        "title": "Leaking pipe",
        "description": "Water under the sink.",
        "office": "101",
    }
    body, content_type = multipart(fields, [("pipe.jpg", photo, "image/jpeg")], file_field="photo")
    path = reverse("service_requests:new")
    result = await call(path, body, content_type=content_type, cookie=customer_cookie)
    assert result.status == 302, result.body[:500]
    assert result.pulled == result.sent
    assert await in_db(ServiceRequest.objects.filter(title="Leaking pipe").count) == 1


async def test_a_session_signed_with_a_fallback_secret_still_uploads(
    settings, customer, messages_path
):
    # During a SECRET_KEY rotation Django accepts, and re-keys, sessions signed with the
    # old key. The check here must not re-key it itself: the request would then arrive
    # with a session that no longer exists.
    old_key = settings.SECRET_KEY
    cookie = await in_db(session_cookie, customer)
    settings.SECRET_KEY = "a-new-secret-key-for-the-rotation-" + "y" * 20
    settings.SECRET_KEY_FALLBACKS = [old_key]
    body, content_type = video_message(3 * MiB)
    result = await call(messages_path, body, content_type=content_type, cookie=cookie)
    assert result.status == 201, result.body[:500]


# --- bodies without Content-Length ---------------------------------------------------------


async def test_anonymous_chunked_body_over_the_limit_is_cut_off_with_413(settings):
    result = await call(reverse("accounts:login"), Body(size=50 * MiB), declare_length=False)
    assert result.status == 413
    assert result.pulled <= settings.REQUEST_BODY_MAX_BYTES + CHUNK
    assert result.headers[b"connection"] == b"close"


async def test_signed_in_chunked_upload_over_the_upload_limit_is_cut_off(
    settings, customer_cookie, messages_path
):
    settings.REQUEST_BODY_MAX_BYTES = 256 * 1024
    settings.VIDEO_MAX_BYTES = settings.IMAGE_MAX_BYTES = MiB
    settings.CHAT_MAX_ATTACHMENTS = 1
    limit = 256 * 1024 + MiB
    body, content_type = video_message(4 * MiB)
    result = await call(
        messages_path, body, content_type=content_type, cookie=customer_cookie, declare_length=False
    )
    assert result.status == 413
    # More than the small limit was taken (the session raised it), never much past the
    # upload limit. (Django itself ignores a body without Content-Length; the limit is
    # about what reaches its temporary file.)
    assert limit < result.pulled <= limit + CHUNK
    assert result.json()["error"]["code"] == "too_large"
    assert await in_db(Message.objects.count) == 0


# --- ordinary requests ----------------------------------------------------------------------


async def test_ordinary_small_posts_still_work(customer, messages_path, monkeypatch):
    async def no_lookup(key):
        raise AssertionError("a small body needs no session lookup")

    monkeypatch.setattr(body_limit, "_signed_in", no_lookup)
    form = f"csrfmiddlewaretoken={CSRF}&username={customer.username}&password={PASSWORD}"
    signed_in = await call(reverse("accounts:login"), Body(form.encode()))
    assert signed_in.status == 302

    anonymous = await call(messages_path, Body(b"text=hi"))
    assert anonymous.status == 401
    assert anonymous.json()["error"]["code"] == "signed_out"

    body, content_type = multipart({"text": "Hello", "client_id": str(uuid.uuid4())}, [])
    cookie = await in_db(session_cookie, customer)
    sent = await call(messages_path, body, content_type=content_type, cookie=cookie)
    assert sent.status == 201
    assert (await in_db(Message.objects.get)).text == "Hello"

    page = await call(reverse("home"), Body(), method="GET")
    assert page.status == 200


async def test_a_failed_session_lookup_is_a_server_error_not_too_large(
    customer_cookie, messages_path, monkeypatch
):
    async def database_down(key):
        raise OperationalError("the database is down")

    monkeypatch.setattr(body_limit, "_signed_in", database_down)
    body, content_type = video_message(3 * MiB)
    result = await call(messages_path, body, content_type=content_type, cookie=customer_cookie)
    assert (result.status, result.pulled) == (500, 0)
    assert result.json()["error"]["code"] == "server_error"


def _views(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns)
        else:
            yield pattern.callback


def test_only_the_upload_views_accept_uploads_and_their_urls_resolve_to_them():
    uploads = {
        f"{view.__module__}.{view.__name__}"
        for view in _views(get_resolver().url_patterns)
        if getattr(view, "body_allowance", None) and view.body_allowance.upload_bytes
    }
    assert uploads == {
        "tenantdesk.chat.views.messages",
        "tenantdesk.service_requests.views.create.create",
        # "Add us to it" on /request/new posts the create form (its photos) to an incident.
        "tenantdesk.incidents.views_join.join",
        # Reply by e-mail from a provider: a bearer token, not a session, raises its limit.
        "tenantdesk.notifications.inbound.views._inbound_email",
        # A buildings import file (docs/places.md), from a company admin's session.
        "tenantdesk.places.views_import.import_page",
    }
    for name, args in (
        ("chat:messages", [7]),
        ("service_requests:new", []),
        ("incidents:join", [7]),
        ("inbound_email:inbound", []),
        ("places:import", []),
    ):
        assert body_limit.allowance_for(reverse(name, args=args)).upload_bytes is not None
    assert body_limit.allowance_for("/chat/7/messages/extra").upload_bytes is None
