"""How a transactional test's database is emptied after it, on PostgreSQL.

Django ends every transactional test (pytest-django's `transactional_db`, every browser test)
with `flush`: on PostgreSQL one `TRUNCATE` of every table, then the post_migrate signal, which
makes the content types and permissions again. A TRUNCATE gives each table and index new
files and takes an exclusive lock on all of them: 1.1–1.7 s per test on the 2-core machine
(measured 2026-12-07, 45 tables), about a sixth of the browser stage's time. A `DELETE` of the
few rows a test leaves takes 1–10 ms, and with the content types and permissions kept (the
migrations made them and no test changes them) post_migrate finds nothing to make: 40 ms in
all.

Foreign keys are `DEFERRABLE INITIALLY DEFERRED` on PostgreSQL (Django makes them so), so the
tables are emptied in any order in one transaction and checked once at its commit.

Between browser tests the live server, a process of its own, may still be writing what a
page sent just before its browser closed (a message, a read receipt). A DELETE takes row
locks only, so the two no longer deadlock on table locks as TRUNCATE did; a row the server
inserts under a parent this transaction deleted fails the commit's check instead, and the
whole emptying (rolled back) is run again, a few times at most.
"""

from __future__ import annotations

import time

from django.core.management.sql import emit_post_migrate_signal
from django.db import IntegrityError, OperationalError, connections, transaction

# Reference data the migrations and post_migrate make; no test adds to it.
KEPT = frozenset({"django_content_type", "auth_permission", "django_migrations"})


def _empty(alias: str) -> None:
    connection = connections[alias]
    tables = [
        table
        for table in connection.introspection.django_table_names(
            only_existing=True, include_views=False
        )
        if table not in KEPT
    ]
    quote = connection.ops.quote_name
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(";".join(f"DELETE FROM {quote(table)}" for table in tables))


def patched_teardown(original):
    """TransactionTestCase._fixture_teardown that empties PostgreSQL databases with DELETE;
    Django's own (flush) for any other database or a test limited to some apps."""

    def teardown(test_case) -> None:
        aliases = test_case._databases_names(include_mirrors=False)
        if test_case.available_apps is not None or any(
            connections[alias].vendor != "postgresql" for alias in aliases
        ):
            return original(test_case)
        for alias in aliases:
            for attempt in range(5):
                try:
                    _empty(alias)
                    break
                except (IntegrityError, OperationalError):
                    if attempt == 4:
                        raise
                    time.sleep(0.2 * (attempt + 1))
            serialized = test_case.serialized_rollback and hasattr(
                connections[alias], "_test_serialized_contents"
            )
            if not serialized:  # as flush does
                emit_post_migrate_signal(0, False, alias)

    return teardown
