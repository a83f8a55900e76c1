"""Every page, file URL and endpoint from the outside: the owner organisation, another
organisation (404: "not yours" looks like "missing"), a signed-out visitor (sign-in) and
a manager."""

import re

import pytest
from django.http import Http404

from tenantdesk.accounts.roles import is_manager
from tenantdesk.service_requests.access import access_service_request
from tenantdesk.service_requests.models import ServiceRequest
from tests.unit.service_requests.helpers import create_request

pytestmark = pytest.mark.django_db


def _without_csrf(html: bytes) -> bytes:
    # The CSRF token is masked anew for every response; everything else must be identical.
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)


DETAIL_URLS = ["/request/{pk}", "/request/{pk}/photo", "/request/{pk}/photo/thumb"]


@pytest.fixture
def sr(customer):
    return create_request(customer)


@pytest.mark.parametrize("url", DETAIL_URLS)
def test_owner_organisation_may_see(client, customer, organisation, sr, url):
    colleague = type(customer).objects.create_user("colleague", organisation=organisation)
    for user in (customer, colleague):
        client.force_login(user)
        response = client.get(url.format(pk=sr.pk))
        assert response.status_code == 200


@pytest.mark.parametrize("url", DETAIL_URLS)
def test_manager_may_see(client, manager, sr, url):
    client.force_login(manager)
    assert client.get(url.format(pk=sr.pk)).status_code == 200


@pytest.mark.parametrize("url", DETAIL_URLS)
def test_other_organisation_gets_the_same_404_as_a_missing_request(client, other_customer, sr, url):
    client.force_login(other_customer)
    not_yours = client.get(url.format(pk=sr.pk))
    missing = client.get(url.format(pk=sr.pk + 1000))
    assert not_yours.status_code == missing.status_code == 404
    # Identical apart from the masked CSRF token and the page's own address (the language
    # switcher's "next" field).
    missing_html = missing.content.replace(
        url.format(pk=sr.pk + 1000).encode(), url.format(pk=sr.pk).encode()
    )
    assert _without_csrf(not_yours.content) == _without_csrf(missing_html)


@pytest.mark.parametrize(
    "url", [*DETAIL_URLS, "/request/new", "/request/list", "/request/{pk}/status"]
)
def test_signed_out_visitor_is_sent_to_sign_in(client, sr, url):
    path = url.format(pk=sr.pk)
    method = client.post if path.endswith("/status") else client.get
    response = method(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login?next={path}"


def test_photo_responses_are_private_jpegs(client, customer, sr):
    client.force_login(customer)
    for url in (f"/request/{sr.pk}/photo", f"/request/{sr.pk}/photo/thumb"):
        response = client.get(url)
        assert response["Content-Type"] == "image/jpeg"
        assert "private" in response["Cache-Control"]
        body = b"".join(response.streaming_content)
        assert body.startswith(b"\xff\xd8")
    full = client.get(f"/request/{sr.pk}/photo")
    with sr.photo.open("rb") as f:
        assert b"".join(full.streaming_content) == f.read()
    assert full["Content-Disposition"] == f'inline; filename="request-{sr.pk}.jpg"'


def test_media_url_is_not_served(client, customer, sr, settings):
    client.force_login(customer)
    assert client.get(settings.MEDIA_URL + sr.photo.name).status_code == 404
    assert client.get("/media/" + sr.photo.name).status_code == 404


# --- The status endpoint -------------------------------------------------------------------


def test_status_endpoint_gives_the_requests_customer_403(client, customer, sr):
    client.force_login(customer)
    response = client.post(f"/request/{sr.pk}/status", {"status": "closed"})
    assert response.status_code == 403
    assert ServiceRequest.objects.get(pk=sr.pk).status == "pending"


def test_status_endpoint_gives_another_organisation_404(client, other_customer, sr):
    client.force_login(other_customer)
    response = client.post(f"/request/{sr.pk}/status", {"status": "closed"})
    assert response.status_code == 404
    assert ServiceRequest.objects.get(pk=sr.pk).status == "pending"


def test_status_endpoint_lets_a_manager_change(client, manager, sr):
    client.force_login(manager)
    response = client.post(f"/request/{sr.pk}/status", {"status": "closed"})
    assert response.status_code == 302
    assert ServiceRequest.objects.get(pk=sr.pk).status == "closed"


# --- The list and the create page --------------------------------------------------------


def test_list_shows_the_owner_their_request_and_hides_it_from_others(
    client, customer, other_customer, manager, sr
):
    row = f'data-request-id="{sr.pk}"'
    client.force_login(customer)
    assert row in client.get("/request/list").content.decode()
    client.force_login(manager)
    assert row in client.get("/request/list").content.decode()
    client.force_login(other_customer)
    response = client.get("/request/list")
    assert response.status_code == 200
    assert row not in response.content.decode()
    assert sr.title not in response.content.decode()


def test_create_page_for_each_role(client, customer, other_customer, manager):
    # A manager's page is the form for a request taken by phone (issue 12).
    for user, status in ((customer, 200), (other_customer, 200), (manager, 200)):
        client.force_login(user)
        assert client.get("/request/new").status_code == status


def test_detail_page_shows_the_header(client, customer, sr):
    client.force_login(customer)
    html = client.get(f"/request/{sr.pk}").content.decode()
    assert f'data-testid="request-number">#{sr.pk}<' in html
    assert sr.title in html
    assert "Electrical" in html
    assert 'data-testid="request-office">101<' in html
    assert sr.organisation.name in html
    assert 'data-status="pending"' in html
    assert f'src="/request/{sr.pk}/photo/thumb"' in html
    assert f'src="/request/{sr.pk}/photo"' in html  # the larger view
    assert 'id="chat"' in html
    assert "/media" not in html


@pytest.mark.parametrize("who", ["customer", "manager"])
def test_the_callers_joins_are_kept_and_another_organisation_is_still_refused(
    request, who, other_customer, sr, django_assert_num_queries
):
    person = request.getfixturevalue(who)
    is_manager(person)  # the role as a page has it already (accounts.backends)
    joined = ServiceRequest.objects.select_related("organisation", "author", "assignee")
    with django_assert_num_queries(1):
        found = access_service_request(person, sr.pk, queryset=joined)
        assert (found.organisation.name, found.author.pk, found.assignee) == (
            sr.organisation.name,
            sr.author_id,
            None,
        )
    with pytest.raises(Http404):
        access_service_request(other_customer, sr.pk, queryset=joined)
