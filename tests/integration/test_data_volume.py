"""Every page at a data set's size (SPEC "Data volume", issue 18), on PostgreSQL.

`manage.py seed_volume`'s generator makes a small year of data (20,000 messages) in the
test database; bench/pages_audit.py loads every page and endpoint of both roles and asks
PostgreSQL (EXPLAIN ANALYZE of every statement a page ran) what they read of the messages
table. Then the data set grows and the pages must cost the same number of statements.
The full size is `make bench`'s (its table of every page); this is the guard in CI.
"""

from __future__ import annotations

import pytest
from django.db import connection

from bench import pages_audit
from tenantdesk.chat.selectors import PAGE_SIZE as CHAT_PAGE_SIZE
from tenantdesk.chat.unread import unread_total
from tenantdesk.chat.volume.seeder import Sizes, VolumeSeeder
from tenantdesk.service_requests.views.common import PAGE_SIZE as LIST_PAGE_SIZE
from tests.integration.stack import postgres_url

pytestmark = [pytest.mark.services, pytest.mark.django_db]

SMALL = Sizes(
    organisations=20,
    people=120,
    managers=6,
    requests=1500,
    messages=20_000,
    longest_chat=1500,
    days=120,
)


@pytest.fixture
def volume(settings):
    postgres_url()  # skips (fails under TENANTDESK_REQUIRE) without PostgreSQL
    if connection.vendor != "postgresql":
        pytest.skip("the test database is not PostgreSQL")
    VolumeSeeder(SMALL, seed=3, prefix="vol", password="volume-pass-2026").run()


def _audit(actors=None):
    return {(r.role, r.name): r for r in pages_audit.audit(rounds=1, actors=actors)}


def test_no_page_scans_messages_or_costs_more_statements_as_the_data_grows(volume):
    # The same people and requests before and after: only the data around them grows.
    actors = pages_audit.pick_actors()
    before = _audit(actors)
    assert len(before) >= 25
    for (role, name), result in before.items():
        assert result.status == 200, (role, name, result.url)
        assert not result.message_seq_scans, (role, name, result.message_seq_scans)
        # A chat page shows 50 messages (and looks one further for "has more"), passing
        # over the managers' internal notes on a customer's page; a list page reads each
        # row's last message (issue 23: one backward index step per row, which PostgreSQL
        # takes twice, then the message by its key; a customer's passes over notes);
        # everything else reads none. Rows a filter removed count as read.
        assert result.message_rows_read <= 2 * CHAT_PAGE_SIZE, (role, name, result)
        if name.startswith("list"):
            assert result.message_rows_read <= 3 * LIST_PAGE_SIZE + 10, (role, name, result)
    VolumeSeeder(SMALL, seed=4, prefix="vol2", password="volume-pass-2026").run()
    after = _audit(actors)
    grown = {
        key: (before[key].queries, after[key].queries)
        for key in before
        if before[key].queries != after[key].queries or after[key].message_seq_scans
    }
    assert not grown


def test_the_badge_is_answered_without_reading_messages(volume):
    """The navigation's count of a manager with many unread messages: the plan joins the
    open requests to that manager's read positions, never the messages."""
    from tenantdesk.accounts.models import User
    from tenantdesk.service_requests.access import service_requests_visible_to
    from tenantdesk.service_requests.models import ServiceRequest

    manager = User.objects.get(username="vol-manager-01")
    assert unread_total(user=manager) > 500
    from tenantdesk.chat.unread import with_unread

    visible = service_requests_visible_to(manager).filter(status__in=ServiceRequest.ACTIVE_STATUSES)
    sql, params = (
        with_unread(visible.order_by(), user=manager).values("unread").query.sql_with_params()
    )
    rows, seq_scans = pages_audit.explain_reads(sql, params)
    assert (rows, seq_scans) == (0, 0)
