"""A simulated database outage for unit tests: every new cursor, in any thread (pages,
the sockets' database threads, the readiness probe), fails as a stopped PostgreSQL makes
it fail, until the test brings the database back."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from tenantdesk.core.outages import database_outage


class SimulatedOutage:
    def __init__(self):
        self.down = False

    def stop(self) -> None:
        self.down = True

    def start(self) -> None:
        self.down = False


@pytest.fixture(name="database")
def database_fixture(monkeypatch):
    """`database.stop()` / `database.start()`: queries fail while stopped."""
    outage = SimulatedOutage()
    cursor = BaseDatabaseWrapper._cursor

    def failing_cursor(self, name=None):
        if outage.down:
            # What psycopg says when the server went away, as Django raises it.
            raise OperationalError("connection to server failed: Connection refused")
        return cursor(self, name)

    monkeypatch.setattr(BaseDatabaseWrapper, "_cursor", failing_cursor)
    yield outage
    outage.start()
    database_outage.recovered()  # the process-wide state, for the next test
