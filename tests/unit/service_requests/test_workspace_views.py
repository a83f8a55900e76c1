"""The workspace's endpoints from the outside: take / assign / unassign and priority, as
another organisation, a customer of the same organisation, a signed-out visitor and a
manager; the request page's controls and history; the create form's urgent checkbox."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services.status import service_request_change_status
from tests.factories import CustomerFactory, ManagerFactory
from tests.unit.service_requests.helpers import changes, create_request, good_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def service_request(customer):
    return create_request(customer)


def assign_url(sr):
    return f"/request/{sr.pk}/assign"


def priority_url(sr):
    return f"/request/{sr.pk}/priority"


ACTIONS = [
    ("assign", {"action": "take"}),
    ("priority", {"priority": "urgent"}),
]


def post(client, sr, which, data):
    return client.post(assign_url(sr) if which == "assign" else priority_url(sr), data)


def unchanged(sr):
    sr.refresh_from_db()
    return sr.assignee_id is None and sr.priority == "normal" and not changes().exists()


@pytest.mark.parametrize(("which", "data"), ACTIONS)
def test_signed_out_visitors_are_sent_to_sign_in(client, service_request, which, data):
    response = post(client, service_request, which, data)
    assert response.status_code == 302 and "/accounts/login" in response["Location"]
    assert unchanged(service_request)


@pytest.mark.parametrize(("which", "data"), ACTIONS)
def test_another_organisation_gets_404(client, other_customer, service_request, which, data):
    client.force_login(other_customer)
    assert post(client, service_request, which, data).status_code == 404
    assert unchanged(service_request)


@pytest.mark.parametrize(("which", "data"), ACTIONS)
def test_a_customer_of_the_organisation_gets_403(client, customer, service_request, which, data):
    client.force_login(CustomerFactory(organisation=customer.organisation))
    response = post(client, service_request, which, data)
    assert response.status_code == 403
    assert "permission" in response.content.decode()
    assert unchanged(service_request)


def test_a_customer_is_not_offered_the_controls(client, customer, service_request):
    client.force_login(customer)
    html = client.get(service_request.get_absolute_url()).content.decode()
    # The assignee and the priority are shown with the details, not in the managers' panel.
    assert 'data-testid="workspace-panel"' not in html
    assert 'data-testid="request-assignee"' in html and 'data-testid="request-priority"' in html
    for control in ('data-testid="take"', 'data-testid="assign-form"', "priority-form"):
        assert control not in html


def test_missing_request_is_404_for_a_manager(client, manager):
    client.force_login(manager)
    assert client.post("/request/999999/assign", {"action": "take"}).status_code == 404


def test_get_is_not_allowed(client, manager, service_request):
    client.force_login(manager)
    assert client.get(assign_url(service_request)).status_code == 405


def test_a_manager_takes_assigns_and_unassigns(client, manager, service_request):
    anna = ManagerFactory(first_name="Anna", last_name="Ivanova")
    client.force_login(manager)
    response = client.post(assign_url(service_request), {"action": "take"}, follow=True)
    assert response.redirect_chain[-1][0] == service_request.get_absolute_url()
    service_request.refresh_from_db()
    assert service_request.assignee == manager
    client.post(assign_url(service_request), {"action": "assign", "assignee": anna.pk})
    service_request.refresh_from_db()
    assert service_request.assignee == anna
    html = client.get(service_request.get_absolute_url()).content.decode()
    assert "Anna Ivanova" in html and 'data-testid="unassign"' in html
    client.post(assign_url(service_request), {"action": "unassign"})
    service_request.refresh_from_db()
    assert service_request.assignee is None
    kinds = list(changes().values_list("kind", flat=True))
    assert kinds == ["assigned", "assigned", "unassigned"]


@pytest.mark.parametrize(
    ("data", "status", "text"),
    [
        ({"action": "assign"}, 400, "Choose a manager."),
        ({"action": "assign", "assignee": "999999"}, 400, "Choose an active manager."),
        ({"action": "dance"}, 400, ""),
        ({"action": "unassign"}, 400, "not assigned to anyone"),
    ],
)
def test_bad_assignments_get_a_clear_page(client, manager, service_request, data, status, text):
    client.force_login(manager)
    response = client.post(assign_url(service_request), data)
    assert response.status_code == status
    assert 'data-testid="action-error"' in response.content.decode()
    assert text in response.content.decode()
    assert unchanged(service_request)


def test_a_customer_cannot_be_chosen_as_assignee(client, manager, customer, service_request):
    client.force_login(manager)
    response = client.post(
        assign_url(service_request), {"action": "assign", "assignee": customer.pk}
    )
    assert response.status_code == 400
    assert unchanged(service_request)


def test_json_answers(client, manager, service_request):
    client.force_login(manager)
    headers = {"Accept": "application/json"}
    response = client.post(assign_url(service_request), {"action": "take"}, headers=headers)
    assert response.json() == {"id": service_request.pk, "assignee_id": manager.pk}
    response = client.post(assign_url(service_request), {"action": "take"}, headers=headers)
    assert response.status_code == 400 and response.json()["error"]["code"] == "unchanged"


def test_a_manager_sets_the_priority(client, manager, service_request):
    client.force_login(manager)
    response = client.post(priority_url(service_request), {"priority": "high"})
    assert response.status_code == 302
    service_request.refresh_from_db()
    assert service_request.priority == "high"
    response = client.post(priority_url(service_request), {"priority": "bogus"})
    assert response.status_code == 400
    assert "Unknown priority." in response.content.decode()


def test_a_closed_request_is_not_changed_and_offers_no_controls(client, manager, service_request):
    service_request_change_status(actor=manager, service_request=service_request, status="closed")
    client.force_login(manager)
    html = client.get(service_request.get_absolute_url()).content.decode()
    assert 'data-testid="take"' not in html and "priority-form" not in html
    response = client.post(assign_url(service_request), {"action": "take"})
    assert response.status_code == 403
    assert "closed" in response.content.decode()


def test_the_history_shows_status_and_other_changes_in_time_order(client, manager, service_request):
    client.force_login(manager)
    client.post(assign_url(service_request), {"action": "take"})
    client.post(f"/request/{service_request.pk}/status", {"status": "in_progress"})
    client.post(priority_url(service_request), {"priority": "urgent"})
    html = client.get(service_request.get_absolute_url()).content.decode()
    history = html[html.index('data-testid="status-history"') :]
    positions = [
        history.index(text)
        for text in (
            f"Assigned to {manager.display_name}",
            "Pending → In progress",
            "Priority: Normal → Urgent",
        )
    ]
    assert positions == sorted(positions)
    with translation.override("ru"):
        client.cookies["django_language"] = "ru"
        html = client.get(service_request.get_absolute_url()).content.decode()
    assert "Приоритет: Обычный → Срочный" in html


def test_the_detail_page_takes_the_same_queries_with_a_long_history(
    client, manager, service_request, django_assert_num_queries
):
    client.force_login(manager)
    client.post(assign_url(service_request), {"action": "take"})
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(service_request.get_absolute_url())
    assert response.status_code == 200
    # Read now: every later request clears the connection's query log.
    queries_before = len(ctx.captured_queries)
    for priority in ("high", "low", "urgent", "normal"):
        client.post(priority_url(service_request), {"priority": priority})
    with django_assert_num_queries(queries_before):
        client.get(service_request.get_absolute_url())


def test_the_create_form_marks_a_request_urgent(client, customer):
    client.force_login(customer)
    page = client.get("/request/new").content.decode()
    assert 'name="urgent"' in page
    data = {
        "type": "plumbing",
        "title": "Water everywhere",
        "description": "A pipe burst.",
        "office": "12",
        "photo": good_upload(),
        "urgent": "on",
    }
    response = client.post("/request/new", data)
    assert response.status_code == 302
    sr = ServiceRequest.objects.get()
    assert sr.priority == "urgent" and sr.first_response_due_at is not None
    data["photo"] = good_upload()
    data.pop("urgent")
    client.post("/request/new", data)
    assert ServiceRequest.objects.order_by("-pk").first().priority == "normal"
