"""Followers of a request and the customers' "Mine" and "Organisation" tabs (issue 21).

Every member of an organisation sees all its requests; "Mine" lists those they opened or
follow. A member follows what they open and what they write in, and follows or unfollows
from the request's page; managers never follow (they have assignment)."""

import importlib

import pytest
from django.apps import apps
from django.test import Client

from tenantdesk.chat.models import Message
from tenantdesk.chat.services.send import message_send
from tenantdesk.service_requests.models import RequestFollower, ServiceRequest
from tenantdesk.service_requests.services.create import service_request_create
from tests.factories import CustomerFactory, ManagerFactory, OrganisationFactory
from tests.unit.chat.helpers import make_service_request
from tests.unit.service_requests.helpers import bulk_requests, create_request

pytestmark = pytest.mark.django_db

URL = "/request/list"
migration = importlib.import_module(
    "tenantdesk.chat.migrations.0007_followers_from_authors_and_writers"
)


def row_ids(response) -> list[int]:
    return [sr.pk for sr in response.context["service_requests"]]


def followers(service_request) -> set:
    return set(
        RequestFollower.objects.filter(service_request=service_request).values_list(
            "user_id", flat=True
        )
    )


@pytest.fixture
def colleague(customer):
    return CustomerFactory(organisation=customer.organisation)


@pytest.fixture
def office(customer, colleague, other_customer):
    """The organisation's requests: the customer's own, one they follow, one that is only
    the colleague's, and closed ones of each; another organisation's beside them."""
    org = customer.organisation
    own = make_service_request(customer, title="Own")
    followed = make_service_request(colleague, title="Followed")
    RequestFollower.objects.create(service_request=followed, user=customer)
    theirs = make_service_request(colleague, title="Theirs")
    own_closed = bulk_requests(org, customer, 1, status="closed", title="Own closed")[0]
    theirs_closed = bulk_requests(org, colleague, 2, status="closed", title="Theirs closed")
    elsewhere = make_service_request(other_customer, title="Elsewhere")
    return {
        "own": own,
        "followed": followed,
        "theirs": theirs,
        "own_closed": own_closed,
        "theirs_closed": theirs_closed,
        "elsewhere": elsewhere,
    }


# --- the tabs -----------------------------------------------------------------------------


def test_organisation_lists_all_the_organisations_requests_and_mine_only_own_or_followed(
    client, customer, office
):
    client.force_login(customer)
    organisation = client.get(URL, {"scope": "organisation"})
    assert set(row_ids(organisation)) == {
        office["own"].pk,
        office["followed"].pk,
        office["theirs"].pk,
    }
    mine = client.get(URL, {"scope": "mine"})
    assert set(row_ids(mine)) == {office["own"].pk, office["followed"].pk}
    closed_mine = client.get(URL, {"scope": "mine", "tab": "closed"})
    assert row_ids(closed_mine) == [office["own_closed"].pk]
    closed_all = client.get(URL, {"scope": "organisation", "tab": "closed"})
    assert len(row_ids(closed_all)) == 3
    assert office["elsewhere"].pk not in row_ids(organisation) + row_ids(mine)


def test_every_tab_has_its_count_in_both_scopes(client, customer, office):
    client.force_login(customer)
    response = client.get(URL, {"scope": "mine"})
    assert response.context["tab_counts"] == {"active": 2, "closed": 1}
    scopes = {s["name"]: s["count"] for s in response.context["scopes"]}
    assert scopes == {"mine": 2, "organisation": 3}  # of the tab shown: Active
    html = response.content.decode()
    assert 'data-scope-count="mine">2<' in html and 'data-scope-count="organisation">3<' in html
    closed = client.get(URL, {"scope": "organisation", "tab": "closed"})
    assert closed.context["tab_counts"] == {"active": 3, "closed": 3}
    assert {s["name"]: s["count"] for s in closed.context["scopes"]} == {
        "mine": 1,
        "organisation": 3,
    }


def test_the_tab_counts_are_one_live_part_of_the_page(client, customer, office):
    client.force_login(customer)
    html = client.get(URL).content.decode()
    # static/js/live/refresh.js swaps every [data-live-part][id]: both rows of tabs are in one.
    start = html.index('<div id="request-list-tabs" data-live-part>')
    part = html[start : html.index("</div>", start)]
    assert 'data-testid="scope-tabs"' in part and 'data-testid="list-tabs"' in part
    assert "data-scope-count" in part and 'data-tab-count="closed"' in part


def test_the_default_is_mine_with_colleagues_and_organisation_for_a_member_alone(client):
    alone = CustomerFactory()
    bulk_requests(alone.organisation, ManagerFactory(), 1)  # taken by phone: nobody follows
    client.force_login(alone)
    response = client.get(URL)
    assert response.context["scope"] == "organisation" and len(row_ids(response)) == 1
    # The links of a member alone are the ones from before the scopes.
    assert response.context["tab_urls"] == {"active": URL, "closed": f"{URL}?tab=closed"}
    colleague = CustomerFactory(organisation=alone.organisation)
    make_service_request(alone)
    assert client.get(URL).context["scope"] == "mine"
    # A colleague who has just joined has nothing of their own: the organisation's list,
    # not an empty "Mine".
    newcomer = Client()
    newcomer.force_login(colleague)
    response = newcomer.get(URL)
    assert response.context["scope"] == "organisation" and len(row_ids(response)) == 2
    make_service_request(colleague)
    assert newcomer.get(URL).context["scope"] == "mine"
    # A colleague who was removed does not count.
    alone.organisation.members.exclude(pk=alone.pk).update(is_active=False)
    assert client.get(URL).context["scope"] == "organisation"


def test_the_links_keep_the_scope_the_tab_and_the_page(client, customer, colleague, monkeypatch):
    monkeypatch.setattr("tenantdesk.service_requests.views.common.PAGE_SIZE", 2)
    bulk_requests(customer.organisation, colleague, 5, status="closed")
    make_service_request(customer)  # one of their own (active): Mine is their default
    client.force_login(customer)
    response = client.get(URL, {"scope": "organisation", "tab": "closed", "page": "2"})
    assert len(row_ids(response)) == 2
    links = {s["name"]: s["url"] for s in response.context["scopes"]}
    # The default scope (Mine: the customer has a colleague) needs no parameter.
    assert links == {
        "mine": f"{URL}?tab=closed",
        "organisation": f"{URL}?tab=closed&scope=organisation",
    }
    assert response.context["tab_urls"] == {
        "active": f"{URL}?scope=organisation",
        "closed": f"{URL}?tab=closed&scope=organisation",
    }
    html = response.content.decode()
    assert "?tab=closed&amp;scope=organisation&amp;page=3" in html
    # An unknown scope is the default one.
    assert client.get(URL, {"scope": "<everyone>"}).context["scope"] == "mine"


# --- who follows ---------------------------------------------------------------------------


def test_the_author_follows_the_request_they_open(customer):
    service_request = create_request(customer)
    assert followers(service_request) == {customer.pk}


def test_a_request_taken_by_phone_has_no_followers(manager, customer):
    service_request = service_request_create(
        author=manager,
        organisation=customer.organisation,
        type=ServiceRequest.Type.PLUMBING,
        title="Called about a leak",
        description="By phone.",
        office="1",
    )
    assert followers(service_request) == set()


def test_a_customer_who_writes_follows_once_and_a_manager_never(customer, colleague, manager):
    service_request = make_service_request(customer)
    for text in ("Same here", "Still leaking"):
        message_send(author=colleague, service_request=service_request, text=text)
    message_send(author=manager, service_request=service_request, text="On our way")
    assert followers(service_request) == {customer.pk, colleague.pk}
    assert RequestFollower.objects.filter(service_request=service_request).count() == 2


def test_writing_again_after_unfollowing_follows_again(client, customer, colleague):
    service_request = make_service_request(customer)
    client.force_login(customer)
    client.post(f"/request/{service_request.pk}/unfollow")
    assert followers(service_request) == set()
    message_send(author=customer, service_request=service_request, text="Any news?")
    assert followers(service_request) == {customer.pk}


# --- Follow and Unfollow on the request's page -------------------------------------------


def test_a_member_follows_and_unfollows_from_the_page(client, customer, colleague):
    service_request = make_service_request(customer)
    client.force_login(colleague)
    page = client.get(f"/request/{service_request.pk}").content.decode()
    assert 'data-testid="follow"' in page
    assert "You do not get notifications about this request." in page

    response = client.post(f"/request/{service_request.pk}/follow")
    assert response.status_code == 302 and response["Location"] == f"/request/{service_request.pk}"
    assert followers(service_request) == {customer.pk, colleague.pk}
    page = client.get(f"/request/{service_request.pk}").content.decode()
    assert 'data-testid="following-badge"' in page and 'data-testid="unfollow"' in page
    assert "You get notifications about this request." in page
    # Twice is still one row.
    client.post(f"/request/{service_request.pk}/follow")
    assert RequestFollower.objects.filter(user=colleague).count() == 1

    client.post(f"/request/{service_request.pk}/unfollow")
    assert followers(service_request) == {customer.pk}
    assert set(row_ids(client.get(URL, {"scope": "mine"}))) == set()


def test_follow_answers_json_to_a_script(client, customer):
    service_request = make_service_request(customer, followed=False)
    client.force_login(customer)
    response = client.post(
        f"/request/{service_request.pk}/follow", headers={"accept": "application/json"}
    )
    assert response.json() == {"id": service_request.pk, "following": True}


def test_another_organisations_member_cannot_follow_and_learns_nothing(
    client, customer, other_customer
):
    service_request = make_service_request(customer)
    client.force_login(other_customer)
    for action in ("follow", "unfollow"):
        assert client.post(f"/request/{service_request.pk}/{action}").status_code == 404
        assert client.post(f"/request/999999/{action}").status_code == 404
    assert followers(service_request) == {customer.pk}


def test_a_manager_has_no_follow_button_and_cannot_follow(client, customer, manager):
    service_request = make_service_request(customer)
    client.force_login(manager)
    page = client.get(f"/request/{service_request.pk}").content.decode()
    assert 'data-testid="following"' not in page
    assert client.post(f"/request/{service_request.pk}/follow").status_code == 403
    assert followers(service_request) == {customer.pk}


def test_follow_is_a_post_with_csrf(customer):
    service_request = make_service_request(customer, followed=False)
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    assert client.get(f"/request/{service_request.pk}/follow").status_code == 405
    assert client.post(f"/request/{service_request.pk}/follow").status_code == 403
    assert followers(service_request) == set()


def test_a_signed_out_visitor_is_sent_to_sign_in(client, customer):
    service_request = make_service_request(customer, followed=False)
    response = client.post(f"/request/{service_request.pk}/follow")
    assert response.status_code == 302 and "/accounts/login" in response["Location"]
    assert followers(service_request) == set()


# --- the migration for the requests that exist --------------------------------------------


def test_the_migration_makes_authors_and_customers_who_wrote_followers(
    customer, colleague, manager, other_customer
):
    by_form = make_service_request(customer, followed=False)
    by_phone = make_service_request(customer, author=manager, followed=False)
    quiet = make_service_request(colleague, followed=False)
    bystander = CustomerFactory(organisation=customer.organisation)  # wrote nothing
    for author, service_request in [
        (colleague, by_form),
        (colleague, by_form),
        (customer, by_phone),
        (manager, by_phone),
    ]:
        Message.objects.create(
            service_request=service_request,
            author=author,
            by_manager=author == manager,
            text="hi",
        )
    # Someone who wrote and has since moved to another organisation does not follow.
    Message.objects.create(service_request=quiet, author=other_customer, text="old")
    Message.objects.create(service_request=quiet, kind="system", text="Status changed")
    RequestFollower.objects.all().delete()  # the send service would have added some

    migration.followers_from_authors_and_writers(apps, None)
    migration.followers_from_authors_and_writers(apps, None)  # a second run adds nothing

    assert followers(by_form) == {customer.pk, colleague.pk}
    assert followers(by_phone) == {customer.pk}  # the manager who took it does not
    assert followers(quiet) == {colleague.pk}
    assert not RequestFollower.objects.filter(user=bystander).exists()
    assert RequestFollower.objects.count() == 4


def test_the_migration_leaves_another_organisations_author_out():
    # A request whose author is not (any more) a member of its organisation.
    leaver = CustomerFactory()
    service_request = make_service_request(
        leaver, organisation=OrganisationFactory(), followed=False
    )
    migration.followers_from_authors_and_writers(apps, None)
    assert followers(service_request) == set()
