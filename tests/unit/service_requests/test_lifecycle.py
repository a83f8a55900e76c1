"""One request lifecycle (issue 19): the transition table every status change goes
through, one history (RequestEvent) with typed payloads, one signal all listeners hear,
e-mails pointing at the event that caused them, and the migration into it."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tenantdesk.chat.models import Message
from tenantdesk.notifications.models import EmailDelivery
from tenantdesk.service_requests import lifecycle, payloads
from tenantdesk.service_requests.lifecycle import Action
from tenantdesk.service_requests.models import RequestEvent, ServiceRequest
from tenantdesk.service_requests.services.closure import (
    service_request_rate,
    service_request_reopen,
)
from tenantdesk.service_requests.services.status import (
    request_locked,
    service_request_close,
    service_request_start,
    status_step,
)
from tenantdesk.service_requests.services.workspace import (
    service_request_assign,
    service_request_set_priority,
)
from tenantdesk.service_requests.signals import request_event
from tests.factories import CustomerFactory
from tests.unit.service_requests.helpers import create_request

Status = ServiceRequest.Status


def test_the_table_is_the_one_the_docs_draw():
    table = {
        t.action: (set(t.sources), t.target, t.may.__name__) for t in lifecycle.TRANSITIONS.values()
    }
    assert table == {
        Action.START: ({Status.PENDING}, Status.IN_PROGRESS, "can_change_status"),
        Action.CLOSE: ({Status.PENDING, Status.IN_PROGRESS}, Status.CLOSED, "can_change_status"),
        Action.REOPEN: ({Status.CLOSED}, Status.PENDING, "can_reopen"),
        Action.INCIDENT_CLOSE: (
            {Status.PENDING, Status.IN_PROGRESS},
            Status.CLOSED,
            "can_change_status",
        ),
    }


@pytest.mark.django_db
def test_every_change_is_one_event_heard_once_with_a_typed_payload(customer, manager):
    heard = []

    def listener(sender, event, **kwargs):
        # Inside the change's transaction, with the request loaded and the payload typed.
        assert transaction.get_connection().in_atomic_block
        heard.append((event.kind, event.actor, event.payload))

    request_event.connect(listener, dispatch_uid="test-lifecycle")
    try:
        sr = create_request(customer, priority="urgent")
        service_request_assign(actor=manager, service_request=sr, assignee=manager)
        service_request_set_priority(actor=manager, service_request=sr, priority="high")
        service_request_start(actor=manager, service_request=sr)
        service_request_close(actor=manager, service_request=sr)
        service_request_reopen(actor=customer, service_request=sr, reason="Still leaking")
        service_request_close(actor=manager, service_request=sr)
        service_request_rate(actor=customer, service_request=sr, score=5)
    finally:
        request_event.disconnect(dispatch_uid="test-lifecycle")
    assert heard == [
        ("created", customer, payloads.Created(channel="form")),
        (
            "assigned",
            manager,
            payloads.Assigned(assignee_id=manager.pk, assignee=manager.display_name),
        ),
        ("priority", manager, payloads.PriorityChanged(from_priority="urgent", to_priority="high")),
        ("status", manager, payloads.StatusChanged("pending", "in_progress", "start")),
        ("status", manager, payloads.StatusChanged("in_progress", "closed", "close")),
        (
            "status",
            customer,
            payloads.StatusChanged("closed", "pending", "reopen", "Still leaking"),
        ),
        ("status", manager, payloads.StatusChanged("pending", "closed", "close")),
        ("rated", customer, payloads.Rated(score=5)),
    ]
    # The history is exactly that, in order; the chat reported the steps, assignment and
    # priority (not the creation, not the rating).
    assert [e.kind for e in sr.events.order_by("created_at", "id")] == [h[0] for h in heard]
    assert Message.objects.filter(service_request=sr, kind="system").count() == 6


@pytest.mark.django_db
def test_a_step_the_table_lacks_is_refused_whoever_asks(customer, manager):
    sr = create_request(customer)
    with transaction.atomic(), pytest.raises(ValidationError) as refused:
        # A manager may not reopen (the table's "who may"), nor reopen an open request.
        status_step(
            action=Action.REOPEN,
            actor=manager,
            service_request=sr,
            current=request_locked(manager, sr),
        )
    assert refused.value.code == "not_allowed"
    assert not sr.events.filter(kind="status").exists()
    assert ServiceRequest.objects.get(pk=sr.pk).status == Status.PENDING


@pytest.mark.django_db
def test_an_email_points_at_the_event_that_caused_it(
    customer, manager, django_capture_on_commit_callbacks
):
    from tests.unit.notifications.test_email_delivery import run_worker

    colleague = CustomerFactory(organisation=customer.organisation)
    sr = create_request(customer)
    closing = service_request_close(actor=manager, service_request=sr)
    reopening = service_request_reopen(actor=colleague, service_request=sr, reason="Again")
    run_worker()
    caused = {d.kind: d.event for d in EmailDelivery.objects.all()}
    created = sr.events.get(kind="created")
    assert caused == {"new_request": created, "closed": closing, "reopened": reopening}


# --- the migration into one history ----------------------------------------------------------

BEFORE = [("service_requests", "0006_search_indexes"), ("notifications", "0004_email_claimed_at")]
AFTER = [("service_requests", "0007_one_history"), ("notifications", "0005_delivery_event")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_both_histories_keeping_ids_times_and_actors(customer, manager):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldRequest = old.get_model("service_requests", "ServiceRequest")
    StatusChange = old.get_model("service_requests", "StatusChange")
    RequestChange = old.get_model("service_requests", "RequestChange")
    OldDelivery = old.get_model("notifications", "EmailDelivery")
    now = timezone.now()
    fields = {
        "type": "plumbing",
        "description": "Water",
        "office": "1",
        "last_activity_at": now,
        "status": "closed",
    }
    by_form = OldRequest.objects.create(
        organisation_id=customer.organisation_id, author_id=customer.pk, title="A", **fields
    )
    by_phone = OldRequest.objects.create(
        organisation_id=customer.organisation_id, author_id=manager.pk, title="B", **fields
    )
    StatusChange.objects.create(
        id=41,
        service_request=by_form,
        from_status="pending",
        to_status="closed",
        changed_by_id=manager.pk,
        changed_at=now,
    )
    StatusChange.objects.create(
        id=42,
        service_request=by_form,
        from_status="closed",
        to_status="pending",
        changed_by_id=customer.pk,
        changed_at=now,
        reason="Leaks again",
    )
    RequestChange.objects.create(
        id=41,  # the same id as a step: the changes get new ones
        service_request=by_form,
        kind="assigned",
        actor_id=manager.pk,
        data={"assignee_id": manager.pk, "assignee": "M"},
        created_at=now,
    )
    RequestChange.objects.create(
        service_request=by_phone,
        kind="created_for",
        actor_id=manager.pk,
        data={"organisation_id": customer.organisation_id, "organisation": "Org"},
        created_at=now,
    )
    OldDelivery.objects.create(
        key=f"closed:{customer.pk}:{by_form.pk}:41",
        kind="closed",
        user_id=customer.pk,
        service_request_id=by_form.pk,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    steps = {e.pk: e for e in RequestEvent.objects.filter(kind="status")}
    assert set(steps) == {41, 42}
    assert steps[41].data == {"from": "pending", "to": "closed", "action": "close"}
    assert steps[41].actor_id == manager.pk and steps[41].created_at == now
    assert steps[42].payload.reason == "Leaks again" and steps[42].payload.action == "reopen"
    (assigned,) = RequestEvent.objects.filter(kind="assigned")
    assert assigned.pk > 42 and assigned.data["assignee_id"] == manager.pk
    created = {e.service_request_id: e for e in RequestEvent.objects.filter(kind="created")}
    assert created[by_form.pk].data == {"channel": "form"}
    assert created[by_form.pk].actor_id == customer.pk
    assert created[by_phone.pk].data == {
        "channel": "phone",
        "organisation_id": customer.organisation_id,
        "organisation": "Org",
    }
    # Only the column this migration made: later ones (notifications 0006) are not there yet.
    assert EmailDelivery.objects.values_list("event_id", flat=True).get() == 41
    # Every later migration back (they were unapplied with 0007's dependants), for the
    # creation service below and the tests after this one.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    # New events continue after the moved ones.
    later = create_request(CustomerFactory())
    assert later.events.get().pk > assigned.pk
