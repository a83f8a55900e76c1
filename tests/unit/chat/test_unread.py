"""Read positions and unread counts (chat.unread, chat.messages_mark_read)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tenantdesk.chat.models import Message, ReadCursor
from tenantdesk.chat.services import read_state
from tenantdesk.chat.services.read_state import messages_mark_read
from tenantdesk.chat.services.send import message_send
from tenantdesk.chat.unread import unread_counts, unread_total
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services.status import service_request_change_status
from tests.factories import CustomerFactory, ManagerFactory
from tests.unit.chat.helpers import make_service_request

pytestmark = pytest.mark.django_db


def send(author, service_request, text="hello"):
    return message_send(author=author, service_request=service_request, text=text)


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

    receipts = messages_mark_read(
        reader=manager, service_request=service_request, up_to_id=first.pk
    )
    assert [r["id"] for r in receipts] == [first.pk]
    assert receipts[0]["status"] == "read"
    assert unread_counts(user=manager, service_request_ids=[service_request.pk]) == {
        service_request.pk: 1
    }

    receipts = messages_mark_read(
        reader=manager, service_request=service_request, up_to_id=own.pk + 1000
    )
    assert [r["id"] for r in receipts] == [second.pk]  # cut to the last message; own skipped
    assert ReadCursor.objects.get(user=manager).last_read_id == own.pk
    # Going back changes nothing.
    assert (
        messages_mark_read(reader=manager, service_request=service_request, up_to_id=first.pk) == []
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
    messages_mark_read(reader=manager, service_request=service_request, up_to_id=message.pk)
    assert Message.objects.get(pk=message.pk).read_at is not None
    assert unread_total(user=other_manager) == 1


def test_a_foreign_request_cannot_be_marked_read(customer, other_customer, manager):
    foreign = make_service_request(other_customer)
    message = send(manager, foreign)
    with pytest.raises(Http404):
        messages_mark_read(reader=customer, service_request=foreign, up_to_id=message.pk)
    assert not ReadCursor.objects.exists()
    assert unread_total(user=other_customer) == 1


def test_counts_take_one_query_for_any_number_of_requests(
    customer, manager, django_assert_num_queries
):
    requests = [make_service_request(customer) for _ in range(5)]
    for service_request in requests:
        send(customer, service_request)
    messages_mark_read(reader=manager, service_request=requests[0], up_to_id=10**9)
    with django_assert_num_queries(1):
        counts = unread_counts(user=manager, service_request_ids=[r.pk for r in requests])
    assert counts == {r.pk: 1 for r in requests[1:]}
    with django_assert_num_queries(1):
        assert unread_total(user=manager) == 4


# --- the kept counts (issue 18: nothing counts messages on a page) -------------------------


def counted_from_messages(user, service_request) -> int:
    """The definition the kept counts must agree with, counted the slow way: a person's
    message (not a system one, not a note) of the other side above the person's cursor."""
    from tenantdesk.accounts.roles import is_manager

    position = (
        ReadCursor.objects.filter(user=user, service_request=service_request)
        .values_list("last_read_id", flat=True)
        .first()
    ) or 0
    return Message.objects.filter(
        service_request=service_request,
        kind=Message.Kind.USER,
        internal=False,
        by_manager=not is_manager(user),
        pk__gt=position,
    ).count()


def test_the_request_keeps_each_sides_message_count_notes_and_retries_aside(
    customer, manager, service_request
):
    client_id = "6f1c1d36-0a4b-4a7e-9a9e-0d0f7c0b1a11"
    first = message_send(
        author=customer, service_request=service_request, text="hi", client_id=client_id
    )
    again = message_send(
        author=customer, service_request=service_request, text="hi", client_id=client_id
    )
    assert again.pk == first.pk and not again.was_created
    send(manager, service_request)
    message_send(author=manager, service_request=service_request, text="note", internal=True)
    service_request_change_status(
        actor=manager, service_request=service_request, status="in_progress"
    )
    service_request.refresh_from_db()
    assert (service_request.messages_from_customers, service_request.messages_from_managers) == (
        1,
        1,
    )


def test_a_message_refused_on_a_closed_request_counts_nothing(customer, manager, service_request):
    send(customer, service_request)
    service_request_change_status(actor=manager, service_request=service_request, status="closed")
    with pytest.raises(PermissionDenied):
        send(customer, service_request)
    service_request.refresh_from_db()
    assert service_request.messages_from_customers == 1


def test_a_cursor_moved_by_another_tab_meanwhile_still_counts_each_message_once(
    customer, manager, service_request, monkeypatch
):
    """Two tabs report reading at once: the loser of the conditional move counts again
    from where the winner left the cursor, so nothing is counted twice."""
    messages = [send(customer, service_request, f"m{n}") for n in range(4)]
    messages_mark_read(reader=manager, service_request=service_request, up_to_id=messages[0].pk)
    real_count = read_state._counted_between
    raced = []

    def count_then_lose_the_race(request, after_id, up_to_id):
        counts = real_count(request, after_id, up_to_id)
        if not raced:  # the other tab moves the cursor between this count and the update
            raced.append(True)
            messages_mark_read(
                reader=manager, service_request=service_request, up_to_id=messages[2].pk
            )
        return counts

    monkeypatch.setattr(read_state, "_counted_between", count_then_lose_the_race)
    messages_mark_read(reader=manager, service_request=service_request, up_to_id=messages[3].pk)
    cursor = ReadCursor.objects.get(user=manager, service_request=service_request)
    assert (cursor.last_read_id, cursor.read_from_customers) == (messages[3].pk, 4)
    assert unread_total(user=manager) == 0


def test_a_customer_made_manager_counts_the_other_side_from_the_same_cursor(
    customer, manager, service_request
):
    colleague = CustomerFactory(organisation=customer.organisation)
    send(customer, service_request)
    send(manager, service_request)
    messages_mark_read(reader=colleague, service_request=service_request, up_to_id=10**9)
    send(customer, service_request)
    assert unread_total(user=colleague) == 0
    from django.contrib.auth.models import Group

    Group.objects.get(name="manager").user_set.add(colleague)
    promoted = type(colleague).objects.get(pk=colleague.pk)  # no cached role
    # Now customers' messages are the other side: one read before, one after the cursor.
    assert unread_total(user=promoted) == 1 == counted_from_messages(promoted, service_request)


@pytest.mark.parametrize("seed", range(2))
def test_kept_counts_agree_with_counting_the_messages(seed, customer, manager):
    """Random conversations of two customers and two managers (messages, notes, status
    changes, reads by everyone in any order): after each step, every person's unread count
    in every request equals the count from the messages."""
    import random

    rng = random.Random(seed)
    colleague = CustomerFactory(organisation=customer.organisation)
    other_manager = ManagerFactory()
    people = [customer, colleague, manager, other_manager]
    requests = [make_service_request(customer) for _ in range(3)]
    for _step in range(40):
        service_request = rng.choice(requests)
        service_request.refresh_from_db()
        person = rng.choice(people)
        action = rng.random()
        if action < 0.45 and not service_request.is_closed:
            send(person, service_request)
        elif action < 0.55 and not service_request.is_closed and person in (manager, other_manager):
            message_send(author=person, service_request=service_request, text="n", internal=True)
        elif action < 0.6 and not service_request.is_closed:
            # Moves it on: in progress, then closed (a closed request leaves the badge).
            following = "in_progress" if service_request.status == "pending" else "closed"
            service_request_change_status(
                actor=manager, service_request=service_request, status=following
            )
        else:
            last = Message.objects.filter(service_request=service_request).order_by("-pk").first()
            if last is not None:
                messages_mark_read(
                    reader=person,
                    service_request=service_request,
                    up_to_id=rng.randint(1, last.pk),
                )
        for someone in people:
            expected = {r.pk: counted_from_messages(someone, r) for r in requests}
            counts = unread_counts(user=someone, service_request_ids=[r.pk for r in requests])
            assert counts == {pk: n for pk, n in expected.items() if n}
            active = [r.pk for r in requests if not ServiceRequest.objects.get(pk=r.pk).is_closed]
            assert unread_total(user=someone) == sum(expected[pk] for pk in active)
