"""Invitations as a test reads them: the e-mail the worker sent, and its link."""

from __future__ import annotations

import re

from django.core import mail

from tests.unit.notifications.email_helpers import run_worker

LINK = re.compile(r"https://desk\.example\.com(/accounts/invite/[A-Za-z0-9_-]+)")


def invite(client, email="nina@example.com", role="member", language="en"):
    return client.post("/org/members/invite", {"email": email, "role": role, "language": language})


def sent_link(to: str) -> str:
    """The path of the newest invitation link e-mailed to `to` (after running the jobs)."""
    run_worker()
    for message in reversed(mail.outbox):
        if message.to == [to]:
            return LINK.search(message.body).group(1)
    raise AssertionError(f"no e-mail to {to}: {[m.to for m in mail.outbox]}")
