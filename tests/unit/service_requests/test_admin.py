"""The admin site: requests with filters, search and their history; organisations with
their requests."""

import pytest
from django.contrib.auth import get_user_model

from tenantdesk.service_requests.services.status import service_request_change_status
from tests.unit.service_requests.helpers import create_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    client.force_login(admin)
    client.admin = admin
    return client


def test_request_changelist_filters_and_search(admin_client, customer, other_customer):
    mine = create_request(customer, title="Broken socket in 12")
    theirs = create_request(other_customer, title="Dusty shelves", type="cleaning")
    response = admin_client.get("/admin/service_requests/servicerequest/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Broken socket in 12" in html and "Dusty shelves" in html
    assert "By status" in html and "By type" in html and "By organisation" in html
    html = admin_client.get(
        "/admin/service_requests/servicerequest/", {"q": "shelves"}
    ).content.decode()
    assert "Dusty shelves" in html and "Broken socket" not in html
    html = admin_client.get(
        "/admin/service_requests/servicerequest/", {"type__exact": "cleaning"}
    ).content.decode()
    assert f"/admin/service_requests/servicerequest/{theirs.pk}/change/" in html
    assert f"/admin/service_requests/servicerequest/{mine.pk}/change/" not in html


def test_request_page_shows_history_read_only_and_the_private_photo(admin_client, customer):
    sr = create_request(customer)
    service_request_change_status(actor=admin_client.admin, service_request=sr, status="closed")
    response = admin_client.get(f"/admin/service_requests/servicerequest/{sr.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "History" in html
    assert "Pending → Closed" in html
    assert 'name="events-1-kind"' not in html  # read-only, not a form field
    assert f'src="/request/{sr.pk}/photo/thumb"' in html
    assert "/media" not in html


def test_organisation_page_lists_its_requests(admin_client, customer, organisation):
    sr = create_request(customer, title="Door does not close")
    response = admin_client.get(f"/admin/accounts/organisation/{organisation.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Door does not close" in html
    assert f"/admin/service_requests/servicerequest/{sr.pk}/change/" in html


def test_a_closed_request_cannot_be_edited_in_the_admin_either(admin_client, customer):
    sr = create_request(customer, title="Broken socket in 12")
    url = f"/admin/service_requests/servicerequest/{sr.pk}/change/"
    open_form = admin_client.get(url).content.decode()
    assert 'name="title"' in open_form  # editable while open
    service_request_change_status(actor=admin_client.admin, service_request=sr, status="closed")
    closed_form = admin_client.get(url).content.decode()
    assert 'name="title"' not in closed_form and 'name="description"' not in closed_form
    admin_client.post(
        url,
        {
            "title": "Rewritten after closing",
            "type": "plumbing",
            "description": "changed",
            "office": "999",
            "status_changes-TOTAL_FORMS": "1",
            "status_changes-INITIAL_FORMS": "1",
        },
    )
    sr.refresh_from_db()
    assert (sr.title, sr.office, sr.type) == ("Broken socket in 12", "101", "electrical")
