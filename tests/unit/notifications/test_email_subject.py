"""The Subject header of every e-mail is one line and starts on its own line, also for a
request whose title was stored with a line break before titles were made one line."""

from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from django.core import mail

from tenantdesk.chat.services.send import message_send
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services.closure import service_request_reopen
from tenantdesk.service_requests.services.status import service_request_change_status
from tests.unit.notifications.email_helpers import move_back, run_worker


def sent_subject() -> tuple[bytes, str]:
    """The one e-mail sent: its Subject header as written on the wire (folds included),
    and its value as a mail client reads it (unfolded and decoded)."""
    (message,) = mail.outbox
    wire = message.message().as_bytes(linesep="\r\n")
    head = wire.split(b"\r\n\r\n", 1)[0]
    lines = head.split(b"\r\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(b"Subject:"))
    end = start + 1
    while end < len(lines) and lines[end][:1] in (b" ", b"\t"):
        end += 1
    header = b"\r\n".join(lines[start:end])
    parsed = message_from_bytes(wire)["Subject"]
    # Unfolding (RFC 5322 2.2.3) removes each CRLF before whitespace, nothing else.
    read = str(make_header(decode_header(parsed.replace("\r\n", "").replace("\n", ""))))
    return header, read


def _digest_of(service_request, *, author, title: str, capture) -> None:
    # An old row: stored directly, as titles were before the one-line rule.
    ServiceRequest.objects.filter(pk=service_request.pk).update(title=title)
    with capture(execute=True):
        message_send(author=author, service_request=service_request, text="Hi there")
    move_back(301)
    run_worker()


@pytest.mark.django_db(transaction=False)
def test_an_old_title_with_crlf_makes_a_one_line_subject(
    manager, service_request, django_capture_on_commit_callbacks
):
    _digest_of(
        service_request,
        author=manager,
        title="Leak\r\nBcc: x@evil.test",
        capture=django_capture_on_commit_callbacks,
    )
    header, read = sent_subject()
    assert read == (
        f"[Tenant Desk] 1 unread message in request #{service_request.pk} “Leak Bcc: x@evil.test”"
    )
    # On the wire: the value starts on the header's own line (no fold right after the
    # name) and every line after it is a continuation (a fold, not a new header).
    first, *continued = header.split(b"\r\n")
    assert first.startswith(b"Subject: =?utf-8?") and len(first) <= 78
    assert all(line.startswith(b" ") for line in continued)
    assert mail.outbox[0].message()["Bcc"] is None


@pytest.mark.django_db(transaction=False)
def test_a_long_russian_subject_does_not_start_with_a_fold(
    manager, customer, service_request, django_capture_on_commit_callbacks
):
    customer.language = "ru"
    customer.save(update_fields=["language"])
    title = "Течёт кран на кухне,\r\nи в туалете\u2028тоже течёт: вода на полу у окна"
    _digest_of(
        service_request, author=manager, title=title, capture=django_capture_on_commit_callbacks
    )
    header, read = sent_subject()
    assert "\n" not in read and "\r" not in read and "\u2028" not in read
    assert "«Течёт кран на кухне, и в туалете тоже течёт: вода на полу у окна»" in read
    first, *continued = header.split(b"\r\n")
    assert first.startswith(b"Subject: =?utf-8?")  # not b"Subject: " and then a fold
    assert continued and all(line.startswith(b" ") for line in continued)
    assert all(len(line) <= 78 for line in header.split(b"\r\n"))


@pytest.mark.django_db(transaction=False)
def test_an_ascii_subject_starts_on_its_line_too(service_request, manager, customer):
    # The reopen e-mail's subject is plain ASCII (no quotes around a title), folded
    # without encoding: it too starts right after the name.
    service_request_change_status(
        actor=manager, service_request=service_request, status=ServiceRequest.Status.CLOSED
    )
    run_worker()
    mail.outbox.clear()
    reason = "The tap drips again, " + "and again " * 6  # under 100: not cut, no "…"
    service_request_reopen(actor=customer, service_request=service_request, reason=reason)
    run_worker()
    header, read = sent_subject()
    assert read == f"[Tenant Desk] Request #{service_request.pk} was reopened: {reason.strip()}"
    first, *continued = header.split(b"\r\n")
    assert first.startswith(b"Subject: [Tenant Desk] Request #")
    assert continued and all(line.startswith(b" ") for line in continued)
