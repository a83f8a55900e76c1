"""Telling the log about a dependency that went away (Redis, the channel layer,
PostgreSQL) once, and what counts as its going away.

With Redis down, every socket and every send would otherwise log the same traceback,
burying everything else. An Outage logs the first failure as a warning, stays quiet while
it lasts, and logs once more when the dependency answers again.
"""

from __future__ import annotations

import logging
import threading

from django.db import InterfaceError, OperationalError
from redis.exceptions import RedisError

# What a channel layer or cache on Redis raises when Redis cannot be reached or answers
# too late (redis-py's ConnectionError and TimeoutError are RedisErrors; a refused or
# reset socket may surface as a bare OSError).
REDIS_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError)

# What Django raises when the database cannot be reached or answer: a refused or dropped
# connection, the pool's timeout (psycopg_pool.PoolTimeout arrives as OperationalError), a
# server shutting down. Not every DatabaseError: a constraint violation (IntegrityError)
# or a bad query (ProgrammingError) is a bug or a conflict, and trying again won't help.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
# What the answers during a database outage ask clients to wait before trying again
# (Retry-After): about as long as PostgreSQL takes to restart.
RETRY_AFTER_SECONDS = 5


class Outage:
    def __init__(self, what: str, logger: logging.Logger):
        self.what = what
        self.logger = logger
        self._down = False
        self._lock = threading.Lock()

    @property
    def is_down(self) -> bool:
        return self._down

    def failed(self, error: BaseException) -> None:
        with self._lock:
            if self._down:
                return
            self._down = True
        self.logger.warning("%s is unavailable: %s: %s", self.what, type(error).__name__, error)

    def recovered(self) -> None:
        if not self._down:  # the common case, without taking the lock
            return
        with self._lock:
            if not self._down:
                return
            self._down = False
        self.logger.warning("%s is available again", self.what)


# PostgreSQL as this process's pages and sockets see it (readiness probes keep their own).
database_outage = Outage("the database", logging.getLogger(__name__))
