"""The workspace's services (service_requests.workspace): assignment and priority, their
history rows, the chat's system messages, due times at creation and after a change."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from tenantdesk.chat import broadcast
from tenantdesk.chat.models import Message
from tenantdesk.chat.serializers import message_for_language
from tenantdesk.core.errors import Closed
from tenantdesk.service_requests.due_times import due_at, targets_for, working_calendar
from tenantdesk.service_requests.models import RequestEvent, ServiceRequest
from tenantdesk.service_requests.services.status import service_request_change_status
from tenantdesk.service_requests.services.workspace import (
    service_request_assign,
    service_request_set_priority,
)
from tests.factories import ManagerFactory, UserFactory
from tests.unit.service_requests.helpers import changes, create_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def service_request(customer):
    return create_request(customer)


@pytest.fixture
def anna(db):
    return ManagerFactory(first_name="Anna", last_name="Ivanova")


def system_messages(service_request):
    return list(
        Message.objects.filter(service_request=service_request, kind=Message.Kind.SYSTEM).order_by(
            "pk"
        )
    )


def text_for(message, language):
    with translation.override(language):
        return message_for_language(
            {
                **{"author_id": None, "by_manager": False, "organisation": None},
                "kind": message.kind,
                "text": message.text,
                "event": message.event,
                "created_at": message.created_at.isoformat(),
                "author_name": None,
            }
        )["text"]


# --- assignment -------------------------------------------------------------------------------


def test_take_assigns_the_manager_records_it_and_posts_a_system_message_everyone_sees(
    manager, anna, service_request, django_capture_on_commit_callbacks
):
    with broadcast.collecting() as outbox, django_capture_on_commit_callbacks(execute=True):
        change = service_request_assign(actor=anna, service_request=service_request, assignee=anna)
    service_request.refresh_from_db()
    assert service_request.assignee == anna
    assert change.kind == RequestEvent.Kind.ASSIGNED and change.actor == anna
    assert change.data["assignee_id"] == anna.pk and change.data["assignee"] == "Anna Ivanova"
    [message] = system_messages(service_request)
    assert message.event["type"] == "assigned"
    assert text_for(message, "en") == "Assigned to Anna Ivanova"
    assert text_for(message, "ru") == "Назначена: Anna Ivanova"
    # Broadcast to the request's group, i.e. to the customer's sockets as well.
    [(group, event)] = [(g, e) for g, e in outbox if e["type"] == "chat.message"]
    assert group.endswith(str(service_request.pk)) and event["id"] == message.pk
    assert event["internal"] is False  # not a note: customers' sockets pass it on


def test_assign_to_another_manager_and_unassign(manager, anna, service_request):
    service_request_assign(actor=manager, service_request=service_request, assignee=anna)
    change = service_request_assign(actor=manager, service_request=service_request, assignee=None)
    service_request.refresh_from_db()
    assert service_request.assignee is None
    assert change.kind == RequestEvent.Kind.UNASSIGNED
    assert change.data["previous_id"] == anna.pk
    texts = [text_for(m, "en") for m in system_messages(service_request)]
    assert texts == ["Assigned to Anna Ivanova", "Unassigned"]
    assert [text_for(m, "ru") for m in system_messages(service_request)][1] == "Снято назначение"


def test_a_customer_cannot_assign_and_nothing_is_written(customer, manager, service_request):
    with pytest.raises(PermissionDenied):
        service_request_assign(actor=customer, service_request=service_request, assignee=manager)
    service_request.refresh_from_db()
    assert service_request.assignee is None
    assert not changes().exists() and not system_messages(service_request)


@pytest.mark.parametrize("who", ["customer", "plain user", "inactive manager"])
def test_only_active_managers_can_be_assignees(manager, customer, service_request, who):
    assignee = {
        "customer": customer,
        "plain user": UserFactory(),
        "inactive manager": ManagerFactory(is_active=False),
    }[who]
    with pytest.raises(ValidationError) as error:
        service_request_assign(actor=manager, service_request=service_request, assignee=assignee)
    assert error.value.code == "not_a_manager"
    assert not changes().exists()


def test_a_change_that_changes_nothing_is_refused_with_a_message(manager, anna, service_request):
    with pytest.raises(ValidationError) as error:
        service_request_assign(actor=manager, service_request=service_request, assignee=None)
    assert error.value.code == "unchanged"
    service_request_assign(actor=manager, service_request=service_request, assignee=anna)
    with pytest.raises(ValidationError) as error:
        service_request_assign(actor=manager, service_request=service_request, assignee=anna)
    assert error.value.code == "unchanged" and "Anna Ivanova" in error.value.messages[0]
    assert changes().count() == 1 and len(system_messages(service_request)) == 1


def test_a_closed_request_is_not_reassigned(manager, service_request):
    service_request_change_status(actor=manager, service_request=service_request, status="closed")
    with pytest.raises(Closed):
        service_request_assign(actor=manager, service_request=service_request, assignee=manager)
    assert not changes().exists()


def test_the_instance_is_checked_against_the_database_not_trusted(manager, anna, service_request):
    # Another manager took it meanwhile; our stale copy still says unassigned.
    stale = ServiceRequest.objects.get(pk=service_request.pk)
    service_request_assign(actor=anna, service_request=service_request, assignee=anna)
    change = service_request_assign(actor=manager, service_request=stale, assignee=manager)
    assert change.data["previous_id"] == anna.pk


# --- priority and due times ------------------------------------------------------------------


def expected_due(priority, start):
    first, resolution = targets_for(priority)
    calendar = working_calendar()
    return due_at(start, first, calendar), due_at(start, resolution, calendar)


def test_a_new_request_gets_due_times_from_its_priority(customer):
    normal = create_request(customer)
    urgent = create_request(customer, priority="urgent")
    assert normal.priority == "normal" and urgent.priority == "urgent"
    for sr in (normal, urgent):
        sr.refresh_from_db()
        first, resolution = expected_due(sr.priority, sr.created_at)
        # Computed from the moment the service started, a hair before created_at.
        assert abs(sr.first_response_due_at - first) < timedelta(seconds=5)
        assert abs(sr.resolution_due_at - resolution) < timedelta(seconds=5)
    assert urgent.first_response_due_at - urgent.created_at <= timedelta(minutes=15)


@pytest.mark.parametrize("priority", ["high", "low"])
def test_a_customer_may_ask_for_urgent_but_not_set_other_priorities(customer, priority):
    with pytest.raises(ValidationError) as error:
        create_request(customer, priority=priority)
    assert "priority" in error.value.message_dict
    assert not ServiceRequest.objects.exists()


def test_set_priority_recomputes_due_times_from_the_creation_and_posts_it(manager, service_request):
    created = service_request.created_at - timedelta(hours=2)
    ServiceRequest.objects.filter(pk=service_request.pk).update(created_at=created)
    service_request.refresh_from_db()
    change = service_request_set_priority(
        actor=manager, service_request=service_request, priority="urgent"
    )
    service_request.refresh_from_db()
    first, resolution = expected_due("urgent", created)
    assert service_request.priority == "urgent"
    # From the creation: two hours ago plus 15 minutes is already overdue.
    assert service_request.first_response_due_at == first < timezone.now()
    assert service_request.resolution_due_at == resolution
    assert change.kind == RequestEvent.Kind.PRIORITY
    assert change.data == {"from": "normal", "to": "urgent"}
    [message] = system_messages(service_request)
    assert text_for(message, "en") == "Priority changed from “Normal” to “Urgent”"
    assert text_for(message, "ru") == "Приоритет изменён с «Обычный» на «Срочный»"


def test_set_priority_refusals(customer, manager, service_request):
    with pytest.raises(PermissionDenied):
        service_request_set_priority(
            actor=customer, service_request=service_request, priority="urgent"
        )
    with pytest.raises(ValidationError) as error:
        service_request_set_priority(
            actor=manager, service_request=service_request, priority="whenever"
        )
    assert error.value.code == "unknown_priority"
    with pytest.raises(ValidationError) as error:
        service_request_set_priority(
            actor=manager, service_request=service_request, priority="normal"
        )
    assert error.value.code == "unchanged"
    service_request_change_status(actor=manager, service_request=service_request, status="closed")
    with pytest.raises(Closed):
        service_request_set_priority(actor=manager, service_request=service_request, priority="low")
    assert not changes().exists()
    service_request.refresh_from_db()
    assert service_request.priority == "normal"
