"""Trigram indexes for the managers' search (issue 18): `icontains` on a title, a
description or an office number is answered from an index on PostgreSQL instead of
reading every request. The expressions are what Django's icontains compares
(UPPER(column::text) LIKE UPPER(…)); pg_trgm is a trusted extension (PostgreSQL 13+),
so the database's owner may create it. SQLite keeps scanning (a laptop's data)."""

from django.db import migrations

from tenantdesk.core.migration_ops import PostgresOnlySQL

TABLE = "service_requests_servicerequest"
COLUMNS = ("title", "description", "office")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY runs outside a transaction

    dependencies = [
        ("service_requests", "0005_message_counts"),
    ]

    operations = [
        PostgresOnlySQL(
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            reverse_sql=migrations.RunSQL.noop,
        ),
        *(
            PostgresOnlySQL(
                f"CREATE INDEX CONCURRENTLY IF NOT EXISTS sr_search_{column} ON {TABLE} "
                f"USING gin (UPPER({column}::text) gin_trgm_ops)",
                reverse_sql=f"DROP INDEX CONCURRENTLY IF EXISTS sr_search_{column}",
            )
            for column in COLUMNS
        ),
    ]
