"""Unread state: which messages of the other side a person has not read yet.

A person's read position per request is a ReadCursor; a message is unread for them when it
is a person's message (not a system one, not an internal note) of the other side (a
manager's for a customer, a customer's for a manager) with an id above their cursor.

Nothing here counts messages. Each request keeps how many such messages each side wrote
(ServiceRequest.messages_from_customers / _from_managers, bumped by the send statement),
and each cursor how many of them it has passed (ReadCursor.read_from_*, moved by
messages_mark_read): a person's unread count in a request is one subtraction over two rows.
So the badge and the lists cost the same with 2,000 or 2,000,000 messages, one query each.

The plan PostgreSQL 15 chose for a manager's badge on `seed_volume`'s default data (60,000
requests of which 3,045 open, 2,000,000 messages; that manager has 1,589 read positions),
9 ms on the 2-core machine; the messages table is not read:

    Aggregate  (actual time=9.150..9.153 rows=1)
      ->  Hash Left Join  (rows=3045)
            Hash Cond: (service_requests_servicerequest.id = my_cursor.service_request_id)
            ->  Bitmap Heap Scan on service_requests_servicerequest  (rows=3045)
                  Recheck Cond: (status = ANY ('{pending,in_progress}'))
                  ->  Bitmap Index Scan on sr_status_assignee
            ->  Hash
                  ->  Bitmap Heap Scan on chat_readcursor my_cursor  (rows=1589)
                        Recheck Cond: (user_id = 1)
                        ->  Bitmap Index Scan on chat_readcursor_user_id_ffbdb42d
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from django.db import connection
from django.db.models import F, FilteredRelation, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Greatest

from tenantdesk.accounts.roles import is_manager
from tenantdesk.chat.models import ReadCursor
from tenantdesk.service_requests.access import (
    visible_requests_sql,
)
from tenantdesk.service_requests.models import ServiceRequest


def _counted_fields(user) -> tuple[str, str]:
    """(the request's count, the cursor's count) of the messages that can be unread for
    this person: the other side's."""
    if is_manager(user):
        return "messages_from_customers", "read_from_customers"
    return "messages_from_managers", "read_from_managers"


def with_unread(queryset: QuerySet[ServiceRequest], *, user) -> QuerySet[ServiceRequest]:
    """The requests, each annotated with `unread`: this person's unread messages in it."""
    count_field, read_field = _counted_fields(user)
    # A LEFT JOIN to this person's cursor only (at most one row per request).
    return queryset.annotate(
        my_cursor=FilteredRelation("read_cursors", condition=Q(read_cursors__user=user.pk))
    ).annotate(
        # Never below zero, whatever happened to a count (a message deleted by hand).
        unread=Greatest(F(count_field) - Coalesce(F(f"my_cursor__{read_field}"), Value(0)), 0)
    )


@lru_cache(maxsize=8)
def _unread_sql(count_field: str, read_field: str, *, total: bool) -> str:
    """with_unread()'s count as SQL, from the models' own names, for the requests of a
    `{requests}` row source named `sr` (the table, or a derived table of some of its rows
    with their id and count columns) that a `{where}` condition picks: each one's (id,
    unread), or (total=True) their sum. Written as SQL: every page asks the total (the
    navigation's badge) and the lists once more for their rows, and the ORM's building
    of the FilteredRelation's join cost five to ten times running it (about 1 ms of CPU
    against 0.1 ms; bench/README.md, "The pages' own queries")."""
    quote = connection.ops.quote_name
    requests, cursors = ServiceRequest._meta, ReadCursor._meta
    pk = f"sr.{quote(requests.pk.column)}"
    unread = (
        f"sr.{quote(requests.get_field(count_field).column)}"
        f" - COALESCE(c.{quote(cursors.get_field(read_field).column)}, 0)"
    )
    # Never below zero, whatever happened to a count (as with_unread's Greatest).
    clamped = f"CASE WHEN {unread} > 0 THEN {unread} ELSE 0 END"
    selected = f"COALESCE(SUM({clamped}), 0)" if total else f"{pk}, {clamped}"
    return (
        f"SELECT {selected} FROM {{requests}} sr"  # noqa: S608
        f" LEFT JOIN {quote(cursors.db_table)} c"
        f" ON c.{quote(cursors.get_field('service_request').column)} = {pk}"
        f" AND c.{quote(cursors.get_field('user').column)} = %s"
        " WHERE {where}"
    )


def _unread_query(user, *, requests: str, where: str, params, total: bool) -> list[tuple]:
    sql = _unread_sql(*_counted_fields(user), total=total)
    sql = sql.replace("{requests}", requests).replace("{where}", where)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def unread_counts(*, user, service_request_ids: Iterable[int]) -> dict[int, int]:
    """{request id: unread messages} for these requests (absent: none unread). The caller
    has already limited the ids to requests the person may see."""
    ids = [int(pk) for pk in service_request_ids]
    if not ids or not user.is_authenticated:
        return {}
    quote = connection.ops.quote_name
    rows = _unread_query(
        user,
        requests=quote(ServiceRequest._meta.db_table),
        where=f"sr.{quote(ServiceRequest._meta.pk.column)} IN ({', '.join(['%s'] * len(ids))})",
        params=[user.pk, *ids],
        total=False,
    )
    return {pk: unread for pk, unread in rows if unread > 0}


def unread_total(*, user) -> int:
    """Unread messages in all the person's active requests (the navigation badge). Which
    requests the person sees is service_requests.access' answer: its query, with the
    status and the count, is the derived table the statement reads (the one place that
    decides visibility; PostgreSQL plans it as the one query it was, not as a second
    scan of the requests joined to the first)."""
    if not user.is_authenticated:
        return 0
    visible = visible_requests_sql(
        user, "id", _counted_fields(user)[0], status__in=ServiceRequest.ACTIVE_STATUSES
    )
    if visible is None:
        return 0
    visible_sql, visible_params = visible
    ((total,),) = _unread_query(
        user,
        requests=f"({visible_sql})",
        where="1 = 1",
        params=[*visible_params, user.pk],
        total=True,
    )
    return int(total or 0)
