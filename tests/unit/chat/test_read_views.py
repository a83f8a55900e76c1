"""Reading over HTTP, from outside: POST /chat/<id>/read (the socket's message.read for a
page whose socket is down), the <noscript> read marker of a page opened without
JavaScript, and read state in what the pages show."""

import html
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from tenantdesk.chat.models import Message, ReadCursor
from tenantdesk.chat.read_marker import read_marker_token
from tenantdesk.chat.services.read_state import messages_mark_read
from tenantdesk.chat.services.send import message_send
from tests.unit.chat.helpers import make_service_request, status_change

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/")  # sets the CSRF cookie
    return client


def csrf(client):
    return {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}


def read_url(service_request):
    return reverse("chat:read", args=[service_request.pk])


def post_read(client, service_request, body, as_json=True):
    if as_json:
        return client.post(
            read_url(service_request),
            json.dumps(body) if not isinstance(body, str) else body,
            content_type="application/json",
            **csrf(client),
        )
    return client.post(read_url(service_request), body, **csrf(client))


def send(author, service_request, text="hello"):
    return message_send(author=author, service_request=service_request, text=text)


def detail_html(client, service_request) -> str:
    response = client.get(reverse("service_requests:detail", args=[service_request.pk]))
    assert response.status_code == 200
    return response.content.decode()


def chat_config(page: str) -> dict:
    match = re.search(r'<script id="chat-config" type="application/json">(.*?)</script>', page)
    return json.loads(match.group(1))


# --- POST /chat/<id>/read -------------------------------------------------------------------


def test_manager_reads_a_customers_messages_over_http(customer, manager, service_request):
    first = send(customer, service_request, "one")
    second = send(customer, service_request, "two")
    client = client_for(manager)
    response = post_read(client, service_request, {"up_to_id": second.pk})
    assert response.status_code == 200
    receipts = response.json()["receipts"]
    assert [(r["id"], r["status"]) for r in receipts] == [(first.pk, "read"), (second.pk, "read")]
    assert all(r["read_at"] for r in receipts)
    assert ReadCursor.objects.get(user=manager).last_read_id == second.pk
    # The same report again moves nothing and says so.
    assert post_read(client, service_request, {"up_to_id": second.pk}).json() == {"receipts": []}


def test_a_customer_reads_with_a_form_post_too(customer, manager, service_request):
    reply = send(manager, service_request, "on our way")
    response = post_read(client_for(customer), service_request, {"up_to_id": reply.pk}, False)
    assert response.status_code == 200
    reply.refresh_from_db()
    assert reply.read_at is not None and reply.delivered_at is not None


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"up_to_id": "seven"},
        {"up_to_id": -1},
        {"up_to_id": 2**63},
        {"up_to_id": True},
        {"up_to_id": [1]},
        "[1, 2]",
        "{not json",
    ],
)
def test_a_bad_read_report_is_400_and_moves_nothing(customer, manager, service_request, body):
    send(customer, service_request)
    response = post_read(client_for(manager), service_request, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("invalid", "malformed")
    assert not ReadCursor.objects.exists()
    assert not Message.objects.filter(read_at__isnull=False).exists()


def test_another_organisation_gets_404_and_nothing_moves(
    customer, other_customer, manager, service_request
):
    reply = send(manager, service_request)
    response = post_read(client_for(other_customer), service_request, {"up_to_id": reply.pk})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not ReadCursor.objects.exists()
    reply.refresh_from_db()
    assert reply.read_at is None


def test_a_missing_request_is_404_like_a_foreign_one(customer):
    client = client_for(customer)
    response = client.post(
        "/chat/999999/read", {"up_to_id": 1}, content_type="application/json", **csrf(client)
    )
    assert response.status_code == 404


def test_signed_out_gets_401_json(customer, service_request):
    message = send(customer, service_request)
    response = Client().post(
        read_url(service_request), {"up_to_id": message.pk}, content_type="application/json"
    )
    assert response.status_code == 401 and response.json()["error"]["code"] == "signed_out"
    assert not ReadCursor.objects.exists()


def test_read_needs_post_and_a_csrf_token(customer, manager, service_request):
    message = send(customer, service_request)
    client = client_for(manager)
    assert client.get(read_url(service_request)).status_code == 405
    no_token = client.post(
        read_url(service_request), {"up_to_id": message.pk}, content_type="application/json"
    )
    assert no_token.status_code == 403
    assert not ReadCursor.objects.exists()


def test_reading_a_closed_request_still_works(customer, manager, service_request):
    reply = send(manager, service_request)
    status_change(service_request, manager, "closed")
    response = post_read(client_for(customer), service_request, {"up_to_id": reply.pk})
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["receipts"]] == [reply.pk]


# --- what the pages show --------------------------------------------------------------------


def test_opening_the_page_with_javascript_marks_nothing_read(customer, manager, service_request):
    """The server cannot tell a tab in the background from one being looked at: only the
    page's script (on screen, visible, focused) or the <noscript> image reports reading."""
    reply = send(manager, service_request)
    page = detail_html(client_for(customer), service_request)
    assert not ReadCursor.objects.exists()
    reply.refresh_from_db()
    assert reply.read_at is None
    config = chat_config(page)
    assert config["readUpTo"] == 0 and config["readUrl"] == read_url(service_request)
    assert config["strings"]["read"] == "Read"


def test_the_sender_sees_read_in_the_pages_data_and_in_sync(customer, manager, service_request):
    own = send(customer, service_request, "mine")
    later = send(customer, service_request, "not read yet")
    messages_mark_read(reader=manager, service_request=service_request, up_to_id=own.pk)
    client = client_for(customer)
    statuses = {
        m["id"]: m["status"]
        for m in chat_config(detail_html(client, service_request))["initial"]["messages"]
    }
    assert statuses == {own.pk: "read", later.pk: "sent"}
    listing = client.get(reverse("chat:messages", args=[service_request.pk])).json()
    first = listing["messages"][0]
    assert first["status"] == "read" and first["read_at"] and first["delivered_at"]


def test_a_page_opened_without_javascript_marks_what_it_showed(customer, manager, service_request):
    replies = [send(manager, service_request, f"reply {i}") for i in range(3)]
    client = client_for(customer)
    page = detail_html(client, service_request)
    noscript = page[
        page.index("<noscript>\n") : page.index("</noscript>", page.index("<noscript>\n"))
    ]
    # The messages themselves are there without a script, as text.
    assert "reply 2" in noscript
    marker = re.search(r'<img src="([^"]+)"[^>]*data-testid="chat-read-marker"', noscript)
    assert marker, noscript
    assert not ReadCursor.objects.exists()  # rendering the page read nothing

    response = client.get(html.unescape(marker.group(1)))
    assert response.status_code == 204
    assert ReadCursor.objects.get(user=customer).last_read_id == replies[-1].pk
    assert Message.objects.filter(read_at__isnull=False).count() == 3
    # Nothing new since: no marker on the next opening.
    assert "chat-read-marker" not in detail_html(client, service_request)


def test_a_read_marker_works_only_for_its_person_and_request(
    customer, other_customer, manager, service_request
):
    colleague_request = make_service_request(customer, title="Another")
    reply = send(manager, service_request)
    token = read_marker_token(
        user_id=customer.pk, service_request_id=service_request.pk, up_to_id=reply.pk
    )
    url = reverse("chat:read_marker", args=[service_request.pk, token])
    # Another organisation: 404, like a request that does not exist.
    assert client_for(other_customer).get(url).status_code == 404
    # The customer's token on another request, or altered, or for a manager: 404.
    client = client_for(customer)
    elsewhere = reverse("chat:read_marker", args=[colleague_request.pk, token])
    assert client.get(elsewhere).status_code == 404
    assert client.get(url[:-2] + "xx").status_code == 404
    assert client_for(manager).get(url).status_code == 404
    # Signed out: the sign-in page, like the request page itself.
    signed_out = Client().get(url)
    assert signed_out.status_code == 302 and "/accounts/login" in signed_out["Location"]
    assert not ReadCursor.objects.exists()
    assert client.get(url).status_code == 204
    assert ReadCursor.objects.get(user=customer).last_read_id == reply.pk


def test_the_page_says_where_the_reader_had_read_to(customer, manager, service_request):
    first = send(manager, service_request, "one")
    send(manager, service_request, "two")
    messages_mark_read(reader=customer, service_request=service_request, up_to_id=first.pk)
    config = chat_config(detail_html(client_for(customer), service_request))
    assert config["readUpTo"] == first.pk
    assert config["strings"]["newMessages"] == "New messages"
