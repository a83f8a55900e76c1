"""The chat's HTTP side, from outside: who may read, write and download what."""

import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from tenantdesk.chat import views as chat_views
from tenantdesk.chat.models import Attachment, Message
from tenantdesk.chat.services.send import message_send
from tenantdesk.service_requests.models import ServiceRequest
from tests.unit.chat.helpers import mp4_bytes, photo_upload, status_change, upload

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/")  # sets the CSRF cookie
    return client


def csrf(client):
    return {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}


def messages_url(service_request):
    return reverse("chat:messages", args=[service_request.pk])


def post_message(client, service_request, text="Hello", files=(), client_id=None):
    data = {"text": text, "client_id": client_id or str(uuid.uuid4())}
    if files:
        data["files"] = list(files)
    return client.post(messages_url(service_request), data, **csrf(client))


def test_owner_posts_and_reads_messages(customer, service_request):
    client = client_for(customer)
    response = post_message(client, service_request, "<script>alert(1)</script>")
    assert response.status_code == 201
    body = response.json()["message"]
    assert body["text"] == "<script>alert(1)</script>" and body["author_id"] == customer.pk
    listing = client.get(messages_url(service_request)).json()
    assert [m["id"] for m in listing["messages"]] == [body["id"]]
    assert listing["has_more"] is False


def test_retry_with_the_same_client_id_returns_200_and_one_message(customer, service_request):
    client = client_for(customer)
    client_id = str(uuid.uuid4())
    assert post_message(client, service_request, client_id=client_id).status_code == 201
    again = post_message(client, service_request, client_id=client_id)
    assert again.status_code == 200
    assert Message.objects.count() == 1


def test_manager_reads_and_writes_any_request(manager, service_request):
    client = client_for(manager)
    response = post_message(client, service_request, "We are coming")
    assert response.status_code == 201
    assert response.json()["message"]["author_label"] == f"{manager.username} · Manager"


def test_other_organisation_gets_404_everywhere(other_customer, customer, service_request):
    message = message_send(
        author=customer,
        service_request=service_request,
        text="",
        client_id=None,
        attachments=[photo_upload()],
    )
    attachment = message.attachments.get()
    client = client_for(other_customer)
    assert client.get(messages_url(service_request)).status_code == 404
    assert post_message(client, service_request).status_code == 404
    delivered_url = reverse("chat:delivered", args=[service_request.pk])
    assert client.post(delivered_url, {"ids": [message.pk]}, **csrf(client)).status_code == 404
    assert client.get(reverse("chat:attachment", args=[attachment.pk])).status_code == 404
    thumb = reverse("chat:attachment_thumbnail", args=[attachment.pk])
    assert client.get(thumb).status_code == 404
    request_page = reverse("service_requests:detail", args=[service_request.pk])
    assert client.get(request_page).status_code == 404
    assert Message.objects.count() == 1
    message.refresh_from_db()
    assert message.delivered_at is None


def test_missing_request_is_404_like_a_foreign_one(customer):
    client = client_for(customer)
    assert client.get("/chat/999999/messages").status_code == 404


def test_signed_out_gets_401_json_and_a_sign_in_redirect(service_request):
    client = Client()
    response = client.get(messages_url(service_request))
    assert response.status_code == 401 and response.json()["error"]["code"] == "signed_out"
    page = client.get(reverse("service_requests:detail", args=[service_request.pk]))
    assert page.status_code == 302 and "/accounts/login" in page["Location"]


def test_post_without_csrf_token_is_refused(customer, service_request):
    client = client_for(customer)
    response = client.post(messages_url(service_request), {"text": "hi"})
    assert response.status_code == 403
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "text, code",
    [("   ", "empty"), ("x" * 4001, "too_long")],
)
def test_bad_input_is_400_with_a_json_error(customer, service_request, text, code):
    client = client_for(customer)
    response = post_message(client, service_request, text)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert not Message.objects.exists()


def test_closed_request_refuses_posting_with_403(customer, manager, service_request):
    status_change(service_request, manager, ServiceRequest.Status.CLOSED)
    client = client_for(customer)
    response = post_message(client, service_request)
    assert response.status_code == 403 and response.json()["error"]["code"] == "closed"
    # Reading still works.
    assert client.get(messages_url(service_request)).status_code == 200


def test_paging_after_and_before(customer, service_request):
    ids = [
        message_send(
            author=customer, service_request=service_request, text=f"m{i}", client_id=None
        ).pk
        for i in range(5)
    ]
    client = client_for(customer)
    latest = client.get(messages_url(service_request), {"limit": 2}).json()
    assert [m["id"] for m in latest["messages"]] == ids[-2:] and latest["has_more"]
    earlier = client.get(messages_url(service_request), {"before": ids[-2], "limit": 2}).json()
    assert [m["id"] for m in earlier["messages"]] == ids[1:3]
    after = client.get(messages_url(service_request), {"after": ids[2]}).json()
    assert [m["id"] for m in after["messages"]] == ids[3:]
    bad = client.get(messages_url(service_request), {"after": "x"})
    assert bad.status_code == 400


def test_mark_delivered_over_http(customer, manager, service_request):
    message = message_send(
        author=manager, service_request=service_request, text="Hi", client_id=None
    )
    client = client_for(customer)
    url = reverse("chat:delivered", args=[service_request.pk])
    response = client.post(
        url, json.dumps({"ids": [message.pk]}), content_type="application/json", **csrf(client)
    )
    assert response.status_code == 200
    assert response.json()["receipts"][0]["id"] == message.pk
    message.refresh_from_db()
    assert message.delivered_at is not None
    bad = client.post(url, "{nope", content_type="application/json", **csrf(client))
    assert bad.status_code == 400
    # 1e400 parses as infinity; 10**30 is beyond any 64-bit id: both refused, not a 500.
    for body in ('{"ids": [1e400]}', json.dumps({"ids": [10**30]})):
        huge = client.post(url, body, content_type="application/json", **csrf(client))
        assert huge.status_code == 400 and huge.json()["error"]["code"] == "invalid_ids"
    form = client.post(url, {"ids": ["99999999999999999999"]}, **csrf(client))
    assert form.status_code == 400


def test_history_with_an_id_beyond_64_bits_is_a_400(customer, service_request):
    client = client_for(customer)
    response = client.get(messages_url(service_request), {"after": str(10**30)})
    assert response.status_code == 400


def test_attachments_upload_and_download(customer, manager, service_request):
    client = client_for(customer)
    response = post_message(
        client,
        service_request,
        "",
        files=[photo_upload("leak.jpg"), upload("clip.mp4", mp4_bytes(), "video/mp4")],
    )
    assert response.status_code == 201
    photo, video = response.json()["message"]["attachments"]
    assert photo["kind"] == "photo" and photo["thumbnail_url"]
    assert video["kind"] == "video" and video["content_type"] == "video/mp4"
    manager_client = client_for(manager)
    downloaded = manager_client.get(video["url"])
    assert downloaded.status_code == 200
    assert downloaded["Content-Type"] == "video/mp4"
    assert b"".join(downloaded.streaming_content) == mp4_bytes()
    thumb = manager_client.get(photo["thumbnail_url"])
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"


def test_a_bad_file_is_400_and_nothing_is_stored(customer, service_request):
    client = client_for(customer)
    response = post_message(
        client, service_request, "look", files=[upload("clip.mp4", b"just text", "video/mp4")]
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_attachment"
    assert not Message.objects.exists() and not Attachment.objects.exists()


def test_request_page_renders_the_chat_panel_with_its_config(customer, service_request):
    message_send(
        author=customer, service_request=service_request, text="</script><b>x</b>", client_id=None
    )
    client = client_for(customer)
    response = client.get(reverse("service_requests:detail", args=[service_request.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="chat-config"' in html and "data-chat-composer" in html
    # json_script escapes what a user typed: no raw closing script tag reaches the page.
    assert "</script><b>" not in html


def test_admin_lists_and_shows_messages(admin_client, customer, service_request):
    message = message_send(
        author=customer, service_request=service_request, text="admin can read", client_id=None
    )
    listing = admin_client.get("/admin/chat/message/")
    assert listing.status_code == 200 and "admin can read" in listing.content.decode()
    detail = admin_client.get(f"/admin/chat/message/{message.pk}/change/")
    assert detail.status_code == 200
    assert admin_client.get("/admin/chat/message/add/").status_code == 403
    # Searched by the request's number or the author's user name, each from an index.
    for term, found in (
        (f"#{service_request.pk}", [message.pk]),
        (customer.username.upper(), [message.pk]),
        (str(service_request.pk + 1), []),
        ("admin can read", []),
    ):
        response = admin_client.get("/admin/chat/message/", {"q": term})
        assert [m.pk for m in response.context["cl"].result_list] == found, term
    # Not deletable either, one by one or in bulk: the unread counts count what was sent.
    assert admin_client.get(f"/admin/chat/message/{message.pk}/delete/").status_code == 403
    admin_client.post(
        "/admin/chat/message/", {"action": "delete_selected", "_selected_action": [message.pk]}
    )
    assert Message.objects.filter(pk=message.pk).exists()


def test_videos_are_served_in_byte_ranges(customer, service_request):
    client = client_for(customer)
    data = mp4_bytes()
    response = post_message(client, service_request, "", files=[upload("c.mp4", data)])
    url = response.json()["message"]["attachments"][0]["url"]
    whole = client.get(url)
    assert whole["Accept-Ranges"] == "bytes"
    part = client.get(url, HTTP_RANGE="bytes=4-11")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 4-11/{len(data)}"
    assert b"".join(part.streaming_content) == data[4:12] == b"ftypisom"
    tail = client.get(url, HTTP_RANGE="bytes=-8")
    assert b"".join(tail.streaming_content) == data[-8:]
    beyond = client.get(url, HTTP_RANGE=f"bytes={len(data)}-")
    assert beyond.status_code == 416 and beyond["Content-Range"] == f"bytes */{len(data)}"


def test_posting_over_http_is_rate_limited_like_the_socket(customer, service_request, settings):
    settings.CHAT_SEND_RATE = 3
    client = client_for(customer)
    for i in range(3):
        assert post_message(client, service_request, f"hello {i}").status_code == 201
    refused = post_message(client, service_request, "one too many")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert Message.objects.count() == 3


@pytest.fixture
def unreachable_redis_cache(settings):
    """The shared send-limit cache pointed at a port where no Redis listens."""
    from harness.stack import free_port

    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }


def test_without_redis_a_send_is_stored_and_the_limit_counts_in_the_process(
    customer, service_request, settings, unreachable_redis_cache, caplog
):
    from tenantdesk.chat.ratelimit import cache_outage

    settings.CHAT_SEND_RATE = 3
    client = client_for(customer)
    answers = [post_message(client, service_request, f"m{n}").status_code for n in range(4)]
    assert answers == [201, 201, 201, 429]
    assert Message.objects.count() == 3
    # One warning for the whole outage, not one per send.
    warnings = [r for r in caplog.records if "send limit" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelname == "WARNING"
    assert cache_outage.is_down
    cache_outage.recovered()


@pytest.mark.parametrize("text", ["nul \x00 inside", "\x00"])
def test_text_the_database_cannot_store_is_refused(customer, service_request, text):
    client = client_for(customer)
    response = post_message(client, service_request, text)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_text"
    assert Message.objects.count() == 0


def test_json_endpoints_answer_every_error_as_json(customer, manager, service_request):
    client = client_for(customer)
    url = messages_url(service_request)
    # A closed request refuses a new message: 403, in the JSON shape.
    services_closed = ServiceRequest.objects.filter(pk=service_request.pk)
    services_closed.update(status=ServiceRequest.Status.CLOSED)
    closed = post_message(client, service_request, "too late")
    assert closed.status_code == 403
    assert closed.json()["error"]["code"] == "closed"
    # A wrong method, a missing request, a signed-out caller, a stale CSRF token.
    wrong_method = client.put(url, **csrf(client))
    assert wrong_method.status_code == 405 and wrong_method.json()["error"]["code"]
    missing = client.get(reverse("chat:messages", args=[service_request.pk + 1000]))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    signed_out = Client().get(url)
    assert signed_out.status_code == 401 and signed_out.json()["error"]["code"] == "signed_out"
    no_token = client.post(url, {"text": "x"})  # no X-CSRFToken header
    assert no_token.status_code == 403 and no_token.json()["error"]["code"] == "csrf_failed"
    # A customer may not change the status: 403 as JSON when JSON was asked for.
    status_url = reverse("service_requests:change_status", args=[service_request.pk])
    refused = client.post(
        status_url, {"status": "in_progress"}, HTTP_ACCEPT="application/json", **csrf(client)
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"


def test_a_database_outage_is_a_json_503_not_an_html_500(customer, service_request, monkeypatch):
    from django.db import OperationalError

    def database_down(**kwargs):
        raise OperationalError("the server closed the connection unexpectedly")

    monkeypatch.setattr(chat_views, "message_send", database_down)
    response = post_message(client_for(customer), service_request, "hello")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "unavailable"


def test_delivered_with_a_valid_json_body_is_not_called_invalid_json(customer, service_request):
    client = client_for(customer)
    url = reverse("chat:delivered", args=[service_request.pk])
    not_an_object = client.post(url, "[1, 2]", content_type="application/json", **csrf(client))
    assert not_an_object.status_code == 400
    assert not_an_object.json()["error"]["code"] == "invalid"
    assert "JSON" not in not_an_object.json()["error"]["detail"].split(":")[0]
    deep = "[" * 5000 + "]" * 5000
    nested = client.post(url, deep, content_type="application/json", **csrf(client))
    assert nested.status_code == 400 and nested.json()["error"]["code"] == "malformed"
    fine = client.post(url, '{"ids": []}', content_type="application/json", **csrf(client))
    assert fine.status_code == 200 and fine.json() == {"receipts": []}


def test_the_admins_message_list_counts_no_further_than_the_cap(
    admin_client, customer, service_request, monkeypatch
):
    """A table that grows with use is counted up to core.paging's cap, and says so."""
    from tenantdesk.core import paging

    monkeypatch.setattr(paging, "LIST_COUNT_CAP", 2)
    for n in range(3):
        message_send(author=customer, service_request=service_request, text=f"m{n}")
    html = admin_client.get("/admin/chat/message/").content.decode()
    assert "more than 2 messages" in html
