"""Every page and JSON endpoint of both roles, loaded in-process against a data set made by
`manage.py seed_volume`: server time, SQL statements, and what each statement read of the
messages table (PostgreSQL's own EXPLAIN ANALYZE of every statement the page ran).

    DATABASE_URL=postgres://… .venv/bin/python -m bench.pages_audit [--rounds 5] [--json]

Used by `make bench` (the pages scenario's table of every page) and by the PostgreSQL
stage's test of data volume (tests/integration/test_data_volume.py), which asserts on the
same figures at a smaller size. Server time is the view's wall time in this process (a
test client, no network, no HTTP server): the median of the rounds after one warm-up.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from dataclasses import asdict, dataclass, field
from urllib.parse import quote

MESSAGES_TABLE = "chat_message"


@dataclass
class PageResult:
    role: str
    name: str
    url: str
    status: int
    ms: float
    queries: int
    # Rows of the messages table the page's statements read (index entries and heap rows
    # the plans returned or filtered out), and the statements that scanned it whole.
    message_rows_read: int = 0
    message_seq_scans: list[str] = field(default_factory=list)
    # PostgreSQL's own counters of the messages table over the measured loads, per load:
    # rows read by sequential scans, and rows fetched through indexes.
    pg_seq_rows: float = 0.0
    pg_index_rows: float = 0.0


def _plan_reads(plan: dict, table: str) -> tuple[int, int]:
    """(rows of `table` read, sequential scans of it) in one EXPLAIN ANALYZE plan tree."""
    rows = seq = 0
    if plan.get("Relation Name") == table:
        loops = plan.get("Actual Loops", 1) or 1
        returned = plan.get("Actual Rows", 0) * loops
        removed = (plan.get("Rows Removed by Filter", 0) or 0) * loops
        rows += returned + removed
        seq += plan.get("Node Type") == "Seq Scan"
    for child in plan.get("Plans", ()):
        child_rows, child_seq = _plan_reads(child, table)
        rows += child_rows
        seq += child_seq
    return rows, seq


def explain_reads(sql: str, params, *, table: str = MESSAGES_TABLE) -> tuple[int, int]:
    """What one statement reads of `table`, asked of PostgreSQL (runs it: SELECTs only)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        (document,) = cursor.fetchone()
    if isinstance(document, str):
        document = json.loads(document)
    return _plan_reads(document[0]["Plan"], table)


def measure(client, url: str, *, rounds: int, role: str, name: str) -> PageResult:
    """Load `url` once to warm up, then `rounds` times; explain the last round's reads."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    times = []
    counters_before = table_counters()
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
    result = PageResult(
        role=role,
        name=name,
        url=url,
        status=response.status_code,
        ms=round(statistics.median(times), 1),
        queries=len(captured.captured_queries),
    )
    counters_after = table_counters()
    if counters_before and counters_after:
        result.pg_seq_rows = round((counters_after[0] - counters_before[0]) / rounds, 1)
        result.pg_index_rows = round((counters_after[1] - counters_before[1]) / rounds, 1)
    if connection.vendor == "postgresql":
        for sql, params in _selects(captured):
            rows, seq = explain_reads(sql, params)
            result.message_rows_read += rows
            if seq:
                result.message_seq_scans.append(sql[:200])
    return result


def table_counters(table: str = MESSAGES_TABLE) -> tuple[int, int] | None:
    """(seq_tup_read, idx_tup_fetch) of the table from pg_stat_user_tables, with this
    connection's own pending counts flushed first (PostgreSQL 15+; None elsewhere)."""
    from django.db import connection

    if connection.vendor != "postgresql" or connection.pg_version < 150000:
        return None
    with connection.cursor() as cursor:
        # The flag makes the backend flush its counts when this statement ends; the next
        # statement (a transaction of its own) reads them.
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute(
            "SELECT seq_tup_read, COALESCE(idx_tup_fetch, 0) FROM pg_stat_user_tables "
            "WHERE relname = %s",
            [table],
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


def _selects(captured) -> list[tuple[str, tuple]]:
    """The SELECTs a page ran, with their parameters (CaptureQueriesContext keeps the
    text with the values in; the last executed statements are re-run from the cursor's
    own log instead, so the plan is the one the page got)."""
    out = []
    for query in captured.captured_queries:
        sql = query["sql"]
        if sql.lstrip().upper().startswith(("SELECT", "WITH")):
            out.append((sql, None))
    return out


# --- the pages ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actors:
    manager_id: int
    customer_id: int
    busiest_request_id: int  # the longest chat (an open request of the customer's organisation)
    closed_request_id: int
    deep_page: int  # a page far down the managers' Closed tab
    customer_deep_page: int
    # The building of the customer's busiest request (issue 22: the lists' building
    # filter, and a search by its name); None in a data set without places.
    building_id: int | None = None
    building_name: str = ""


def pick_actors() -> Actors:
    """People and requests of the data set that make each page work hardest."""
    from django.db.models import Count, Max

    from tenantdesk.accounts.models import User
    from tenantdesk.accounts.roles import MANAGER_GROUP
    from tenantdesk.core.paging import LIST_COUNT_CAP
    from tenantdesk.service_requests.models import ServiceRequest
    from tenantdesk.service_requests.views.common import PAGE_SIZE

    busiest = (
        ServiceRequest.objects.exclude(status=ServiceRequest.Status.CLOSED)
        .annotate(size=Max("messages__id"))
        .order_by("-messages_from_customers", "-messages_from_managers")
        .first()
    )
    manager = User.objects.filter(groups__name=MANAGER_GROUP, is_active=True).order_by("pk").first()
    closed = ServiceRequest.objects.filter(status=ServiceRequest.Status.CLOSED)
    customer = busiest.author
    organisation_closed = (
        closed.filter(organisation_id=customer.organisation_id).aggregate(n=Count("pk"))["n"] or 0
    )
    location = busiest.location
    return Actors(
        building_id=location.building_id if location else None,
        building_name=location.building.name if location else "",
        manager_id=manager.pk,
        customer_id=customer.pk,
        busiest_request_id=busiest.pk,
        closed_request_id=closed.order_by("-pk").values_list("pk", flat=True).first() or busiest.pk,
        # The deepest page a list offers (core.paging caps what it pages through).
        deep_page=max(1, min(closed.count(), LIST_COUNT_CAP) // PAGE_SIZE),
        customer_deep_page=max(1, organisation_closed // PAGE_SIZE),
    )


def page_cases(actors: Actors) -> list[tuple[str, str, str]]:
    """(role, name, url) of every page and endpoint the audit loads."""
    busy, closed = actors.busiest_request_id, actors.closed_request_id
    manager = [
        ("home", "/"),
        ("list (default tab)", "/request/list"),
        *((f"list tab={tab}", f"/request/list?tab={tab}") for tab in _tabs()),
        *((f"list sort={sort}", f"/request/list?tab=active&sort={sort}") for sort in _sorts()),
        ("list type filter", "/request/list?tab=active&type=plumbing"),
        # A word in every twelfth request of seed_volume's data (one of its titles).
        ("list search", "/request/list?tab=all&q=rattles"),
        ("list search by number", f"/request/list?tab=all&q=%23{busy}"),
        ("list closed, deep page", f"/request/list?tab=closed&page={actors.deep_page}"),
        *_building_cases(actors, manager=True),
        ("request page, longest chat", f"/request/{busy}"),
        ("request page, closed", f"/request/{closed}"),
        ("sync after a long absence", f"/chat/{busy}/messages?after=1"),
        ("earlier messages", f"/chat/{busy}/messages?before={10**12}"),
        ("unread total", "/live/unread"),
        ("new request by phone", "/request/new"),
        ("e-mail preferences", "/accounts/notifications"),
    ]
    customer = [
        ("home", "/"),
        ("list active", "/request/list"),
        ("list closed", "/request/list?tab=closed"),
        ("list closed, deep page", f"/request/list?tab=closed&page={actors.customer_deep_page}"),
        *_building_cases(actors, manager=False),
        ("request page, longest chat", f"/request/{busy}"),
        ("sync after a long absence", f"/chat/{busy}/messages?after=1"),
        ("unread total", "/live/unread"),
        ("new request", "/request/new"),
    ]
    return [("manager", n, u) for n, u in manager] + [("customer", n, u) for n, u in customer]


def _building_cases(actors: Actors, *, manager: bool) -> list[tuple[str, str]]:
    """The lists filtered by a building, and (managers) searched by its name."""
    if actors.building_id is None:
        return []
    cases = [("list building filter", f"/request/list?building={actors.building_id}")]
    if manager:
        word = quote(actors.building_name.split()[0])
        cases += [
            (
                "list building filter, closed",
                f"/request/list?tab=closed&building={actors.building_id}",
            ),
            ("list search by building", f"/request/list?tab=all&q={word}"),
        ]
    return cases


def _tabs():
    from tenantdesk.service_requests import queues

    return queues.TABS


def _sorts():
    from tenantdesk.service_requests import queues

    return queues.SORTS


def audit(
    *, rounds: int = 5, host: str = "testserver", actors: Actors | None = None
) -> list[PageResult]:
    """Load every case as its person and measure it (run under Django, on seeded data;
    `host` one the settings allow; the people and requests pick_actors() finds, unless
    given)."""
    from django.test import Client

    from tenantdesk.accounts.models import User

    actors = actors or pick_actors()
    clients = {}
    for role, user_id in (("manager", actors.manager_id), ("customer", actors.customer_id)):
        client = Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_HOST=host)
        client.force_login(User.objects.get(pk=user_id))
        clients[role] = client
    return [
        measure(clients[role], url, rounds=rounds, role=role, name=name)
        for role, name, url in page_cases(actors)
    ]


def table(results: list[PageResult]) -> str:
    lines = [
        "| role | page | status | server ms | SQL | messages read (plans) | "
        "seq scans of messages | pg_stat: seq / index rows of messages per load |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.role} | {r.name} | {r.status} | {r.ms} | {r.queries} | "
            f"{r.message_rows_read} | {len(r.message_seq_scans)} | "
            f"{r.pg_seq_rows:g} / {r.pg_index_rows:g} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # Static files' URLs without a collected manifest: what is measured is the views.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    results = audit(rounds=args.rounds)
    if args.json:
        print(json.dumps([asdict(r) for r in results]))
    else:
        print(table(results))


if __name__ == "__main__":
    main()
