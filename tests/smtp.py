"""A real SMTP server for tests (aiosmtpd on 127.0.0.1) and Django pointed at it."""

from __future__ import annotations

import email
import email.policy
import threading
import time
from contextlib import contextmanager

from aiosmtpd.controller import Controller

from harness.stack import free_port


class Inbox:
    """What the SMTP server accepted, with the moment it accepted each message."""

    def __init__(self):
        self.messages: list[tuple[float, list[str], email.message.EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append((time.time(), list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def to(self, address: str):
        with self.lock:
            return [m for m in self.messages if address in m[1]]


@contextmanager
def smtp_server(settings):
    """An SMTP server on a free port, with Django's SMTP backend sending to it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        yield inbox
    finally:
        controller.stop()
