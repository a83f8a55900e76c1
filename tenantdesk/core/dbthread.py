"""Running database work from async code (the chat socket): one trip per frame.

Channels closes stale connections before every event it dispatches (one more trip to the
database thread) and around every database_sync_to_async call, and with
CONN_HEALTH_CHECKS each close is followed by a health-check query: several per message.
Here that housekeeping happens inside the trip that does the work: at most every
HOUSEKEEPING_SECONDS (CONN_MAX_AGE and health checks keep their meaning), and at once
after a database error, so the next trip starts with a fresh connection (after a
PostgreSQL restart the first send fails and a retry works).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from asgiref.sync import sync_to_async
from django.db import DatabaseError, close_old_connections

HOUSEKEEPING_SECONDS = 10.0
_last_housekeeping = 0.0


def _tidy() -> None:
    global _last_housekeeping
    now = time.monotonic()
    if now - _last_housekeeping >= HOUSEKEEPING_SECONDS:
        _last_housekeeping = now
        close_old_connections()


def in_database_thread(func: Callable, *args, **kwargs):
    """Awaitable: func(*args, **kwargs) in the worker's one synchronous thread, where
    Django's connection for async code lives (as with Channels' database_sync_to_async)."""

    def call():
        _tidy()
        try:
            return func(*args, **kwargs)
        except DatabaseError:
            close_old_connections()  # an unusable connection is dropped, not reused
            raise

    return sync_to_async(call, thread_sensitive=True)()
