"""Django's database sessions, read with one hand-written statement.

Every signed-in page, every HTTP send and every socket's handshake loads its session
first. Django's store asks the ORM (`Session.objects.get(session_key=…,
expire_date__gt=now)`), whose building of that one-table query cost about three times
running it (0.5 ms of CPU against 0.15 ms on the 2-core machine; bench/README.md, "The
pages' own queries"). This store asks the same question as SQL built from the model's own
names; everything else (saving, expiry, flushing, clearing) is Django's.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from django.contrib.sessions.backends import db
from django.core.exceptions import SuspiciousOperation
from django.db import connections, router
from django.utils import timezone

from tenantdesk.core.raw_sql import instance_from_row, row_converters


@lru_cache(maxsize=4)
def _statement(model, alias: str) -> tuple[str, list[str], tuple]:
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    meta = model._meta
    sql = (
        f"SELECT {', '.join(quote(f.column) for f in fields)}"  # noqa: S608
        f" FROM {quote(meta.db_table)}"
        f" WHERE {quote(meta.get_field('session_key').column)} = %s"
        f" AND {quote(meta.get_field('expire_date').column)} > %s"
    )
    return sql, [f.attname for f in fields], row_converters(fields, connection)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        """The session row if it exists and has not expired (Django's answer), else None
        with the key forgotten, as Django's store does."""
        model = self.model
        alias = router.db_for_read(model)
        connection = connections[alias]
        try:
            session_key = self.session_key
            sql, attnames, converters = _statement(model, alias)
            now = connection.ops.adapt_datetimefield_value(timezone.now())
            with connection.cursor() as cursor:
                cursor.execute(sql, [session_key, now])
                row = cursor.fetchone()
        except SuspiciousOperation as error:
            logger = logging.getLogger(f"django.security.{error.__class__.__name__}")
            logger.warning(str(error))
            row = None
        if row is None:
            self._session_key = None
            return None
        return instance_from_row(model, attnames, converters, row, connection)
