"""Read positions and unread counts (chat.unread, chat.services.messages_mark_read)."""

import pytest
from django.http import Http404

from tenantdesk.chat import services
from tenantdesk.chat.models import Message, ReadCursor
from tenantdesk.chat.unread import unread_counts, unread_total
from tenantdesk.service_requests.services import service_request_change_status
from tests.factories import CustomerFactory, ManagerFactory
from tests.unit.chat.helpers import make_service_request

pytestmark = pytest.mark.django_db


def send(author, service_request, text="hello"):
    return services.message_send(author=author, service_request=service_request, text=text)


def test_only_the_other_sides_people_messages_are_unread(customer, manager, service_request):
    colleague = CustomerFactory(organisation=customer.organisation)
    send(customer, service_request)
    send(colleague, service_request)
    send(manager, service_request)
    service_request_change_status(
        actor=manager, service_request=service_request, status="in_progress"
    )

    assert unread_counts(user=customer, service_request_ids=[service_request.pk]) == {
        service_request.pk: 1
    }
    assert unread_counts(user=manager, service_request_ids=[service_request.pk]) == {
        service_request.pk: 2
    }
    assert unread_total(user=customer) == 1
    assert unread_total(user=manager) == 2


def test_reading_moves_the_cursor_forward_only_and_marks_the_other_sides_messages(
    customer, manager, service_request
):
    first = send(customer, service_request, "one")
    second = send(customer, service_request, "two")
    own = send(manager, service_request, "mine")

    receipts = services.messages_mark_read(
        reader=manager, service_request=service_request, up_to_id=first.pk
    )
    assert [r["id"] for r in receipts] == [first.pk]
    assert receipts[0]["status"] == "read"
    assert unread_counts(user=manager, service_request_ids=[service_request.pk]) == {
        service_request.pk: 1
    }

    receipts = services.messages_mark_read(
        reader=manager, service_request=service_request, up_to_id=own.pk + 1000
    )
    assert [r["id"] for r in receipts] == [second.pk]  # cut to the last message; own skipped
    assert ReadCursor.objects.get(user=manager).last_read_id == own.pk
    # Going back changes nothing.
    assert (
        services.messages_mark_read(
            reader=manager, service_request=service_request, up_to_id=first.pk
        )
        == []
    )
    assert ReadCursor.objects.get(user=manager).last_read_id == own.pk
    assert unread_total(user=manager) == 0
    own.refresh_from_db()
    assert own.read_at is None  # a manager's message is read by a customer, not a manager
    first.refresh_from_db()
    assert first.read_at is not None and first.delivered_at is not None


def test_another_manager_still_has_it_unread_though_the_sender_sees_read(
    customer, manager, service_request
):
    other_manager = ManagerFactory()
    message = send(customer, service_request)
    services.messages_mark_read(
        reader=manager, service_request=service_request, up_to_id=message.pk
    )
    assert Message.objects.get(pk=message.pk).read_at is not None
    assert unread_total(user=other_manager) == 1


def test_a_foreign_request_cannot_be_marked_read(customer, other_customer, manager):
    foreign = make_service_request(other_customer)
    message = send(manager, foreign)
    with pytest.raises(Http404):
        services.messages_mark_read(reader=customer, service_request=foreign, up_to_id=message.pk)
    assert not ReadCursor.objects.exists()
    assert unread_total(user=other_customer) == 1


def test_counts_take_one_query_for_any_number_of_requests(
    customer, manager, django_assert_num_queries
):
    requests = [make_service_request(customer) for _ in range(5)]
    for service_request in requests:
        send(customer, service_request)
    services.messages_mark_read(reader=manager, service_request=requests[0], up_to_id=10**9)
    with django_assert_num_queries(1):
        counts = unread_counts(user=manager, service_request_ids=[r.pk for r in requests])
    assert counts == {r.pk: 1 for r in requests[1:]}
    with django_assert_num_queries(1):
        assert unread_total(user=manager) == 4
