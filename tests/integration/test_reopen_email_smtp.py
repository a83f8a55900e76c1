"""The reopen e-mail end to end against a real SMTP server (aiosmtpd on 127.0.0.1), with
the fixtures and the worker loop of test_email_smtp.py: a customer reopens a closed request
the way the site does (service_requests.closure), the worker's loop sends, Django's SMTP
backend talks to the server over TCP."""

from __future__ import annotations

import random
import time

import pytest

from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services.closure import service_request_reopen
from tenantdesk.service_requests.services.status import service_request_change_status
from tests.factories import ManagerFactory
from tests.integration.test_email_smtp import (  # noqa: F401  (smtp, people: fixtures)
    POLL,
    _html,
    _text,
    people,
    smtp,
    work_until,
)

pytestmark = pytest.mark.django_db


def test_a_reopening_reaches_every_manager_once_in_their_language(
    smtp,  # noqa: F811
    people,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    customer, colleague, manager, service_request = people
    russian_manager = ManagerFactory(language="ru")
    with django_capture_on_commit_callbacks(execute=True):
        service_request_change_status(
            actor=manager, service_request=service_request, status=ServiceRequest.Status.CLOSED
        )
    assert work_until(lambda: smtp.to(customer.email), timeout=20)  # the closing's e-mail
    customers_before = len(smtp.to(customer.email)) + len(smtp.to(colleague.email))

    service_request.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        service_request_reopen(
            actor=colleague, service_request=service_request, reason="Still dripping"
        )
    reopened_at = time.time()
    assert work_until(
        lambda: smtp.to(manager.email) and smtp.to(russian_manager.email),
        timeout=20,
        phase=random.random() * POLL,
    )
    work_until(lambda: False, timeout=2)  # nothing more arrives
    assert len(smtp.to(manager.email)) == 1 and len(smtp.to(russian_manager.email)) == 1
    # The customer side is never told of its own reopening.
    assert len(smtp.to(customer.email)) + len(smtp.to(colleague.email)) == customers_before

    accepted_at, _rcpt, english = smtp.to(manager.email)[0]
    number = service_request.pk
    assert english["Subject"] == f"[Tenant Desk] Request #{number} was reopened: Still dripping"
    assert "Still dripping" in _text(english) and "Still dripping" in _html(english)
    assert f"http://testserver/request/{number}" in _html(english)
    assert (
        english["List-Unsubscribe"]
        .strip()
        .strip("<>")
        .startswith("http://testserver/email/unsubscribe/")
    )
    assert english["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    russian = smtp.to(russian_manager.email)[0][2]
    # An encoded, folded header: compare its words.
    assert (
        " ".join(russian["Subject"].split())
        == f"[Tenant Desk] Заявка №{number} снова открыта: Still dripping"
    )
    assert "Причина" in _text(russian) and "Открыть чат" in _html(russian)
    # At once: the worker's poll plus the work, no delay (measured, not asserted).
    print("reopen → accepted:", round(accepted_at - reopened_at, 3), "s")
