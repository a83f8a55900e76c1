"""Each list row's last-message preview (issue 23, chat/list_previews.py): what the reader may
see, in their language, in one query for any number of rows."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tenantdesk.chat.list_previews import last_message_previews
from tenantdesk.chat.models import Attachment, Message
from tenantdesk.chat.services.send import message_send
from tests.unit.chat.helpers import make_service_request

pytestmark = pytest.mark.django_db

URL = "/request/list"


def test_a_customer_never_sees_an_internal_note_and_a_manager_sees_it_marked(
    client, customer, manager
):
    sr = make_service_request(customer, title="Leaking pipe")
    message_send(author=customer, service_request=sr, text="Water on the floor\nsecond line")
    message_send(author=manager, service_request=sr, text="Secret plumber note", internal=True)
    mine = last_message_previews(user=customer, service_request_ids=[sr.pk])[sr.pk]
    assert (mine.text, mine.own, mine.internal) == ("Water on the floor", True, False)
    theirs = last_message_previews(user=manager, service_request_ids=[sr.pk])[sr.pk]
    assert (theirs.text, theirs.own, theirs.internal) == ("Secret plumber note", True, True)

    client.force_login(customer)
    html = client.get(URL).content.decode()
    assert "Secret plumber note" not in html and "Note:" not in html
    assert '<span class="conv-you">You:</span> Water on the floor' in html
    client.force_login(manager)
    html = client.get(URL).content.decode()
    assert '<span class="conv-note">Note:</span> Secret plumber note' in html


def test_system_messages_in_the_readers_language_photos_and_empty_chats(customer, manager):
    sr = make_service_request(customer)
    quiet = make_service_request(customer, title="Quiet")
    Message.objects.create(
        service_request=sr,
        kind=Message.Kind.SYSTEM,
        text="Status changed",
        event={"type": "priority", "from": "normal", "to": "urgent"},
    )
    with translation.override("ru"):
        preview = last_message_previews(user=manager, service_request_ids=[sr.pk])[sr.pk]
    assert preview.system and preview.text.startswith("Приоритет")
    photo = Message.objects.create(service_request=sr, author=customer, text="")
    Attachment.objects.create(
        message=photo,
        kind=Attachment.Kind.PHOTO,
        file=ContentFile(b"x", "a.jpg"),
        content_type="image/jpeg",
        size=1,
    )
    previews = last_message_previews(user=manager, service_request_ids=[sr.pk, quiet.pk])
    assert previews[sr.pk].text == "Photo" and not previews[sr.pk].own
    assert quiet.pk not in previews


def test_one_query_for_any_number_of_rows(customer, manager):
    requests = [make_service_request(customer, title=f"R{n}") for n in range(12)]
    for sr in requests:
        message_send(author=customer, service_request=sr, text=f"hello {sr.pk}")
        message_send(author=manager, service_request=sr, text="note", internal=True)
    with CaptureQueriesContext(connection) as captured:
        previews = last_message_previews(
            user=customer, service_request_ids=[sr.pk for sr in requests]
        )
    assert len(captured.captured_queries) == 1
    assert {pk: p.text for pk, p in previews.items()} == {
        sr.pk: f"hello {sr.pk}" for sr in requests
    }


def test_nobody_signed_out_and_no_ids_cost_nothing(customer):
    from django.contrib.auth.models import AnonymousUser

    with CaptureQueriesContext(connection) as captured:
        assert last_message_previews(user=AnonymousUser(), service_request_ids=[1]) == {}
        assert last_message_previews(user=customer, service_request_ids=[]) == {}
    assert not captured.captured_queries
