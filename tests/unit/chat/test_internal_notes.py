"""Internal notes (docs/internal-notes.md) from the outside, over HTTP: who may write one,
and that no page, endpoint, count or download ever gives one to a customer."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tenantdesk.chat.models import Attachment, Message
from tenantdesk.chat.services.read_state import messages_mark_read
from tenantdesk.chat.services.receipts import messages_mark_delivered
from tenantdesk.chat.services.send import message_send
from tenantdesk.chat.unread import unread_counts, unread_total
from tenantdesk.service_requests.models import ServiceRequest
from tests.factories import ManagerFactory
from tests.unit.chat.helpers import photo_upload
from tests.unit.chat.test_views import client_for, csrf, messages_url, post_message

pytestmark = pytest.mark.django_db

NOTE = "Internal: the landlord pays for this one, do not tell the tenant"


def note(manager, service_request, text=NOTE, **extra):
    return message_send(
        author=manager, service_request=service_request, text=text, internal=True, **extra
    )


def test_a_manager_posts_a_note_over_http_and_managers_read_it(manager, service_request):
    client = client_for(manager)
    response = client.post(
        messages_url(service_request),
        {"text": NOTE, "client_id": str(uuid.uuid4()), "internal": "true"},
        **csrf(client),
    )
    assert response.status_code == 201
    assert response.json()["message"]["internal"] is True
    stored = Message.objects.get()
    assert stored.internal and stored.by_manager and stored.text == NOTE

    other_manager = client_for(ManagerFactory())
    listing = other_manager.get(messages_url(service_request)).json()["messages"]
    assert [(m["text"], m["internal"]) for m in listing] == [(NOTE, True)]


def test_a_customer_cannot_post_a_note_over_http_and_nothing_is_stored(customer, service_request):
    client = client_for(customer)
    for value in ("true", "1", "on"):
        response = client.post(
            messages_url(service_request),
            {"text": "let me in", "client_id": str(uuid.uuid4()), "internal": value},
            **csrf(client),
        )
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
    assert not Message.objects.exists()


def test_a_customer_cannot_post_a_note_through_the_service(customer, service_request):
    with pytest.raises(PermissionDenied):
        note(customer, service_request)
    assert not Message.objects.exists()


def test_a_bad_internal_value_is_a_400_not_a_message(manager, service_request):
    client = client_for(manager)
    response = client.post(
        messages_url(service_request),
        {"text": "x", "client_id": str(uuid.uuid4()), "internal": "maybe"},
        **csrf(client),
    )
    assert response.status_code == 400
    assert not Message.objects.exists()


def test_a_note_in_a_foreign_or_missing_request_is_a_404_for_everyone_but_managers(
    other_customer, service_request
):
    client = client_for(other_customer)
    response = client.post(
        messages_url(service_request),
        {"text": "x", "client_id": str(uuid.uuid4()), "internal": "true"},
        **csrf(client),
    )
    assert response.status_code == 404
    signed_out = post_message(client_for(other_customer), service_request)
    assert signed_out.status_code == 404
    assert not Message.objects.exists()


def test_the_messages_endpoints_never_give_a_customer_a_note(customer, manager, service_request):
    first = message_send(author=customer, service_request=service_request, text="Leak")
    hidden = note(manager, service_request)
    last = message_send(author=manager, service_request=service_request, text="On my way")
    client = client_for(customer)
    for query in ("", f"?after={first.pk - 1}", f"?before={last.pk + 1}", f"?after={first.pk}"):
        response = client.get(messages_url(service_request) + query)
        assert response.status_code == 200
        assert NOTE not in response.content.decode(), query
        ids = [m["id"] for m in response.json()["messages"]]
        assert hidden.pk not in ids and last.pk in ids, query
    # And the managers' view has it, between the two.
    listing = client_for(manager).get(messages_url(service_request)).json()["messages"]
    assert [m["id"] for m in listing] == [first.pk, hidden.pk, last.pk]


def test_the_request_page_without_and_with_scripts_never_shows_a_customer_a_note(
    customer, manager, service_request
):
    message_send(author=manager, service_request=service_request, text="Visible reply")
    note(manager, service_request)
    page = client_for(customer).get(service_request.get_absolute_url())
    html = page.content.decode()
    assert page.status_code == 200
    assert "Visible reply" in html  # the JSON for the script and the <noscript> list
    assert NOTE not in html and "landlord" not in html
    assert "data-chat-note-toggle" not in html  # no switch for customers

    managers_page = client_for(manager).get(service_request.get_absolute_url()).content.decode()
    assert managers_page.count("the landlord pays") == 2  # the JSON and the <noscript> list
    assert "data-chat-note-toggle" in managers_page


def test_a_note_is_never_unread_for_anyone(customer, manager, service_request):
    other_manager = ManagerFactory()
    note(manager, service_request)
    for person in (customer, manager, other_manager):
        assert unread_counts(user=person, service_request_ids=[service_request.pk]) == {}
        assert unread_total(user=person) == 0
    message_send(author=manager, service_request=service_request, text="Real reply")
    assert unread_counts(user=customer, service_request_ids=[service_request.pk]) == {
        service_request.pk: 1
    }


def test_a_customer_reading_gives_a_note_no_receipt(customer, manager, service_request):
    hidden = note(manager, service_request)
    reply = message_send(author=manager, service_request=service_request, text="Hi")
    delivered = messages_mark_delivered(
        reader=customer, service_request=service_request, message_ids=[hidden.pk, reply.pk]
    )
    read = messages_mark_read(reader=customer, service_request=service_request, up_to_id=reply.pk)
    assert [r["id"] for r in delivered] == [reply.pk]
    assert [r["id"] for r in read] == [reply.pk]
    hidden.refresh_from_db()
    assert hidden.delivered_at is None and hidden.read_at is None


def test_a_note_does_not_move_the_request_up_the_lists(customer, manager, service_request):
    before = timezone.now() - timezone.timedelta(days=1)
    ServiceRequest.objects.filter(pk=service_request.pk).update(last_activity_at=before)
    note(manager, service_request)
    service_request.refresh_from_db()
    assert service_request.last_activity_at == before


def test_a_note_in_a_closed_request_is_refused_like_a_message(manager, service_request):
    ServiceRequest.objects.filter(pk=service_request.pk).update(status=ServiceRequest.Status.CLOSED)
    service_request.refresh_from_db()
    with pytest.raises(PermissionDenied):
        note(manager, service_request)
    assert not Message.objects.exists()


def test_a_notes_attachment_is_a_404_for_customers(customer, manager, service_request):
    hidden = note(manager, service_request, text="see photo", attachments=[photo_upload()])
    attachment = Attachment.objects.get(message=hidden)
    for name in ("chat:attachment", "chat:attachment_thumbnail"):
        url = reverse(name, args=[attachment.pk])
        assert client_for(customer).get(url).status_code == 404
        assert client_for(manager).get(url).status_code == 200


def test_the_admin_sites_message_list_shows_notes_marked(admin_client, manager, service_request):
    hidden = note(manager, service_request)
    message_send(author=manager, service_request=service_request, text="Reply")
    listing = admin_client.get(reverse("admin:chat_message_changelist"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "column-internal" in html and "the landlord pays" in html
    only_notes = admin_client.get(reverse("admin:chat_message_changelist") + "?internal__exact=1")
    assert list(only_notes.context["cl"].result_list) == [hidden]
