"""The status workflow: managers only, three allowed steps, closed is final, refusals change
nothing, every change is history and a system message in the chat."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tenantdesk.chat.models import Message
from tenantdesk.core.errors import Closed
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services.status import service_request_change_status
from tests.unit.service_requests.helpers import bulk_requests, status_steps, step_pairs

pytestmark = pytest.mark.django_db

P, W, C = (
    ServiceRequest.Status.PENDING,
    ServiceRequest.Status.IN_PROGRESS,
    ServiceRequest.Status.CLOSED,
)
ALLOWED = [(P, W), (P, C), (W, C)]
REFUSED = [(P, P), (W, W), (W, P), (C, C), (C, P), (C, W)]


@pytest.fixture
def make_request(customer, organisation):
    def make(status):
        (sr,) = bulk_requests(organisation, customer, 1, status=status)
        # An old activity time, so the update is visible.
        ServiceRequest.objects.filter(pk=sr.pk).update(
            last_activity_at=timezone.now() - timezone.timedelta(days=3)
        )
        return ServiceRequest.objects.get(pk=sr.pk)

    return make


def _snapshot(sr):
    sr = ServiceRequest.objects.get(pk=sr.pk)
    return (sr.status, sr.last_activity_at, sr.updated_at)


@pytest.mark.parametrize(("start", "target"), ALLOWED)
def test_manager_makes_each_allowed_step(manager, make_request, start, target):
    sr = make_request(start)
    before = sr.last_activity_at
    change = service_request_change_status(actor=manager, service_request=sr, status=target)
    stored = ServiceRequest.objects.get(pk=sr.pk)
    assert stored.status == target
    assert sr.status == target  # the caller's instance is updated too
    assert stored.last_activity_at > before
    history = list(status_steps(service_request=sr))
    assert len(history) == 1
    assert step_pairs(history) == [(start, target)]
    assert history[0].actor == manager
    assert history[0] == change
    # The chat gets a system message with no author at the time of the change.
    message = Message.objects.get(service_request=sr)
    assert message.kind == Message.Kind.SYSTEM
    assert message.author is None
    assert message.created_at == change.created_at


@pytest.mark.parametrize(("start", "target"), REFUSED)
def test_refused_steps_change_nothing(manager, make_request, start, target):
    sr = make_request(start)
    before = _snapshot(sr)
    with pytest.raises((ValidationError, Closed)) as info:
        service_request_change_status(actor=manager, service_request=sr, status=target)
    expected_code = (
        "closed" if start == C else ("same_status" if start == target else "not_allowed")
    )
    assert info.value.code == expected_code
    assert _snapshot(sr) == before
    assert not status_steps().exists()
    assert not Message.objects.exists()


def test_unknown_status_is_refused(manager, make_request):
    sr = make_request(P)
    with pytest.raises(ValidationError) as info:
        service_request_change_status(actor=manager, service_request=sr, status="archived")
    assert info.value.code == "unknown_status"
    assert ServiceRequest.objects.get(pk=sr.pk).status == P


@pytest.mark.parametrize("who", ["customer", "other_customer"])
def test_only_managers_change_status(request, make_request, who):
    actor = request.getfixturevalue(who)
    sr = make_request(P)
    before = _snapshot(sr)
    with pytest.raises(PermissionDenied):
        service_request_change_status(actor=actor, service_request=sr, status=W)
    assert _snapshot(sr) == before
    assert not status_steps().exists()
    assert not Message.objects.exists()


def test_full_life_keeps_the_whole_history(manager, make_request):
    sr = make_request(P)
    service_request_change_status(actor=manager, service_request=sr, status=W)
    service_request_change_status(actor=manager, service_request=sr, status=C)
    assert step_pairs(status_steps(service_request=sr)) == [(P, W), (W, C)]
    assert Message.objects.filter(service_request=sr, kind=Message.Kind.SYSTEM).count() == 2


def test_a_stale_instance_cannot_skip_the_check(manager, make_request):
    """Two managers on the same page: the second click sees the row as it is now."""
    sr = make_request(P)
    stale = ServiceRequest.objects.get(pk=sr.pk)
    service_request_change_status(actor=manager, service_request=sr, status=C)
    with pytest.raises(Closed):
        service_request_change_status(actor=manager, service_request=stale, status=W)
    assert ServiceRequest.objects.get(pk=sr.pk).status == C
    assert status_steps().count() == 1


def test_if_the_chat_message_fails_the_status_change_is_rolled_back(
    manager, make_request, monkeypatch
):
    import tenantdesk.chat.signals as chat_signals

    def broken(**kwargs):
        raise RuntimeError("chat is down")

    # The chat writes the system message when the status change is announced.
    monkeypatch.setattr(chat_signals, "request_event_message_post", broken)
    sr = make_request(P)
    before = _snapshot(sr)
    with pytest.raises(RuntimeError):
        service_request_change_status(actor=manager, service_request=sr, status=W)
    assert _snapshot(sr) == before
    assert not status_steps().exists()


# --- The endpoint: POST /request/<id>/status ---------------------------------------------


def test_endpoint_changes_status_and_redirects_back_with_a_message(client, manager, make_request):
    sr = make_request(P)
    client.force_login(manager)
    response = client.post(f"/request/{sr.pk}/status", {"status": W}, follow=True)
    assert response.redirect_chain == [(f"/request/{sr.pk}", 302)]
    assert ServiceRequest.objects.get(pk=sr.pk).status == W
    html = response.content.decode()
    assert "Status changed: In progress." in html
    # Only the step still allowed is offered now.
    assert 'data-status-action="closed"' in html
    assert 'data-status-action="in_progress"' not in html


def test_endpoint_refusal_of_a_closed_request_is_403_with_a_message(client, manager, make_request):
    sr = make_request(C)
    client.force_login(manager)
    response = client.post(f"/request/{sr.pk}/status", {"status": W})
    assert response.status_code == 403
    assert "This request is closed; its status can no longer be changed." in (
        response.content.decode()
    )
    assert ServiceRequest.objects.get(pk=sr.pk).status == C
    assert not status_steps().exists()


def test_endpoint_answers_json_when_asked(client, manager, make_request):
    sr = make_request(P)
    client.force_login(manager)
    response = client.post(
        f"/request/{sr.pk}/status", {"status": "bogus"}, headers={"accept": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_status"
    response = client.post(
        f"/request/{sr.pk}/status", {"status": C}, headers={"accept": "application/json"}
    )
    assert response.json() == {"id": sr.pk, "status": C}


def test_endpoint_refuses_get(client, manager, make_request):
    sr = make_request(P)
    client.force_login(manager)
    assert client.get(f"/request/{sr.pk}/status").status_code == 405


def test_customer_sees_no_status_buttons_but_managers_do(client, customer, manager, make_request):
    sr = make_request(P)
    client.force_login(customer)
    html = client.get(f"/request/{sr.pk}").content.decode()
    assert "data-status-action" not in html
    client.force_login(manager)
    html = client.get(f"/request/{sr.pk}").content.decode()
    assert 'data-status-action="in_progress"' in html
    assert 'data-status-action="closed"' in html


def test_closed_request_shows_no_buttons(client, manager, make_request):
    sr = make_request(C)
    client.force_login(manager)
    html = client.get(f"/request/{sr.pk}").content.decode()
    assert "data-status-action" not in html
    assert "This request is closed and can no longer be changed." in html
