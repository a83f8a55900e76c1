"""The banner: who sees which announcement, in which language, how it is dismissed, and
what it costs (one query for a member, none for anyone else)."""

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tenantdesk.announcements.models import Dismissal
from tests.factories import (
    AnnouncementFactory,
    BuildingFactory,
    CustomerFactory,
    LeaseFactory,
    PremisesFactory,
)

pytestmark = pytest.mark.django_db

BANNER = 'data-testid="announcement-banners"'


def _page(client, path="/", **headers) -> str:
    response = client.get(path, **headers)
    assert response.status_code == 200
    return response.content.decode()


def _banner_queries(client, path="/") -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    return [q["sql"] for q in captured.captured_queries if "announcements_announcement" in q["sql"]]


@pytest.mark.parametrize("path", ["/", "/request/list"])
def test_a_member_sees_a_current_announcement_on_the_home_page_and_the_list(
    client, customer, announcement, path
):
    client.force_login(customer)
    page = _page(client, path)
    assert BANNER in page
    assert "Water off on Tuesday" in page


def test_the_banner_is_in_the_members_language(client, customer, announcement):
    client.force_login(customer)
    page = _page(client, "/", HTTP_ACCEPT_LANGUAGE="ru")
    assert "Во вторник нет воды" in page
    assert "Water off on Tuesday" not in page


def test_the_text_is_escaped_and_keeps_its_line_breaks(client, customer, announcement):
    client.force_login(customer)
    page = _page(client)
    assert "Pipes &lt;b&gt;replaced&lt;/b&gt;.<br>Keep taps closed." in page
    assert "<b>replaced</b>" not in page


def test_not_on_other_pages(client, customer, announcement):
    client.force_login(customer)
    assert BANNER not in _page(client, "/accounts/notifications")


@pytest.mark.parametrize(
    ("starts", "ends"),
    [(1, 2), (-2, -1)],  # days from now: upcoming, past
)
def test_only_while_it_is_current(client, customer, building, leased, starts, ends):
    now = timezone.now()
    AnnouncementFactory(
        buildings=[building],
        starts_at=now + datetime.timedelta(days=starts),
        ends_at=now + datetime.timedelta(days=ends),
    )
    client.force_login(customer)
    assert BANNER not in _page(client)


def test_not_for_an_organisation_leasing_elsewhere(client, announcement):
    elsewhere = CustomerFactory()
    LeaseFactory(organisation=elsewhere.organisation)
    client.force_login(elsewhere)
    assert BANNER not in _page(client)


def test_not_after_the_lease_has_ended(client, customer, announcement, leased):
    leased.start = timezone.localdate() - datetime.timedelta(days=60)
    leased.end = timezone.localdate() - datetime.timedelta(days=1)
    leased.save()
    client.force_login(customer)
    assert BANNER not in _page(client)


def test_one_banner_for_an_announcement_of_two_of_the_organisations_buildings(
    client, customer, building, leased
):
    other = BuildingFactory()
    LeaseFactory(organisation=customer.organisation, premises=PremisesFactory(building=other))
    AnnouncementFactory(buildings=[building, other], title_en="Both houses")
    client.force_login(customer)
    assert _page(client).count("Both houses") == 1


def test_managers_and_signed_out_visitors_see_no_banner_and_cost_no_query(
    client, manager, announcement
):
    assert BANNER not in _page(client)
    assert _banner_queries(client) == []
    client.force_login(manager)
    page = _page(client)
    assert BANNER not in page
    assert 'data-testid="announcements-link"' in page
    assert _banner_queries(client) == []


def test_a_member_costs_one_query_whatever_the_number_of_announcements(
    client, customer, building, leased
):
    client.force_login(customer)
    assert len(_banner_queries(client)) == 1  # none current: still one look
    AnnouncementFactory(buildings=[building])
    with CaptureQueriesContext(connection) as one:
        client.get("/")
    for _ in range(4):
        AnnouncementFactory(buildings=[building, BuildingFactory()])
    with CaptureQueriesContext(connection) as five:
        page = _page(client)
    assert page.count("data-announcement=") == 5
    assert len(five.captured_queries) == len(one.captured_queries)
    assert len(_banner_queries(client)) == 1


# --- dismissing -----------------------------------------------------------------------------


def test_a_dismissed_banner_stays_dismissed_for_that_person(client, customer, announcement):
    colleague = CustomerFactory(organisation=customer.organisation)
    client.force_login(customer)
    response = client.post(f"/announcements/{announcement.pk}/dismiss", {"next": "/request/list"})
    assert response.status_code == 302 and response["Location"] == "/request/list"
    assert BANNER not in _page(client)
    assert BANNER not in _page(client, "/request/list")
    other = Client()
    other.force_login(colleague)
    assert BANNER in _page(other)


def test_dismissing_from_the_script_answers_204(client, customer, announcement):
    client.force_login(customer)
    response = client.post(
        f"/announcements/{announcement.pk}/dismiss", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 204
    # Twice: still one row, still 204.
    response = client.post(
        f"/announcements/{announcement.pk}/dismiss", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 204
    assert Dismissal.objects.filter(user=customer, announcement=announcement).count() == 1


def test_dismiss_never_redirects_off_the_site(client, customer, announcement):
    client.force_login(customer)
    response = client.post(
        f"/announcements/{announcement.pk}/dismiss", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_dismissing_an_announcement_not_for_you_is_404(client, announcement):
    elsewhere = CustomerFactory()
    client.force_login(elsewhere)
    assert client.post(f"/announcements/{announcement.pk}/dismiss").status_code == 404
    assert client.post("/announcements/999999/dismiss").status_code == 404
    assert not Dismissal.objects.exists()


def test_dismiss_signed_out_is_sign_in_or_401(client, announcement):
    response = client.post(f"/announcements/{announcement.pk}/dismiss")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]
    response = client.post(
        f"/announcements/{announcement.pk}/dismiss", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 401
    assert not Dismissal.objects.exists()


def test_dismiss_needs_post_and_the_csrf_token(customer, announcement):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    assert client.get(f"/announcements/{announcement.pk}/dismiss").status_code == 405
    assert client.post(f"/announcements/{announcement.pk}/dismiss").status_code == 403
    assert not Dismissal.objects.exists()
    page = _page(client)
    assert 'name="csrfmiddlewaretoken"' in page.split(BANNER)[1]
