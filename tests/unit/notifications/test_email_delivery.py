"""Sending: once only, retried with back-off, the recipient's language, the headers,
and the closing and new-request e-mails."""

import smtplib
from datetime import timedelta
from email.utils import parseaddr

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone, translation

from tenantdesk.chat.services.send import message_send
from tenantdesk.notifications import delivery as delivery_module
from tenantdesk.notifications import tasks as tasks_module
from tenantdesk.notifications.models import EmailDelivery, EmailPreferences, PendingDigest
from tenantdesk.notifications.tasks import deliver_email, send_digests
from tenantdesk.notifications.tokens import read_reply_token, read_unsubscribe_token
from tenantdesk.service_requests.events import event_record
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.payloads import Created
from tenantdesk.service_requests.services.status import service_request_change_status
from tests.factories import CustomerFactory, ManagerFactory
from tests.unit.chat.helpers import follow
from tests.unit.notifications.email_helpers import jobs, move_back, run_worker


@pytest.fixture
def digest_due(customer, manager, service_request, django_capture_on_commit_callbacks):
    """A manager's message to `customer`, unread past the delay."""
    with django_capture_on_commit_callbacks(execute=True):
        message = message_send(author=manager, service_request=service_request, text="Hi there")
    move_back(301)
    return message


class FlakyBackend(EmailBackend):
    """The locmem backend, refusing while `failures` lasts (a mail server that is down)."""

    failures = 0

    def send_messages(self, messages):
        if FlakyBackend.failures:
            FlakyBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.failures = 0
    return FlakyBackend


# --- once only --------------------------------------------------------------------------


def test_two_workers_deciding_the_same_digest_send_it_once(digest_due, customer, service_request):
    # Two digest jobs for the same request and side, as two workers would run them at
    # the same moment (each reads the same state): the idempotency key lets one win.
    for _ in range(2):
        send_digests.call(service_request.pk, "customer")
    assert EmailDelivery.objects.count() == 1
    run_worker()
    assert len(mail.outbox) == 1


def test_a_sending_job_run_twice_sends_once(digest_due, service_request):
    send_digests.call(service_request.pk, "customer")
    delivery = EmailDelivery.objects.get()
    assert deliver_email.call(delivery.pk)["status"] == "sent"
    assert deliver_email.call(delivery.pk)["status"] == "taken"
    assert len(mail.outbox) == 1


def test_an_email_whose_worker_died_while_sending_is_never_sent_again(digest_due, service_request):
    # The server may have accepted it before the process died: at most once, by choice.
    send_digests.call(service_request.pk, "customer")
    delivery = EmailDelivery.objects.get()
    EmailDelivery.objects.filter(pk=delivery.pk).update(
        status=EmailDelivery.Status.SENDING, attempts=1
    )
    run_worker()
    assert deliver_email.call(delivery.pk)["status"] == "taken"
    assert mail.outbox == []


# --- retry --------------------------------------------------------------------------------


def test_a_refused_send_is_retried_with_exponential_back_off_then_sent_once(
    digest_due, service_request, flaky
):
    flaky.failures = 2
    run_worker()  # the digest job, then the first attempt
    delivery = EmailDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "Connection unexpectedly closed" in delivery.last_error
    retry = jobs("deliver_email", ready_only=False).filter(status="READY").get()
    wait = retry.run_after - timezone.now()
    assert timedelta(seconds=55) < wait <= timedelta(seconds=60)
    assert run_worker() == 0  # not before its time

    move_back(60)
    run_worker()
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    retry = jobs("deliver_email").filter(status="READY").get()
    assert timedelta(seconds=115) < retry.run_after - timezone.now() <= timedelta(seconds=120)

    move_back(120)
    run_worker()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 3, "")
    assert len(mail.outbox) == 1
    move_back(10_000)
    assert run_worker() == 0
    assert len(mail.outbox) == 1


def test_attempts_are_bounded(digest_due, service_request, flaky, monkeypatch):
    monkeypatch.setattr(delivery_module, "MAX_ATTEMPTS", 3)
    flaky.failures = 10
    run_worker()
    for _ in range(5):
        move_back(10_000)
        run_worker()
    delivery = EmailDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert not jobs("deliver_email").filter(status="READY").exists()
    assert mail.outbox == []


def test_a_mail_server_that_cannot_be_reached_is_retried_too(digest_due, service_request, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens (discard)
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    run_worker()
    delivery = EmailDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert jobs("deliver_email").filter(status="READY").count() == 1


# --- language and content ---------------------------------------------------------------


def test_each_person_gets_the_email_in_the_language_they_last_used(
    customer, manager, service_request, django_capture_on_commit_callbacks
):
    colleague = CustomerFactory(organisation=customer.organisation, language="ru")
    follow(colleague, service_request)
    customer.language = "en"
    customer.save()
    # The sender's language does not matter.
    with translation.override("ru"), django_capture_on_commit_callbacks(execute=True):
        message_send(author=manager, service_request=service_request, text="Привет")
    move_back(301)
    run_worker()
    by_address = {m.to[0]: m for m in mail.outbox}
    russian, english = by_address[colleague.email], by_address[customer.email]
    assert "непрочитанное сообщение" in russian.subject
    assert "Открыть чат" in russian.body
    assert 'lang="ru"' in russian.alternatives[0][0]
    assert "Отписаться" in russian.alternatives[0][0]
    assert "unread message" in english.subject
    assert 'lang="en"' in english.alternatives[0][0]


def test_headers_links_and_no_images(digest_due, customer, service_request, settings):
    settings.REPLY_DOMAIN = "reply.desk.example.com"
    run_worker()
    (message,) = mail.outbox
    headers = message.extra_headers
    assert message.from_email == "Tenant Desk <noreply@desk.example.com>"
    assert message.subject.startswith("[Tenant Desk] ")
    url = headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("https://desk.example.com/email/unsubscribe/")
    assert read_unsubscribe_token(url.rsplit("/", 1)[1]) == (customer.pk, "missed_messages")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["Auto-Submitted"] == "auto-generated"
    assert headers["Message-ID"].endswith("@desk.example.com>")
    (reply_to,) = message.reply_to
    local = parseaddr(reply_to)[1].split("@")[0]
    target = read_reply_token(local.removeprefix("reply+"))
    assert (target.user_id, target.service_request_id) == (customer.pk, service_request.pk)
    html = message.alternatives[0][0]
    assert "<img" not in html.lower() and "background-image" not in html
    assert f'href="https://desk.example.com/request/{service_request.pk}"' in html
    assert url in html and url in message.body
    # Everything linked is the site's own address.
    hrefs = [part.split('"', 1)[0] for part in html.split('href="')[1:]]
    assert hrefs and all(h.startswith("https://desk.example.com/") for h in hrefs)


def test_no_reply_to_without_a_reply_domain(digest_due):
    run_worker()
    assert mail.outbox[0].reply_to == []


# --- closing and new requests ---------------------------------------------------------------


def test_closing_emails_the_customer_side_at_once(
    customer, manager, service_request, django_capture_on_commit_callbacks
):
    colleague = CustomerFactory(organisation=customer.organisation, language="ru")
    quiet = CustomerFactory(organisation=customer.organisation)
    follow(colleague, service_request)
    follow(quiet, service_request)
    EmailPreferences.objects.create(user=quiet, status_changes=False)
    CustomerFactory(organisation=customer.organisation)  # does not follow it: not told
    CustomerFactory()  # another organisation
    with django_capture_on_commit_callbacks(execute=True):
        service_request_change_status(
            actor=manager, service_request=service_request, status=ServiceRequest.Status.CLOSED
        )
    run_worker()  # at once: no delay
    closings = [m for m in mail.outbox if "closed" in m.subject or "закрыта" in m.subject]
    assert sorted(m.to[0] for m in closings) == sorted([customer.email, colleague.email])
    russian = next(m for m in closings if m.to == [colleague.email])
    assert "закрыта" in russian.subject
    english = next(m for m in closings if m.to == [customer.email])
    token = english.extra_headers["List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]
    assert read_unsubscribe_token(token) == (customer.pk, "status_changes")
    assert manager.email not in [m.to[0] for m in mail.outbox]


def test_a_status_change_that_is_not_a_closing_emails_nobody_at_once(
    customer, manager, service_request, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        service_request_change_status(
            actor=manager,
            service_request=service_request,
            status=ServiceRequest.Status.IN_PROGRESS,
        )
    run_worker()
    assert mail.outbox == []


def test_a_new_request_emails_the_managers_at_once(customer, manager, service_request):
    other = ManagerFactory(language="ru")
    uninterested = ManagerFactory()
    EmailPreferences.objects.create(user=uninterested, new_requests=False)
    event_record(
        service_request=service_request, actor=customer, payload=Created(), at=timezone.now()
    )
    run_worker()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([manager.email, other.email])
    russian = next(m for m in mail.outbox if m.to == [other.email])
    assert "Новая заявка" in russian.subject
    assert customer.organisation.name in russian.subject
    assert customer.email not in [m.to[0] for m in mail.outbox]


def test_a_digest_job_that_fails_looks_again_a_minute_later(digest_due, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(tasks_module, "plan_digests", broken)
    run_worker()
    assert jobs("send_digests").get(status="FAILED")
    again = jobs("send_digests").get(status="READY")
    assert timedelta(seconds=55) < again.run_after - timezone.now() <= timedelta(seconds=60)
    assert PendingDigest.objects.get().due_at == again.run_after
    monkeypatch.undo()
    move_back(60)
    run_worker()
    assert len(mail.outbox) == 1


def test_a_title_with_a_line_break_still_makes_a_one_line_subject(digest_due, service_request):
    ServiceRequest.objects.filter(pk=service_request.pk).update(title="Leak\r\nBcc: x@evil.test")
    run_worker()
    (message,) = mail.outbox
    assert "\n" not in message.subject and "\r" not in message.subject
    assert message.bcc == []
    headers = message.message()
    assert headers["Bcc"] is None and headers.get_all("Subject") == [headers["Subject"]]
