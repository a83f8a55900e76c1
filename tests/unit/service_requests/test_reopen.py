"""Reopening a closed request: customers of its organisation only, within REOPEN_DAYS, with a
reason; back to pending with the reason in the history and a system message in the chat.
After the window the page offers a follow-up request instead. Refusals store nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from tenantdesk.chat.models import Message
from tenantdesk.chat.serializers import message_for_language
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services.closure import service_request_reopen
from tenantdesk.service_requests.services.status import service_request_change_status
from tests.factories import CustomerFactory
from tests.unit.service_requests.helpers import (
    create_request,
    good_upload,
    status_steps,
    step_pairs,
)

pytestmark = pytest.mark.django_db

Status = ServiceRequest.Status


@pytest.fixture
def closed(customer, manager):
    sr = create_request(customer, title="Leak under the sink")
    service_request_change_status(actor=manager, service_request=sr, status=Status.CLOSED)
    return ServiceRequest.objects.get(pk=sr.pk)


def _age(sr, days):
    ServiceRequest.objects.filter(pk=sr.pk).update(closed_at=timezone.now() - timedelta(days=days))
    return ServiceRequest.objects.get(pk=sr.pk)


def _state(sr):
    sr = ServiceRequest.objects.get(pk=sr.pk)
    return (
        sr.status,
        sr.closed_at,
        status_steps(service_request=sr).count(),
        Message.objects.filter(service_request=sr).count(),
    )


# --- the service -----------------------------------------------------------------------------


def test_a_colleague_reopens_with_a_reason(closed, organisation):
    colleague = CustomerFactory(organisation=organisation, first_name="Anna", last_name="Ivanova")
    change = service_request_reopen(
        actor=colleague, service_request=closed, reason="  Still broken  "
    )
    stored = ServiceRequest.objects.get(pk=closed.pk)
    assert stored.status == Status.PENDING and stored.closed_at is None
    assert closed.status == Status.PENDING  # the caller's instance follows
    assert step_pairs([change]) == [(Status.CLOSED, Status.PENDING)]
    assert change.payload.reason == "Still broken" and change.actor == colleague
    assert change.payload.action == "reopen"
    message = Message.objects.filter(service_request=closed).latest("id")
    assert message.kind == Message.Kind.SYSTEM
    assert message.event["reason"] == "Still broken"
    assert message.text == "Anna Ivanova reopened the request: Still broken"


def test_the_resolution_target_starts_again_from_the_reopening(closed, customer, settings):
    settings.REQUEST_TARGETS = {**settings.REQUEST_TARGETS, "normal": ("4h", "2h")}
    # Closed long after its resolution was due: without a new target it would come back
    # overdue at once.
    ServiceRequest.objects.filter(pk=closed.pk).update(
        resolution_due_at=timezone.now() - timedelta(days=1)
    )
    before = timezone.now()
    service_request_reopen(actor=customer, service_request=closed, reason="Still broken")
    stored = ServiceRequest.objects.get(pk=closed.pk)
    assert before + timedelta(hours=2) <= stored.resolution_due_at
    assert stored.resolution_due_at <= timezone.now() + timedelta(hours=2)
    assert closed.resolution_due_at == stored.resolution_due_at


def test_the_reopen_message_is_written_in_each_readers_language(closed, customer):
    service_request_reopen(actor=customer, service_request=closed, reason="Still broken")
    message = Message.objects.filter(service_request=closed).latest("id")
    data = {
        "author_id": None,
        "kind": message.kind,
        "text": message.text,
        "event": message.event,
        "created_at": message.created_at.isoformat(),
    }
    with translation.override("ru"):
        text = message_for_language(data)["text"]
    assert text == f"Заявка открыта снова ({customer.display_name}): Still broken"


def test_the_manager_can_change_the_status_again_after_a_reopening(closed, customer, manager):
    service_request_reopen(actor=customer, service_request=closed, reason="Still broken")
    service_request_change_status(actor=manager, service_request=closed, status=Status.CLOSED)
    assert ServiceRequest.objects.get(pk=closed.pk).closed_at is not None


@pytest.mark.parametrize(
    ("reason", "code"),
    [("", "required"), ("   ", "required"), ("x" * 2001, "too_long")],
    ids=["empty", "blank", "2001 characters"],
)
def test_a_bad_reason_is_refused_and_nothing_changes(closed, customer, reason, code):
    before = _state(closed)
    with pytest.raises(ValidationError) as info:
        service_request_reopen(actor=customer, service_request=closed, reason=reason)
    assert "reason" in info.value.message_dict
    assert info.value.error_dict["reason"][0].code == code
    assert _state(closed) == before


def test_a_reason_of_2000_characters_is_accepted(closed, customer):
    change = service_request_reopen(actor=customer, service_request=closed, reason="x" * 2000)
    assert len(change.payload.reason) == 2000


def test_the_last_day_of_the_window_still_reopens(closed, customer, settings):
    settings.REOPEN_DAYS = 14
    aged = _age(closed, 13.9)
    service_request_reopen(actor=customer, service_request=aged, reason="Still broken")
    assert ServiceRequest.objects.get(pk=closed.pk).status == Status.PENDING


def test_after_the_window_nothing_reopens(closed, customer, settings):
    settings.REOPEN_DAYS = 14
    aged = _age(closed, 15)
    before = _state(aged)
    with pytest.raises(ValidationError) as info:
        service_request_reopen(actor=customer, service_request=aged, reason="Still broken")
    assert info.value.code == "reopen_window_over"
    assert _state(aged) == before


@pytest.mark.parametrize("status", [Status.PENDING, Status.IN_PROGRESS])
def test_an_open_request_cannot_be_reopened(customer, manager, status):
    sr = create_request(customer)
    if status == Status.IN_PROGRESS:
        service_request_change_status(actor=manager, service_request=sr, status=status)
    before = _state(sr)
    with pytest.raises(ValidationError) as info:
        service_request_reopen(actor=customer, service_request=sr, reason="Still broken")
    assert info.value.code == "not_closed"
    assert _state(sr) == before


def test_managers_and_other_organisations_may_not_reopen(closed, manager, other_customer):
    before = _state(closed)
    for actor in (manager, other_customer):
        with pytest.raises(PermissionDenied):
            service_request_reopen(actor=actor, service_request=closed, reason="Still broken")
    assert _state(closed) == before


def test_a_second_reopen_of_the_same_closing_is_refused(closed, customer):
    stale = ServiceRequest.objects.get(pk=closed.pk)  # a second tab, rendered while closed
    service_request_reopen(actor=customer, service_request=closed, reason="Still broken")
    with pytest.raises(ValidationError) as info:
        service_request_reopen(actor=customer, service_request=stale, reason="Again")
    assert info.value.code == "not_closed"
    assert status_steps(service_request=closed, data__reason__gt="").count() == 1


# --- the pages, from the outside ----------------------------------------------------------------


def url(sr):
    return f"/request/{sr.pk}/reopen"


def test_customer_reopens_from_the_page(client, closed, customer):
    client.force_login(customer)
    page = client.get(f"/request/{closed.pk}").content.decode()
    assert 'data-testid="reopen-form"' in page and "Still not fixed?" in page
    response = client.post(url(closed), {"reopen-reason": "Still broken"})
    assert response.status_code == 302 and response["Location"] == f"/request/{closed.pk}"
    assert ServiceRequest.objects.get(pk=closed.pk).status == Status.PENDING
    page = client.get(f"/request/{closed.pk}").content.decode()
    assert "Reason: Still broken" in page  # the status history shows why
    assert "reopened the request: Still broken" in page  # the chat's system message
    assert 'data-testid="reopen-form"' not in page


@pytest.mark.parametrize(("reason", "message"), [("", "Say why"), ("x" * 2001, "at most 2000")])
def test_bad_input_gets_the_form_with_its_error_and_400(client, closed, customer, reason, message):
    client.force_login(customer)
    before = _state(closed)
    response = client.post(url(closed), {"reopen-reason": reason})
    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    assert message in response.content.decode()
    assert _state(closed) == before


def test_a_manager_gets_a_clear_403_and_nothing_changes(client, closed, manager):
    client.force_login(manager)
    before = _state(closed)
    page = client.get(f"/request/{closed.pk}").content.decode()
    assert 'data-testid="reopen-form"' not in page
    response = client.post(url(closed), {"reopen-reason": "Still broken"})
    assert response.status_code == 403
    assert "Managers cannot reopen requests" in response.content.decode()
    assert _state(closed) == before


def test_another_organisation_gets_404(client, closed, other_customer):
    client.force_login(other_customer)
    before = _state(closed)
    assert client.post(url(closed), {"reopen-reason": "Still broken"}).status_code == 404
    assert client.get(url(closed)).status_code == 404
    assert _state(closed) == before


def test_a_signed_out_visitor_is_sent_to_sign_in(client, closed):
    before = _state(closed)
    response = client.post(url(closed), {"reopen-reason": "Still broken"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login?next=")
    assert _state(closed) == before


def test_after_the_window_the_page_refuses_and_offers_a_follow_up(client, closed, customer):
    aged = _age(closed, 15)
    client.force_login(customer)
    before = _state(aged)
    response = client.post(url(aged), {"reopen-reason": "Still broken"})
    assert response.status_code == 400
    assert "can no longer be reopened" in response.content.decode()
    assert _state(aged) == before
    page = client.get(f"/request/{aged.pk}").content.decode()
    assert 'data-testid="reopen-form"' not in page
    assert f'href="/request/new?follow_up={aged.pk}"' in page


def test_an_open_request_is_refused_with_a_message(client, customer):
    sr = create_request(customer)
    client.force_login(customer)
    before = _state(sr)
    response = client.post(url(sr), {"reopen-reason": "Still broken"})
    assert response.status_code == 400
    assert "not closed" in response.content.decode()
    assert _state(sr) == before


# --- the follow-up request -------------------------------------------------------------------


def test_the_follow_up_form_is_pre_filled_and_links_the_new_request(client, closed, customer):
    aged = _age(closed, 30)
    client.force_login(customer)
    response = client.get(f"/request/new?follow_up={aged.pk}")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["title"] == "Follow-up: Leak under the sink"
    assert form.initial["type"] == aged.type and form.initial["office"] == aged.office
    assert 'data-testid="follow-up-note"' in response.content.decode()
    response = client.post(
        f"/request/new?follow_up={aged.pk}",
        {
            "type": aged.type,
            "title": "Follow-up: Leak under the sink",
            "description": "It leaks again.",
            "office": aged.office,
            "photo": good_upload(),
        },
    )
    assert response.status_code == 302
    new = ServiceRequest.objects.exclude(pk=aged.pk).get()
    assert new.follow_up_of_id == aged.pk
    page = client.get(f"/request/{new.pk}").content.decode()
    assert 'data-testid="follow-up-of"' in page and f'href="/request/{aged.pk}"' in page


def test_a_follow_up_of_another_organisations_request_is_404(client, closed, other_customer):
    client.force_login(other_customer)
    assert client.get(f"/request/new?follow_up={closed.pk}").status_code == 404
    assert client.get("/request/new?follow_up=nonsense").status_code == 404
    count = ServiceRequest.objects.count()
    response = client.post(
        f"/request/new?follow_up={closed.pk}",
        {"type": "plumbing", "title": "x", "description": "y", "office": "1"},
    )
    assert response.status_code == 404
    assert ServiceRequest.objects.count() == count


def test_a_refused_reopening_answers_json_to_a_script_like_every_action(client, customer, manager):
    """The closure loop's refusals had a page-only copy of the workspace's refusal helper;
    with one helper (views.common.refused) a script asking for JSON gets JSON from all."""
    open_request = create_request(customer)
    client.force_login(manager)
    response = client.post(
        url(open_request), {"reopen-reason": "x"}, headers={"accept": "application/json"}
    )
    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "forbidden"
