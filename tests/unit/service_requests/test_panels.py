"""The request page's live fragment, /request/<id>/panels (issue 23): the same access as
the page (signed out: sign in; another organisation and a missing id: 404), the header
and details as the viewer would see them on a reload, and no manager-only part for a
customer."""

import pytest

from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services import closure, status, workspace
from tests.factories import ManagerFactory
from tests.unit.service_requests.helpers import create_request

pytestmark = pytest.mark.django_db

# Marks of the managers' controls: the status / assignee / priority menus, the due time,
# placing the request, the incident tools.
MANAGER_ONLY = (
    'data-testid="status-actions"',
    'data-testid="assign-form"',
    'data-testid="priority-form"',
    'data-testid="take"',
    "/assign",
    "/priority",
    "/status",
    'data-testid="set-location"',
    'data-testid="new-incident-from-request"',
)


@pytest.fixture
def service_request(customer):
    return create_request(customer, title="Leak under the sink")


def panels_url(sr) -> str:
    return f"/request/{sr.pk}/panels"


def test_signed_out_visitors_are_sent_to_sign_in(client, service_request):
    response = client.get(panels_url(service_request))
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_another_organisation_gets_404(client, other_customer, service_request):
    client.force_login(other_customer)
    assert client.get(panels_url(service_request)).status_code == 404


def test_a_missing_request_is_404(client, customer):
    client.force_login(customer)
    assert client.get("/request/999999/panels").status_code == 404


def test_only_get(client, customer, service_request):
    client.force_login(customer)
    assert client.post(panels_url(service_request)).status_code == 405


def test_a_customer_gets_both_panels_without_manager_parts(client, customer, service_request):
    client.force_login(customer)
    response = client.get(panels_url(service_request))
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert 'data-panel-source="header"' in html and 'data-panel-source="details"' in html
    assert "Leak under the sink" in html
    for mark in MANAGER_ONLY:
        assert mark not in html, mark
    # No page around it: it is swapped into the page that has one.
    assert "<html" not in html and "<nav" not in html


def test_a_manager_gets_the_menus_with_the_current_choices(client, service_request):
    manager = ManagerFactory(first_name="Oleg", last_name="Petrov")
    client.force_login(manager)
    html = client.get(panels_url(service_request)).content.decode()
    for mark in ('data-testid="status-actions"', 'data-testid="assign-form"', "priority-form"):
        assert mark in html
    assert 'data-status-action="in_progress"' in html and "Start work" in html
    assert 'data-testid="take"' in html and "Assign to me" in html
    assert 'aria-checked="true" class="rq-menu-item" data-priority-choice="normal"' in html


def test_the_fragment_follows_the_request(client, customer, service_request):
    """What changed since the page was rendered is in the next fragment: the customer sees
    the new assignee and priority, and once closed the rating form."""
    manager = ManagerFactory(first_name="Oleg", last_name="Petrov")
    workspace.service_request_assign(
        actor=manager, service_request=service_request, assignee=manager
    )
    workspace.service_request_set_priority(
        actor=manager, service_request=service_request, priority=ServiceRequest.Priority.URGENT
    )
    client.force_login(customer)
    html = client.get(panels_url(service_request)).content.decode()
    assert "Oleg Petrov" in html and 'data-priority="urgent"' in html
    assert 'data-testid="rating-form"' not in html

    status.service_request_change_status(
        actor=manager, service_request=service_request, status=ServiceRequest.Status.CLOSED
    )
    html = client.get(panels_url(service_request)).content.decode()
    assert 'data-testid="rating-form"' in html and 'data-testid="rate-open"' in html
    assert 'data-testid="reopen"' in html

    service_request.refresh_from_db()
    closure.service_request_reopen(
        actor=customer, service_request=service_request, reason="Still dripping"
    )
    client.force_login(manager)
    html = client.get(panels_url(service_request)).content.decode()
    assert 'data-testid="status-actions"' in html and 'data-status="pending"' in html
