"""The reopen e-mail: a customer reopens a closed request → the manager side (its assignee,
else every manager) is e-mailed at once through the queue, once, with retries, in each
person's language, under the "status changes" preference."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from tenantdesk.notifications.models import EmailDelivery, EmailPreferences
from tenantdesk.notifications.tasks import deliver_email, notify_request_reopened
from tenantdesk.notifications.tokens import read_unsubscribe_token
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services.closure import service_request_reopen
from tenantdesk.service_requests.services.status import service_request_change_status
from tests.factories import CustomerFactory, ManagerFactory
from tests.unit.notifications.email_helpers import jobs, move_back, run_worker
from tests.unit.notifications.test_email_delivery import FlakyBackend

pytestmark = pytest.mark.django_db

Status = ServiceRequest.Status
REASON = "Still broken: the tap drips again"


@pytest.fixture
def closed(service_request, manager):
    service_request_change_status(
        actor=manager, service_request=service_request, status=Status.CLOSED
    )
    run_worker()  # the closing's own e-mails, out of the way
    mail.outbox.clear()
    return ServiceRequest.objects.get(pk=service_request.pk)


def _reopen(service_request, customer, reason=REASON):
    return service_request_reopen(actor=customer, service_request=service_request, reason=reason)


def _reopen_emails():
    return [m for m in mail.outbox if "reopened" in m.subject or "снова открыта" in m.subject]


def test_a_reopening_emails_every_manager_at_once_and_no_customer(closed, customer, manager):
    colleague = CustomerFactory(organisation=customer.organisation)
    other = ManagerFactory()
    change = _reopen(closed, customer)
    assert jobs("notify_request_reopened").count() == 1
    run_worker()  # at once: no delay
    sent = _reopen_emails()
    assert sorted(m.to[0] for m in sent) == sorted([manager.email, other.email])
    assert customer.email not in [m.to[0] for m in mail.outbox]
    assert colleague.email not in [m.to[0] for m in mail.outbox]
    keys = sorted(EmailDelivery.objects.filter(kind="reopened").values_list("key", flat=True))
    assert keys == sorted(
        f"reopened:{user.pk}:{closed.pk}:{change.pk}" for user in (manager, other)
    )
    (message,) = [m for m in sent if m.to == [manager.email]]
    assert message.subject == f"[Tenant Desk] Request #{closed.pk} was reopened: {REASON}"
    html = message.alternatives[0][0]
    for part in (message.body, html):
        assert REASON in part and customer.display_name in part
        assert f"https://desk.example.com/request/{closed.pk}" in part
        assert "https://desk.example.com/accounts/notifications" in part
    assert "Open the chat" in html
    assert "you are a manager" in message.body


def test_an_assigned_request_emails_its_assignee_alone(closed, customer, manager):
    anna = ManagerFactory()
    ServiceRequest.objects.filter(pk=closed.pk).update(assignee=anna)
    closed.refresh_from_db()
    _reopen(closed, customer)
    run_worker()
    (message,) = _reopen_emails()
    assert message.to == [anna.email]
    assert "assigned to you" in message.body


def test_the_job_is_enqueued_in_the_reopenings_transaction(closed, customer):
    with pytest.raises(RuntimeError), transaction.atomic():
        _reopen(closed, customer)
        assert jobs("notify_request_reopened").count() == 1
        raise RuntimeError("the page's request failed after reopening")
    assert not jobs("notify_request_reopened").exists()
    run_worker()
    assert mail.outbox == []


def test_a_closing_or_another_status_change_does_not_send_it(service_request, manager):
    service_request_change_status(
        actor=manager, service_request=service_request, status=Status.IN_PROGRESS
    )
    service_request_change_status(
        actor=manager, service_request=service_request, status=Status.CLOSED
    )
    run_worker()
    assert not jobs("notify_request_reopened").exists()
    assert not EmailDelivery.objects.filter(kind=EmailDelivery.Kind.REOPENED).exists()
    assert manager.email not in [m.to[0] for m in mail.outbox]


def test_sent_once_even_when_the_job_runs_twice(closed, customer, manager):
    change = _reopen(closed, customer)
    run_worker()
    assert notify_request_reopened.call(change.pk) == {"emails": 0}
    delivery = EmailDelivery.objects.get(kind="reopened")
    assert deliver_email.call(delivery.pk)["status"] == "taken"
    run_worker()
    assert len(_reopen_emails()) == 1


def test_each_reopening_has_its_own_email_with_its_own_reason(closed, customer, manager):
    _reopen(closed, customer, reason="First time")
    service_request_change_status(actor=manager, service_request=closed, status=Status.CLOSED)
    closed.refresh_from_db()
    _reopen(closed, customer, reason="Second time")
    run_worker()
    subjects = sorted(m.subject for m in _reopen_emails())
    assert [s.rsplit(": ", 1)[1] for s in subjects] == ["First time", "Second time"]


def test_a_refused_send_is_retried_then_sent_once(closed, customer, manager, settings):
    settings.EMAIL_BACKEND = f"{FlakyBackend.__module__}.FlakyBackend"
    FlakyBackend.failures = 1
    _reopen(closed, customer)
    run_worker()
    delivery = EmailDelivery.objects.get(kind="reopened")
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    retry = jobs("deliver_email").filter(status="READY").get()
    assert timedelta(seconds=55) < retry.run_after - timezone.now() <= timedelta(seconds=60)
    move_back(60)
    run_worker()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    move_back(10_000)
    run_worker()
    assert len(_reopen_emails()) == 1


def test_in_the_recipients_language(closed, customer, manager):
    manager.language = "ru"
    manager.save()
    _reopen(closed, customer)
    run_worker()
    (message,) = mail.outbox
    assert message.subject == f"[Tenant Desk] Заявка №{closed.pk} снова открыта: {REASON}"
    html = message.alternatives[0][0]
    assert 'lang="ru"' in html
    assert "Причина" in html and "Открыть чат" in html and "Отписаться" in html
    assert "снова открыл" in message.body


def test_headers_and_the_unsubscribe_link_name_status_changes(closed, customer, manager):
    _reopen(closed, customer)
    run_worker()
    (message,) = mail.outbox
    headers = message.extra_headers
    url = headers["List-Unsubscribe"].strip("<>")
    assert read_unsubscribe_token(url.rsplit("/", 1)[1]) == (manager.pk, "status_changes")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["Auto-Submitted"] == "auto-generated"
    assert headers["In-Reply-To"] == f"<tenantdesk.request.{closed.pk}@desk.example.com>"
    assert url in message.body and url in message.alternatives[0][0]
    assert "<img" not in message.alternatives[0][0].lower()


def test_a_long_reason_is_cut_in_the_subject_not_in_the_body(closed, customer, manager):
    reason = "Water\neverywhere " + "x" * 300
    _reopen(closed, customer, reason=reason)
    run_worker()
    (message,) = mail.outbox
    assert "\n" not in message.subject and message.subject.endswith("…")
    assert len(message.subject) < 160
    assert "x" * 300 in message.body


def test_a_manager_who_turned_status_changes_off_is_not_written_to(closed, customer, manager):
    other = ManagerFactory()
    EmailPreferences.objects.create(user=manager, status_changes=False)
    _reopen(closed, customer)
    run_worker()
    assert [m.to for m in mail.outbox] == [[other.email]]


def test_turned_off_or_out_of_the_group_before_sending_means_skipped(closed, customer, manager):
    _reopen(closed, customer)
    notify_request_reopened.call(closed.events.filter(kind="status").order_by("-pk").first().pk)
    EmailPreferences.objects.create(user=manager, status_changes=False)
    run_worker()
    assert mail.outbox == []
    assert EmailDelivery.objects.get(kind="reopened").status == "skipped"


def test_a_manager_taken_out_of_the_group_meanwhile_gets_nothing(closed, customer, manager):
    _reopen(closed, customer)
    notify_request_reopened.call(closed.events.filter(kind="status").order_by("-pk").first().pk)
    manager.groups.clear()
    manager.organisation = customer.organisation  # now a customer who may see the request
    manager.save()
    run_worker()
    assert mail.outbox == []
    assert EmailDelivery.objects.get(kind="reopened").status == "skipped"
