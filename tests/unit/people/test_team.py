"""/company/team: a company admin invites managers, deactivates them (their open requests
unassigned, their sockets closed) and makes or unmakes company admins, never leaving none.
Tried from outside: a manager, a customer, an organisation admin, a signed-out visitor."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from tenantdesk.accounts.models import OrganisationRole, User
from tenantdesk.accounts.revocation import user_access_changed
from tenantdesk.accounts.roles import MANAGER_GROUP, is_company_admin, is_manager
from tenantdesk.chat.models import Message
from tenantdesk.people.models import Invitation, MembershipEvent
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services.workspace import service_request_assign
from tests.factories import CustomerFactory, ManagerFactory
from tests.unit.people.helpers import sent_link
from tests.unit.service_requests.helpers import create_request

pytestmark = pytest.mark.django_db

Kind = MembershipEvent.Kind


@pytest.fixture(autouse=True)
def _manager_group(db):
    Group.objects.get_or_create(name=MANAGER_GROUP)


@pytest.fixture
def boss():
    return ManagerFactory(company_admin=True, first_name="Irina Belova")


@pytest.fixture
def anna():
    return ManagerFactory(first_name="Anna Ivanova")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_team_page_lists_managers_for_a_company_admin(boss, anna):
    client = signed_in(boss)
    body = client.get("/company/team").content.decode()
    assert "Irina Belova" in body and "Anna Ivanova" in body
    assert 'data-testid="nav-team"' in body
    assert is_company_admin(boss) and not is_company_admin(anna)


@pytest.mark.parametrize("path", ["/company/team", "/company/activity"])
def test_only_a_company_admin_may_open_the_pages(client, anna, path):
    assert client.get(path).status_code == 302
    for person in (anna, CustomerFactory(organisation_role=OrganisationRole.ADMIN)):
        other = signed_in(person)
        assert other.get(path).status_code == 403
        assert 'data-testid="nav-team"' not in other.get("/").content.decode()


def test_nobody_but_a_company_admin_invites_or_changes_the_team(anna, boss):
    for person in (anna, CustomerFactory(organisation_role=OrganisationRole.ADMIN)):
        client = signed_in(person)
        assert (
            client.post(
                "/company/team/invite", {"email": "x@example.com", "language": "en"}
            ).status_code
            == 403
        )
        assert client.post(f"/company/team/{boss.pk}/admin", {"admin": "off"}).status_code == 403
        assert client.post(f"/company/team/{boss.pk}/deactivate").status_code == 403
    assert not Invitation.objects.exists()
    boss.refresh_from_db()
    assert boss.company_admin and boss.is_active


def test_an_invited_manager_joins_the_team(boss):
    client = signed_in(boss)
    response = client.post(
        "/company/team/invite", {"email": "sergey@example.com", "language": "en"}
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.organisation is None and invitation.role == "manager"
    link = sent_link("sergey@example.com")
    newcomer = Client()
    page = newcomer.get(link).content.decode()
    assert "the management company&#x27;s team" in page or "the management company's team" in page
    response = newcomer.post(
        link,
        {"name": "Sergey Volkov", "password1": "Lantern-river-77", "password2": "Lantern-river-77"},
    )
    assert response.status_code == 302
    sergey = User.objects.get(email="sergey@example.com")
    assert is_manager(sergey) and sergey.organisation is None and sergey.is_staff
    assert newcomer.get("/request/list").status_code == 200
    assert MembershipEvent.objects.filter(kind=Kind.JOINED, organisation=None).exists()


def test_an_organisation_admin_cannot_use_or_see_team_invitations(boss):
    signed_in(boss).post("/company/team/invite", {"email": "s@example.com", "language": "en"})
    invitation = Invitation.objects.get()
    org_admin = signed_in(CustomerFactory(organisation_role=OrganisationRole.ADMIN))
    assert org_admin.post(f"/org/invitations/{invitation.pk}/revoke").status_code == 404
    assert org_admin.post(f"/company/invitations/{invitation.pk}/revoke").status_code == 403
    assert Invitation.objects.get().revoked_at is None


def test_deactivating_a_manager_unassigns_their_open_requests_and_closes_their_sockets(
    boss, anna, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    open_one = create_request(customer)
    closed_one = create_request(customer)
    for service_request in (open_one, closed_one):
        service_request_assign(actor=boss, service_request=service_request, assignee=anna)
    ServiceRequest.objects.filter(pk=closed_one.pk).update(status=ServiceRequest.Status.CLOSED)
    theirs = signed_in(anna)
    heard = []

    def listener(sender, user_ids, **kwargs):
        heard.extend(user_ids)

    user_access_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_in(boss).post(f"/company/team/{anna.pk}/deactivate")
    finally:
        user_access_changed.disconnect(listener)
    assert response.status_code == 302
    assert heard == [anna.pk]
    anna.refresh_from_db()
    assert not anna.is_active
    open_one.refresh_from_db()
    closed_one.refresh_from_db()
    assert open_one.assignee is None and closed_one.assignee == anna
    # The customer's chat says so.
    line = (
        Message.objects.filter(service_request=open_one, kind=Message.Kind.SYSTEM)
        .order_by("-pk")
        .first()
    )
    assert line.event["type"] == "unassigned", line.event
    assert theirs.get("/request/list").status_code == 302


def test_the_company_keeps_a_company_admin(boss, anna):
    client = signed_in(boss)
    assert client.post(f"/company/team/{boss.pk}/admin", {"admin": "off"}).status_code == 400
    assert client.post(f"/company/team/{boss.pk}/deactivate").status_code == 400  # oneself
    assert client.post(f"/company/team/{anna.pk}/admin", {"admin": "on"}).status_code == 302
    assert client.post(f"/company/team/{boss.pk}/admin", {"admin": "off"}).status_code == 302
    boss.refresh_from_db()
    anna.refresh_from_db()
    assert not boss.company_admin and anna.company_admin
    # Anna, the only company admin now, cannot be deactivated by anyone left.
    assert (
        signed_in(anna).post(f"/company/team/{anna.pk}/admin", {"admin": "off"}).status_code == 400
    )
    assert list(
        MembershipEvent.objects.filter(kind=Kind.ROLE_CHANGED)
        .order_by("id")
        .values_list("data", flat=True)
    ) == [
        {"from": "manager", "to": "company_admin"},
        {"from": "company_admin", "to": "manager"},
    ]


def test_customers_are_not_part_of_the_team(boss):
    customer = CustomerFactory()
    client = signed_in(boss)
    assert client.post(f"/company/team/{customer.pk}/deactivate").status_code == 404
    customer.refresh_from_db()
    assert customer.is_active


def test_the_company_log_shows_every_organisation_and_the_team(boss):
    org_admin = CustomerFactory(organisation_role=OrganisationRole.ADMIN)
    signed_in(org_admin).post(
        "/org/members/invite", {"email": "nina@example.com", "role": "member", "language": "en"}
    )
    signed_in(boss).post("/company/team/invite", {"email": "s@example.com", "language": "en"})
    body = signed_in(boss).get("/company/activity").content.decode()
    assert "nina@example.com" in body and "s@example.com" in body
    assert org_admin.organisation.name in body
