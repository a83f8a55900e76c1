"""The managers' queues on /request/list: which tab lists what, the counts (one query),
the sort orders, filters kept across tabs and pages, and a constant number of queries with
10,000 requests for every tab and sort."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tenantdesk.accounts.roles import is_manager
from tenantdesk.service_requests import queues
from tenantdesk.service_requests.models import ServiceRequest
from tests.factories import CustomerFactory, ManagerFactory, OrganisationFactory, PremisesFactory
from tests.unit.service_requests.helpers import bulk_requests

pytestmark = pytest.mark.django_db

URL = "/request/list"


def row_ids(response) -> list[int]:
    return [sr.pk for sr in response.context["service_requests"]]


def tab_counts(response) -> dict[str, int]:
    return {tab["name"]: tab["count"] for tab in response.context["tabs"]}


@pytest.fixture
def world(customer, organisation, manager):
    """Requests in every queue: mine, another manager's, unassigned, overdue, closed."""
    now = timezone.now()
    anna = ManagerFactory(first_name="Anna", last_name="Ivanova")

    def one(**fields):
        [sr] = bulk_requests(organisation, customer, 1, title=fields.pop("title"))
        ServiceRequest.objects.filter(pk=sr.pk).update(**fields)
        return ServiceRequest.objects.get(pk=sr.pk)

    return {
        "mine": one(
            title="Mine",
            assignee=manager,
            priority="high",
            first_response_due_at=now + timedelta(hours=3),
            resolution_due_at=now + timedelta(days=2),
            created_at=now - timedelta(hours=5),
        ),
        "annas": one(
            title="Annas",
            assignee=anna,
            status="in_progress",
            first_response_due_at=now - timedelta(hours=3),
            first_response_at=now - timedelta(hours=4),  # answered in time
            resolution_due_at=now + timedelta(hours=1),
            created_at=now - timedelta(hours=4),
        ),
        "late_reply": one(
            title="Late reply",
            priority="urgent",
            first_response_due_at=now - timedelta(minutes=30),
            resolution_due_at=now + timedelta(hours=3),
            created_at=now - timedelta(hours=1),
        ),
        "late_fix": one(
            title="Late fix",
            assignee=manager,
            priority="low",
            first_response_due_at=now - timedelta(days=3),
            first_response_at=now - timedelta(days=3, hours=1),
            resolution_due_at=now - timedelta(hours=2),
            created_at=now - timedelta(days=4),
        ),
        "old": one(title="From before due times", created_at=now - timedelta(days=30)),
        "closed": one(
            title="Closed one",
            status="closed",
            assignee=manager,
            first_response_due_at=now - timedelta(days=9),
            resolution_due_at=now - timedelta(days=8),
            closed_at=now - timedelta(days=8, hours=1),
            created_at=now - timedelta(days=10),
        ),
    }


def ids(world, *names):
    return {world[name].pk for name in names}


@pytest.mark.parametrize(
    ("tab", "expected"),
    [
        ("mine", ("mine", "late_fix")),
        ("unassigned", ("late_reply", "old")),
        ("active", ("mine", "annas", "late_reply", "late_fix", "old")),
        ("overdue", ("late_reply", "late_fix")),
        ("closed", ("closed",)),
    ],
)
def test_each_tab_lists_its_queue(client, manager, world, tab, expected):
    client.force_login(manager)
    response = client.get(URL, {"tab": tab})
    assert response.status_code == 200
    assert set(row_ids(response)) == ids(world, *expected)


def test_the_counts_of_every_tab(client, manager, world):
    client.force_login(manager)
    response = client.get(URL)
    assert response.context["tab"] == "active"  # the default
    assert tab_counts(response) == {
        "mine": 2,
        "unassigned": 2,
        "active": 5,
        "overdue": 2,
        "closed": 1,
    }
    html = response.content.decode()
    assert 'id="request-list-tabs"' in html and 'id="request-list-rows"' in html
    assert f'data-request-id="{world["mine"].pk}"' in html


def test_the_counts_are_two_queries_and_never_read_the_closed_history_whole(
    manager, world, django_assert_num_queries
):
    """The open tabs from the open requests (one aggregate), the Closed tab counted up to
    a cap (issue 18: a year of closed requests is not read on every list load)."""
    is_manager(manager)  # the role is looked up once per request, not per query
    with django_assert_num_queries(2) as captured:
        counts = queues.queue_counts(user=manager)
    assert counts["overdue"] == 2
    open_sql, closed_sql = (q["sql"] for q in captured.captured_queries)
    assert "'closed'" not in open_sql and "LIMIT" in closed_sql


def test_a_list_longer_than_the_cap_says_more_than_and_pages_the_first_rows_only(
    client, manager, monkeypatch
):
    """Past core.paging's cap a list is counted no further: the Closed tab says "4+", the
    list "More than 4 requests", and a page beyond the cap shows the last capped page."""
    from tenantdesk.core import paging
    from tenantdesk.service_requests.views import common as views

    monkeypatch.setattr(paging, "LIST_COUNT_CAP", 4)
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    organisation = OrganisationFactory()
    closed = bulk_requests(
        organisation, CustomerFactory(organisation=organisation), 6, status="closed"
    )
    client.force_login(manager)
    response = client.get(URL, {"tab": "closed"})
    html = response.content.decode()
    assert '<span class="list-tab-count" data-tab-count="closed">4+</span>' in html
    assert "More than 4 requests" in html
    newest_first = [r.pk for r in sorted(closed, key=lambda r: r.last_activity_at, reverse=True)]
    assert row_ids(response) == newest_first[:2]
    assert row_ids(client.get(URL, {"tab": "closed", "page": 3})) == newest_first[2:4]


def test_mine_is_per_manager(client, world):
    anna = world["annas"].assignee
    client.force_login(anna)
    response = client.get(URL, {"tab": "mine"})
    assert row_ids(response) == [world["annas"].pk]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        # Newest activity first (bulk_requests spaced them a minute apart, in creation order).
        ("created", ["late_reply", "annas", "mine", "late_fix", "old"]),
        # Urgent first; ties by activity.
        ("priority", ["late_reply", "mine"]),
        # The due that applies, soonest first; no due time last.
        ("due", ["late_fix", "late_reply", "annas", "mine", "old"]),
    ],
)
def test_sort_orders(client, manager, world, sort, expected):
    client.force_login(manager)
    got = row_ids(client.get(URL, {"tab": "active", "sort": sort}))
    want = [world[name].pk for name in expected]
    if sort == "priority":
        assert got[:2] == want
        assert got[-1] == world["late_fix"].pk  # low last
    else:
        assert got == want


def test_filters_are_kept_in_the_tab_links_and_pages(client, manager, world, monkeypatch):
    monkeypatch.setattr("tenantdesk.service_requests.views.common.PAGE_SIZE", 1)
    client.force_login(manager)
    response = client.get(URL, {"tab": "active", "type": "plumbing", "q": "late", "sort": "due"})
    assert set(row_ids(response)) <= ids(world, "late_reply", "late_fix")
    for tab in response.context["tabs"]:
        query = parse_qs(urlparse(tab["url"]).query)
        assert query == {"tab": [tab["name"]], "type": ["plumbing"], "q": ["late"], "sort": ["due"]}
    # The counts follow the filters: only the two "late" requests are counted.
    assert tab_counts(response)["active"] == 2
    html = response.content.decode()
    assert "tab=active" in response.context["query_string"]
    assert "page=2" in html and "q=late" in html


def test_old_status_links_open_the_matching_tab(client, manager, world):
    client.force_login(manager)
    response = client.get(URL, {"status": "closed"})
    assert response.context["tab"] == "closed"
    assert row_ids(response) == [world["closed"].pk]
    response = client.get(URL, {"status": "all"})
    assert len(row_ids(response)) == 6


def test_bad_values_fall_back_to_the_defaults(client, manager, world):
    client.force_login(manager)
    response = client.get(URL, {"tab": "everything", "sort": "random"})
    assert response.status_code == 200
    assert response.context["tab"] == "active" and response.context["sort"] == "activity"


def test_rows_show_assignee_priority_and_due(client, manager, world):
    client.force_login(manager)
    html = client.get(URL, {"tab": "active"}).content.decode()
    assert "Anna Ivanova" in html
    assert 'data-priority="urgent"' in html
    assert 'data-due="overdue"' in html and "overdue 30 min" in html
    # Requests from before the due times show no badge.
    row = html[html.index(f'data-request-id="{world["old"].pk}"') :]
    row = row[: row.index("</li>")]
    assert "due-badge" not in row


def test_customers_keep_their_own_list(client, customer, world):
    # Their own Active / Closed tabs (the closure loop), never the managers' queues.
    client.force_login(customer)
    response = client.get(URL, {"tab": "mine"})
    assert "tabs" not in response.context
    assert "service_requests/list_customer.html" in [t.name for t in response.templates]
    assert world["closed"].pk not in row_ids(response)


# --- 10,000 requests -------------------------------------------------------------------------


def _bulk_10000(organisation, customer, manager):
    now = timezone.now()
    rows = []
    for i in range(10_000):
        rows.append(
            ServiceRequest(
                organisation=organisation,
                author=customer,
                type="plumbing",
                title=f"Leak {i}",
                description="Water.",
                office=str(i % 300),
                status=("pending", "in_progress", "closed")[i % 3],
                priority=("low", "normal", "high", "urgent")[i % 4],
                assignee=manager if i % 5 == 0 else None,
                first_response_due_at=now + timedelta(minutes=i - 5000),
                resolution_due_at=now + timedelta(hours=i - 5000),
                first_response_at=now if i % 7 == 0 else None,
                last_activity_at=now - timedelta(seconds=i),
                photo=f"requests/none/{i}.jpg",
            )
        )
    ServiceRequest.objects.bulk_create(rows, batch_size=2000)


def _queries(client, params) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), len(row_ids(response))


def test_queries_per_page_are_the_same_with_1_and_10000_requests_per_tab(
    client, manager, customer, organisation, django_assert_num_queries
):
    client.force_login(manager)
    combinations = [{"tab": tab, "sort": sort} for tab in queues.TABS for sort in queues.SORTS]
    # Every request in a building the manager looks after, so "My buildings" (issue 22)
    # lists the unassigned ones, each row with its location.
    premises = PremisesFactory()
    premises.building.managers.add(manager)
    # One request in each tab (an empty page skips the rows query, which would flatter it).
    mine, _unassigned, closed = bulk_requests(organisation, customer, 3)
    ServiceRequest.objects.update(location=premises)
    ServiceRequest.objects.filter(pk=mine.pk).update(
        assignee=manager, first_response_due_at=timezone.now() - timedelta(hours=1)
    )
    ServiceRequest.objects.filter(pk=closed.pk).update(status="closed")
    small = {}
    for params in combinations:
        small[str(params)] = _queries(client, params)[0]
    _bulk_10000(organisation, customer, manager)
    ServiceRequest.objects.update(location=premises)
    for params in combinations:
        with django_assert_num_queries(small[str(params)]):
            response = client.get(URL, {**params, "page": "3"})
        assert len(row_ids(response)) == 25, params
    # session, the user with their role, the filter's organisations, tab counts, the closed
    # tab's capped count, rows, the rows' unread counts, the rows' last messages (issue 23),
    # the navigation's unread total.
    assert set(small.values()) == {9}
