"""The customers' list: Active and Closed tabs (?tab=closed), closed ones newest closed
first, only their organisation's, paginated, a constant number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tenantdesk.service_requests.models import ServiceRequest
from tests.unit.service_requests.helpers import bulk_requests

pytestmark = pytest.mark.django_db

URL = "/request/list"
Status = ServiceRequest.Status


def row_ids(response):
    return [int(sr.pk) for sr in response.context["service_requests"]]


def _closed(organisation, author, count, *, start=0):
    rows = bulk_requests(organisation, author, count, status=Status.CLOSED)
    now = timezone.now()
    for offset, sr in enumerate(rows):
        # Closed in an order unlike their ids or activity, so the sort must be by closed_at.
        days = (offset * 7 + start) % (count + 3)
        ServiceRequest.objects.filter(pk=sr.pk).update(closed_at=now - timedelta(days=days))
    return rows


def test_active_tab_is_the_default_and_shows_only_active(client, customer, organisation):
    active = bulk_requests(organisation, customer, 2)
    _closed(organisation, customer, 2)
    client.force_login(customer)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["tab"] == "active"
    assert sorted(row_ids(response)) == sorted(sr.pk for sr in active)
    html = response.content.decode()
    assert 'data-testid="tab-active"' in html and 'aria-current="page"' in html


def test_closed_tab_lists_closed_ones_newest_closed_first(client, customer, organisation):
    bulk_requests(organisation, customer, 2)
    closed = _closed(organisation, customer, 5)
    client.force_login(customer)
    response = client.get(URL, {"tab": "closed"})
    expected = list(
        ServiceRequest.objects.filter(pk__in=[sr.pk for sr in closed])
        .order_by("-closed_at")
        .values_list("pk", flat=True)
    )
    assert row_ids(response) == expected
    assert [sr.pk for sr in closed] != expected  # the order is not the ids'
    html = response.content.decode()
    assert "Closed on" in html
    assert response.context["tab_counts"] == {"active": 2, "closed": 5}


def test_only_the_organisations_own_closed_requests(client, customer, other_customer):
    _closed(other_customer.organisation, other_customer, 3)
    client.force_login(customer)
    response = client.get(URL, {"tab": "closed"})
    assert row_ids(response) == []
    assert 'data-testid="list-empty"' in response.content.decode()


def test_an_unknown_tab_is_the_active_tab(client, customer, organisation):
    _closed(organisation, customer, 1)
    client.force_login(customer)
    assert client.get(URL, {"tab": "<script>"}).context["tab"] == "active"


def test_pagination_keeps_the_tab_in_the_url(client, customer, organisation, monkeypatch):
    monkeypatch.setattr("tenantdesk.service_requests.views.common.PAGE_SIZE", 4)
    _closed(organisation, customer, 6)
    client.force_login(customer)
    first = client.get(URL, {"tab": "closed"})
    second = client.get(URL, {"tab": "closed", "page": 2})
    assert len(row_ids(first)) == 4 and len(row_ids(second)) == 2
    assert not set(row_ids(first)) & set(row_ids(second))
    assert 'href="?tab=closed&amp;page=2"' in first.content.decode()


def test_managers_keep_their_own_list(client, manager, customer, organisation):
    _closed(organisation, customer, 1)
    client.force_login(manager)
    response = client.get(URL, {"tab": "closed"})
    assert "tab_counts" not in response.context
    assert "service_requests/list_manager.html" in [t.name for t in response.templates]


def test_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(URL, {"tab": "closed"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login?next=")


def test_the_closed_tab_costs_the_same_queries_for_1_and_40_rows(
    client, customer, organisation, monkeypatch
):
    monkeypatch.setattr("tenantdesk.service_requests.views.common.PAGE_SIZE", 50)
    _closed(organisation, customer, 1)
    client.force_login(customer)
    with CaptureQueriesContext(connection) as one:
        assert len(row_ids(client.get(URL, {"tab": "closed"}))) == 1
    _closed(organisation, customer, 39, start=1)
    with CaptureQueriesContext(connection) as forty:
        assert len(row_ids(client.get(URL, {"tab": "closed"}))) == 40
    # 7: session, the user with their organisation and role (accounts.backends), the tab
    # counts with the page's total, the navigation's unread total, the rows, the rows'
    # unread counts, the rows' last messages (issue 23), the announcement banner (issue 22).
    assert len(one.captured_queries) == len(forty.captured_queries) == 8
