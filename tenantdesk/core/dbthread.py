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

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from django.conf import settings
from django.db import DatabaseError, close_old_connections

HOUSEKEEPING_SECONDS = 10.0
# Enough to overlap round trips; each thread holds a database connection (CONN_MAX_AGE).
THREADS = 4
_executor: ThreadPoolExecutor | None = None
_local = threading.local()


def _threads() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        # SQLite takes one writer at a time anyway (and its shared in-memory test database
        # refuses a second one instead of waiting): one thread there.
        sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
        _executor = ThreadPoolExecutor(
            max_workers=1 if sqlite else THREADS, thread_name_prefix="database"
        )
    return _executor


def _tidy() -> None:
    now = time.monotonic()
    if now - getattr(_local, "tidied_at", 0.0) >= HOUSEKEEPING_SECONDS:
        _local.tidied_at = now
        close_old_connections()


def in_database_thread(func: Callable, *args, **kwargs):
    """Awaitable: func(*args, **kwargs) in one of a few database threads, each with its
    own connection (Django's connections are per thread).

    Not the single thread that Channels' database_sync_to_async uses: the work is mostly
    waiting for PostgreSQL and Redis, and one thread queues every socket of the worker
    behind each round trip. A socket still handles its own frames one after another."""

    def call():
        _tidy()
        try:
            return func(*args, **kwargs)
        except DatabaseError:
            close_old_connections()  # an unusable connection is dropped, not reused
            raise
        finally:
            if not settings.DATABASES["default"].get("CONN_MAX_AGE"):
                # CONN_MAX_AGE=0 (the laptop default, the tests) means a connection per
                # unit of work, as Django does per request.
                close_old_connections()

    return sync_to_async(call, thread_sensitive=False, executor=_threads())()


class DispatchesWithoutCleanup:
    """Mixin for a Channels consumer whose database work goes through in_database_thread.

    Channels' own dispatch closes old database connections before every event, a trip to
    the database thread each time; in_database_thread tidies inside the work instead."""

    async def dispatch(self, message):
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)
