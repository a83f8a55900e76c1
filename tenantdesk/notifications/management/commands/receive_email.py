"""manage.py receive_email: one raw message on standard input, the way Postfix's pipe(8)
transport hands it over (docs/reply-by-email.md, deploy/postfix/).

Exit status, as pipe(8) reads it (sysexits):
- 0 when the reply was stored, and also when it was refused: the reason is logged, and a
  bounce would go to whoever the envelope names, most often a spammer's forged address
  (backscatter) or an auto-responder (a loop);
- 75 (EX_TEMPFAIL) when the database is unavailable or anything unexpected failed:
  Postfix keeps the mail and tries again later, so a reply is not lost to an outage.
"""

from __future__ import annotations

import logging
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import InterfaceError, OperationalError

from tenantdesk.notifications.inbound.services import inbound_email_receive, message_max_bytes

logger = logging.getLogger("tenantdesk.notifications.inbound")

EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Post a reply e-mail (one raw message on standard input) into its request's chat."
    # call_command(..., stdin=BytesIO(...)) in tests; sys.stdin otherwise.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument(
            "--recipient",
            default="",
            help="The envelope recipient (Postfix: ${recipient}); when given, it alone "
            "names the reply address.",
        )

    def handle(self, *args, **options):
        raw = self._read(options.get("stdin") or sys.stdin)
        try:
            outcome = inbound_email_receive(raw=raw, recipient=options["recipient"] or None)
        except (OperationalError, InterfaceError) as error:
            logger.warning("inbound e-mail deferred, the database is unavailable: %s", error)
            raise CommandError(f"database unavailable: {error}", returncode=EX_TEMPFAIL) from None
        except Exception as error:
            logger.exception("inbound e-mail deferred after an unexpected error")
            raise CommandError(f"unexpected error: {error}", returncode=EX_TEMPFAIL) from None
        if outcome.stored:
            self.stdout.write(f"{outcome.code}: chat message {outcome.message.pk}")
        else:
            self.stdout.write(f"refused: {outcome.code} ({outcome.detail})")

    @staticmethod
    def _read(stream) -> bytes:
        # Bytes as they came (a mail may mix charsets); one byte over the limit is enough
        # for the service to refuse it as too large.
        source = getattr(stream, "buffer", stream)
        data = source.read(message_max_bytes() + 1)
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        return data
