"""Whether a chat socket's person may still read its request: asked once when it opens,
again when accounts announce a change (access.changed), and at most every
ACCESS_RECHECK_SECONDS on frames and broadcasts, so nothing depends on the push alone.

The rules themselves are service_requests.access' and accounts.sessions'; this mixin only keeps
the socket's copy of their answer fresh and closes the socket when it no longer holds.
"""

from __future__ import annotations

import time

from django.http import Http404

from tenantdesk.accounts.sessions import session_user
from tenantdesk.chat import protocol
from tenantdesk.core.dbthread import in_database_thread
from tenantdesk.core.outages import database_outage
from tenantdesk.service_requests.access import access_service_request, can_read_internal_notes

ACCESS_RECHECK_SECONDS = 30


class RequestSocketAccess:
    """Mixin for the chat consumer; sets `user` and `service_request` while access holds."""

    user = None
    session_key = None
    service_request_id = None
    checked_at = 0.0
    # Set once access was found gone: the socket is closing, and a frame that still
    # reaches it (sent before the client saw the close) is not acted on.
    access_lost = False
    # Whether the person may receive internal notes (a manager), kept as fresh as access.
    reads_internal_notes = False

    async def open_access(self) -> int | None:
        """At the handshake: None when the socket may open, else the close code."""
        self.session_key = protocol.session_key(self.scope)
        code = await in_database_thread(self._access_close_code)
        self.checked_at = time.monotonic()
        database_outage.recovered()  # the session was read: the database answers
        return code

    async def still_allowed(self, *, at_most_every: float | None = None) -> bool:
        """True while access holds; else closes the socket. Asks again only when the last
        answer is older than `at_most_every` (default ACCESS_RECHECK_SECONDS; 0: now)."""
        if self.access_lost:
            return False
        if at_most_every is None:
            at_most_every = ACCESS_RECHECK_SECONDS
        if time.monotonic() - self.checked_at < at_most_every:
            return True
        code = await in_database_thread(self._access_close_code)
        self.checked_at = time.monotonic()
        if code is not None:
            self.access_lost = True
            await self.close(code=code)
        return code is None

    def _access_close_code(self) -> int | None:
        # One trip: the session, its user and their access to the request. The user as
        # the session now has it: a changed password, deactivation or a new role takes
        # effect here exactly as on the next page load.
        user = session_user(self.session_key)
        if user is None or (self.user is not None and user.pk != self.user.pk):
            return protocol.CLOSE_SIGNED_OUT
        try:
            self.service_request = access_service_request(user, self.service_request_id)
        except Http404:
            return protocol.CLOSE_NOT_FOUND
        user.organisation  # noqa: B018  (loaded now: every message names it, without a query)
        self.reads_internal_notes = can_read_internal_notes(user)
        self.user = user
        return None
