import uuid
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import translation

from tenantdesk.chat import broadcast, selectors
from tenantdesk.chat.models import Attachment, Message
from tenantdesk.chat.serializers import message_data, message_for_language
from tenantdesk.chat.services import send as send_service
from tenantdesk.chat.services.attachments import attachments_prepare
from tenantdesk.chat.services.receipts import messages_mark_delivered
from tenantdesk.chat.services.send import message_send
from tenantdesk.chat.services.system_messages import request_event_message_post
from tenantdesk.core.errors import Closed
from tenantdesk.service_requests.models import ServiceRequest
from tests.factories import CustomerFactory
from tests.unit.chat.helpers import (
    mp4_bytes,
    photo_upload,
    status_change,
    upload,
    webm_bytes,
)

pytestmark = pytest.mark.django_db


def send(author, service_request, text="Hello", **kwargs):
    kwargs.setdefault("client_id", uuid.uuid4())
    return message_send(author=author, service_request=service_request, text=text, **kwargs)


def test_send_stores_the_message_and_bumps_the_request_activity(customer, service_request):
    before = service_request.last_activity_at
    message = send(customer, service_request, "  The tap still drips.\n")
    assert message.was_created
    assert message.text == "The tap still drips."
    assert message.by_manager is False
    assert message.kind == Message.Kind.USER
    service_request.refresh_from_db()
    assert service_request.last_activity_at > before
    assert service_request.last_activity_at == message.created_at


def test_a_manager_message_is_marked_as_the_manager_side(manager, service_request):
    assert send(manager, service_request).by_manager is True


def test_same_client_id_twice_stores_one_message(customer, service_request):
    client_id = uuid.uuid4()
    first = send(customer, service_request, "Once", client_id=client_id)
    second = send(customer, service_request, "Once", client_id=client_id)
    assert first.pk == second.pk
    assert second.was_created is False
    assert Message.objects.count() == 1


def test_same_client_id_from_two_authors_is_two_messages(customer, manager, service_request):
    client_id = uuid.uuid4()
    send(customer, service_request, client_id=client_id)
    send(manager, service_request, client_id=client_id)
    assert Message.objects.count() == 2


@pytest.mark.parametrize("text", ["", "   ", "\n\t \n"])
def test_empty_message_is_refused_and_nothing_is_stored(customer, service_request, text):
    with pytest.raises(ValidationError) as caught:
        send(customer, service_request, text)
    assert caught.value.code == "empty"
    assert not Message.objects.exists()


def test_too_long_message_is_refused(customer, service_request, settings):
    settings.CHAT_MESSAGE_MAX_LENGTH = 10
    send(customer, service_request, "x" * 10)
    with pytest.raises(ValidationError) as caught:
        send(customer, service_request, "x" * 11)
    assert caught.value.code == "too_long"
    assert Message.objects.count() == 1


def test_invalid_client_id_is_refused(customer, service_request):
    with pytest.raises(ValidationError) as caught:
        send(customer, service_request, client_id="not-a-uuid")
    assert caught.value.code == "invalid_client_id"
    assert not Message.objects.exists()


def test_closed_request_refuses_messages(customer, manager, service_request):
    status_change(service_request, manager, ServiceRequest.Status.CLOSED)
    with pytest.raises(Closed):
        send(customer, service_request)
    with pytest.raises(Closed):
        send(manager, service_request)
    assert not Message.objects.filter(kind=Message.Kind.USER).exists()


def test_retry_of_a_message_stored_before_closing_returns_it(customer, manager, service_request):
    client_id = uuid.uuid4()
    first = send(customer, service_request, client_id=client_id)
    status_change(service_request, manager, ServiceRequest.Status.CLOSED)
    again = send(customer, service_request, client_id=client_id)
    assert again.pk == first.pk and again.was_created is False


def test_another_organisation_cannot_send(other_customer, service_request):
    with pytest.raises(Http404):
        send(other_customer, service_request)
    assert not Message.objects.exists()


def test_photo_and_video_attachments_are_stored(customer, service_request):
    message = send(
        customer,
        service_request,
        "",
        attachments=[
            photo_upload("leak.png"),
            upload("clip.bin", mp4_bytes(), "text/plain"),
            upload("clip2", webm_bytes()),
        ],
    )
    kinds = [(a.kind, a.content_type, a.extension) for a in message.attachments.all()]
    assert kinds == [
        ("photo", "image/jpeg", "jpg"),
        ("video", "video/mp4", "mp4"),
        ("video", "video/webm", "webm"),
    ]
    photo, video, _webm = message.attachments.all()
    assert photo.thumbnail and photo.width == 640 and photo.height == 480
    assert Path(video.file.path).read_bytes() == mp4_bytes()
    assert video.file.name.endswith(".mp4") and "clip" not in video.file.name


def test_the_same_file_uploaded_twice_is_stored_twice(customer, service_request):
    first = send(customer, service_request, attachments=[upload("a.mp4", mp4_bytes())])
    second = send(customer, service_request, attachments=[upload("a.mp4", mp4_bytes())])
    one, two = first.attachments.get(), second.attachments.get()
    assert one.file.name != two.file.name
    assert Path(one.file.path).exists() and Path(two.file.path).exists()


def test_a_text_file_is_refused_and_nothing_is_stored(customer, service_request):
    with pytest.raises(ValidationError) as caught:
        send(customer, service_request, "see file", attachments=[upload("x.mp4", b"hello")])
    assert caught.value.code == "bad_attachment"
    assert not Message.objects.exists() and not Attachment.objects.exists()


def test_a_video_over_the_limit_is_refused(customer, service_request, settings):
    settings.VIDEO_MAX_BYTES = 50
    with pytest.raises(ValidationError) as caught:
        send(customer, service_request, attachments=[upload("a.mp4", mp4_bytes())])
    assert caught.value.code == "too_large"
    assert not Message.objects.exists()


def test_too_many_attachments_are_refused(customer, service_request, settings):
    settings.CHAT_MAX_ATTACHMENTS = 1
    with pytest.raises(ValidationError) as caught:
        send(customer, service_request, attachments=[photo_upload(), photo_upload()])
    assert caught.value.code == "too_many_attachments"
    assert not Message.objects.exists()


def test_a_broken_photo_gives_the_photo_checkers_message(customer, service_request):
    broken = upload("p.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 40, "image/jpeg")
    with pytest.raises(ValidationError) as caught:
        send(customer, service_request, attachments=[broken])
    assert caught.value.code in {"corrupt", "not_image", "bad_attachment"}
    assert not Message.objects.exists()


def test_manager_reading_marks_customer_messages_delivered(customer, manager, service_request):
    mine = send(customer, service_request)
    theirs = send(manager, service_request)
    # The customer's own side does not deliver the customer's message.
    assert (
        messages_mark_delivered(
            reader=customer, service_request=service_request, message_ids=[mine.pk]
        )
        == []
    )
    receipts = messages_mark_delivered(
        reader=manager, service_request=service_request, message_ids=[mine.pk, theirs.pk]
    )
    assert [r["id"] for r in receipts] == [mine.pk]
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.delivered_at is not None
    assert theirs.delivered_at is None


def test_first_delivery_time_wins(customer, manager, service_request):
    message = send(manager, service_request)
    messages_mark_delivered(
        reader=customer, service_request=service_request, message_ids=[message.pk]
    )
    message.refresh_from_db()
    first = message.delivered_at
    other = CustomerFactory(organisation=customer.organisation)
    messages_mark_delivered(reader=other, service_request=service_request, message_ids=[message.pk])
    message.refresh_from_db()
    assert message.delivered_at == first


def test_delivery_of_another_requests_message_is_ignored(customer, manager, service_request):
    from tests.unit.chat.helpers import make_service_request

    elsewhere = make_service_request(customer)
    message = send(manager, elsewhere)
    assert (
        messages_mark_delivered(
            reader=customer, service_request=service_request, message_ids=[message.pk]
        )
        == []
    )
    message.refresh_from_db()
    assert message.delivered_at is None


def test_bad_ids_are_refused(customer, service_request):
    with pytest.raises(ValidationError):
        messages_mark_delivered(reader=customer, service_request=service_request, message_ids=["x"])


def test_status_message_is_stored_and_reads_in_each_language(manager, service_request):
    change = status_change(service_request, manager, ServiceRequest.Status.IN_PROGRESS)
    message = request_event_message_post(event=change)
    assert message.kind == Message.Kind.SYSTEM and message.author is None
    assert message.event["to"] == "in_progress"
    data = message_data(message)
    with translation.override("en"):
        english = message_for_language(data)["text"]
    with translation.override("ru"):
        russian = message_for_language(data)["text"]
        russian_label = str(ServiceRequest.Status.IN_PROGRESS.label)
    assert "In progress" in english and manager.username in english
    assert russian.startswith("Статус изменён") and russian_label in russian


def test_history_pages(customer, service_request):
    ids = [send(customer, service_request, f"m{i}").pk for i in range(7)]
    latest = selectors.messages_before(service_request=service_request, limit=3)
    assert [m.pk for m in latest.messages] == ids[-3:] and latest.has_more
    earlier = selectors.messages_before(service_request=service_request, before_id=ids[-3], limit=3)
    assert [m.pk for m in earlier.messages] == ids[1:4] and earlier.has_more
    first = selectors.messages_before(service_request=service_request, before_id=ids[1], limit=3)
    assert [m.pk for m in first.messages] == ids[:1] and not first.has_more
    missed = selectors.messages_after(service_request=service_request, after_id=ids[4])
    assert [m.pk for m in missed.messages] == ids[5:] and not missed.has_more


def test_history_query_count_does_not_grow_with_messages(
    customer, service_request, django_assert_max_num_queries
):
    for i in range(10):
        send(customer, service_request, f"m{i}", attachments=[photo_upload()] if i % 3 else [])
    with django_assert_max_num_queries(2):
        page = selectors.messages_before(service_request=service_request)
        [message_data(m) for m in page.messages]


def test_sending_a_text_message_takes_a_fixed_number_of_queries(
    customer, service_request, django_assert_max_num_queries
):
    send(customer, service_request, "warm-up")
    # access check, activity bump, savepoint + insert + release, reload with author and
    # attachments: no query per earlier message or per reader.
    with django_assert_max_num_queries(9):
        send(customer, service_request, "counted")


def test_a_channel_layer_outage_does_not_undo_a_stored_message(
    customer, service_request, monkeypatch, django_capture_on_commit_callbacks
):
    class BrokenLayer:
        async def group_send(self, group, event):
            raise ConnectionError("redis is down")

    monkeypatch.setattr(broadcast, "get_channel_layer", lambda: BrokenLayer())
    with django_capture_on_commit_callbacks(execute=True):
        message = send(customer, service_request, "stored anyway")
    assert Message.objects.filter(pk=message.pk, text="stored anyway").exists()


@pytest.mark.django_db(transaction=True)
def test_photos_are_decoded_before_the_transaction_opens(customer, service_request, monkeypatch):
    # A long decode inside the write transaction would block every other writer on SQLite.
    from django.db import connection

    seen = []
    original = attachments_prepare

    def recording_prepare(files):
        seen.append(connection.in_atomic_block)
        return original(files)

    monkeypatch.setattr(send_service, "attachments_prepare", recording_prepare)
    message = message_send(
        author=customer,
        service_request=service_request,
        text="",
        client_id=None,
        attachments=[photo_upload()],
    )
    assert seen == [False]
    assert message.attachments.count() == 1


def test_people_are_shown_by_one_display_name_everywhere(customer, manager, service_request):
    from tenantdesk.service_requests.services.status import service_request_change_status

    manager.first_name, manager.last_name = "Anna", "Ivanova"
    manager.save()
    assert manager.display_name == "Anna Ivanova"
    assert customer.display_name == customer.username  # no name given: the user name
    reply = message_send(
        author=manager, service_request=service_request, text="On our way", client_id=None
    )
    with translation.override("en"):
        bubble = message_for_language(message_data(reply))
    assert bubble["author_label"] == "Anna Ivanova · Manager"
    service_request_change_status(actor=manager, service_request=service_request, status="closed")
    system = Message.objects.get(kind=Message.Kind.SYSTEM)
    with translation.override("en"):
        line = message_for_language(message_data(system))["text"]
    assert line.endswith("by Anna Ivanova.")
    assert manager.username not in line
