"""/org/members and /org/details: an organisation admin manages its people, tried from the
outside (a member, a manager, a signed-out visitor, another organisation's admin)."""

import pytest
from django.test import Client

from tenantdesk.accounts.models import OrganisationRole, User
from tenantdesk.accounts.revocation import user_access_changed
from tenantdesk.accounts.signals import announce_security_event
from tenantdesk.chat.services.send import message_send
from tenantdesk.people.models import Invitation, MembershipEvent
from tests.factories import CustomerFactory, ManagerFactory
from tests.unit.chat.helpers import make_service_request
from tests.unit.people.helpers import invite, sent_link

pytestmark = pytest.mark.django_db

ADMIN, MEMBER = OrganisationRole.ADMIN, OrganisationRole.MEMBER
Kind = MembershipEvent.Kind


def set_role(client, person, role):
    return client.post(f"/org/members/{person.pk}/role", {"role": role})


def test_the_members_page_lists_people_invitations_and_the_form(admin_client, admin, member):
    invite(admin_client, email="nina@example.com")
    body = admin_client.get("/org/members").content.decode()
    assert "Olga Smirnova" in body and "Pavel Orlov" in body and "nina@example.com" in body
    assert 'name="email"' in body and f'data-member="{member.pk}"' in body
    # The navigation offers the page to an admin only.
    assert 'data-testid="nav-members"' in body


@pytest.mark.parametrize(
    "path",
    [
        "/org/members",
        "/org/details",
        "/org/activity",
    ],
)
def test_only_an_organisation_admin_may_open_the_pages(client, member, path):
    assert client.get(path).status_code == 302  # signed out: the sign-in page
    client.force_login(member)
    assert client.get(path).status_code == 403
    assert 'data-testid="nav-members"' not in client.get("/").content.decode()
    client.force_login(ManagerFactory())
    assert client.get(path).status_code == 403


def test_a_member_cannot_invite_change_roles_or_remove(client, admin, member):
    client.force_login(member)
    assert invite(client).status_code == 403
    assert set_role(client, admin, MEMBER).status_code == 403
    assert client.post(f"/org/members/{admin.pk}/remove").status_code == 403
    assert not Invitation.objects.exists()
    admin.refresh_from_db()
    assert admin.organisation_role == ADMIN and admin.is_active


def test_another_organisations_people_and_invitations_are_not_found(admin_client):
    stranger = CustomerFactory()
    other_admin = CustomerFactory(organisation_role=ADMIN)
    other = Client()
    other.force_login(other_admin)
    invite(other, email="theirs@example.com")
    theirs = Invitation.objects.get()
    assert set_role(admin_client, stranger, ADMIN).status_code == 404
    assert admin_client.get(f"/org/members/{stranger.pk}/remove").status_code == 404
    assert admin_client.post(f"/org/members/{stranger.pk}/remove").status_code == 404
    assert admin_client.post(f"/org/invitations/{theirs.pk}/revoke").status_code == 404
    assert admin_client.post(f"/org/invitations/{theirs.pk}/resend").status_code == 404
    stranger.refresh_from_db()
    theirs.refresh_from_db()
    assert stranger.is_active and stranger.organisation_role == MEMBER
    assert theirs.revoked_at is None


def test_roles_change_and_the_last_admin_stays(admin_client, admin, member):
    assert set_role(admin_client, member, ADMIN).status_code == 302
    member.refresh_from_db()
    assert member.organisation_role == ADMIN
    # Two admins: one may step down …
    assert set_role(admin_client, admin, MEMBER).status_code == 302
    admin.refresh_from_db()
    assert admin.organisation_role == MEMBER
    # … but the last one may not be made a member.
    pavel = Client()
    pavel.force_login(member)
    response = set_role(pavel, member, MEMBER)
    assert response.status_code == 400
    assert "at least one admin" in response.content.decode()
    member.refresh_from_db()
    assert member.organisation_role == ADMIN
    # Not a role of an organisation: refused, nothing changed.
    assert set_role(pavel, admin, "manager").status_code == 400
    assert set_role(pavel, admin, MEMBER).status_code == 400  # already has it
    admin.refresh_from_db()
    assert admin.organisation_role == MEMBER
    assert (
        list(MembershipEvent.objects.filter(kind=Kind.ROLE_CHANGED).values_list("data", flat=True))
        == [{"from": "member", "to": "admin"}, {"from": "admin", "to": "member"}][::-1]
    )


def test_removing_a_member_ends_their_access_at_once(
    admin_client, member, django_capture_on_commit_callbacks
):
    theirs = Client()
    theirs.force_login(member)
    assert theirs.get("/request/list").status_code == 200
    heard = []

    def listener(sender, user_ids, **kwargs):
        heard.extend(user_ids)

    user_access_changed.connect(listener)
    try:
        confirm = admin_client.get(f"/org/members/{member.pk}/remove")
        assert confirm.status_code == 200 and "Remove Pavel Orlov?" in confirm.content.decode()
        with django_capture_on_commit_callbacks(execute=True):
            assert admin_client.post(f"/org/members/{member.pk}/remove").status_code == 302
    finally:
        user_access_changed.disconnect(listener)
    # Announced, so every open socket of theirs closes (accounts/revocation.py) …
    assert heard == [member.pk]
    member.refresh_from_db()
    assert not member.is_active and member.organisation_id is not None
    # … and their session no longer signs them in.
    assert theirs.get("/request/list").status_code == 302
    body = admin_client.get("/org/members").content.decode()
    assert 'data-testid="former-member"' in body
    assert MembershipEvent.objects.filter(kind=Kind.REMOVED, subject=member).exists()
    # Removing twice is refused.
    assert admin_client.post(f"/org/members/{member.pk}/remove").status_code == 400


def test_an_admin_cannot_remove_themselves(admin_client, admin):
    response = admin_client.post(f"/org/members/{admin.pk}/remove")
    assert response.status_code == 400
    admin.refresh_from_db()
    assert admin.is_active


def test_a_removed_member_invited_again_comes_back_with_their_account(admin_client, member):
    admin_client.post(f"/org/members/{member.pk}/remove")
    response = invite(admin_client, email=member.email)
    assert response.status_code == 302
    link = sent_link(member.email)
    newcomer = Client()
    response = newcomer.post(
        link,
        {"name": "Pavel Orlov", "password1": "Back-again-2027", "password2": "Back-again-2027"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.is_active and member.check_password("Back-again-2027")
    assert User.objects.filter(email=member.email).count() == 1


def test_the_organisation_details_are_edited_and_logged(admin_client, organisation):
    response = admin_client.post(
        "/org/details",
        {"name": "Rainbow Group", "address": "5 Lenina Street", "phone": "8 (909) 095-16-70"},
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "Rainbow Group" and str(organisation.phone) == "+79090951670"
    event = MembershipEvent.objects.get(kind=Kind.DETAILS_CHANGED)
    assert event.data == {"changed": ["address", "name"]}  # the phone was the same
    response = admin_client.post("/org/details", {"name": "", "address": "x", "phone": "12"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "name" in errors and "phone" in errors
    organisation.refresh_from_db()
    assert organisation.name == "Rainbow Group"


def test_the_activity_page_shows_the_organisations_log_only(admin_client, member):
    invite(admin_client, email="nina@example.com")
    set_role(admin_client, member, ADMIN)
    other_admin = CustomerFactory(organisation_role=ADMIN)
    other = Client()
    other.force_login(other_admin)
    invite(other, email="theirs@example.com")
    body = admin_client.get("/org/activity").content.decode()
    assert "nina@example.com" in body and "Role changed" in body
    assert "theirs@example.com" not in body


def test_what_a_removed_member_wrote_stays_under_their_name_marked_former(
    admin_client, admin, member
):
    service_request = make_service_request(admin)
    message_send(author=member, service_request=service_request, text="The lamp is fixed")
    admin_client.post(f"/org/members/{member.pk}/remove")
    messages = admin_client.get(f"/chat/{service_request.pk}/messages").json()["messages"]
    (line,) = [m for m in messages if m["text"] == "The lamp is fixed"]
    assert line["author_former"] is True
    assert line["author_label"].startswith("Pavel Orlov (former member) · ")


def test_two_factor_and_password_resets_are_in_the_organisations_log(
    admin_client, member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        announce_security_event(user=member, kind="two_factor_on")
        announce_security_event(user=member, kind="password_reset")
    manager = ManagerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        announce_security_event(user=manager, kind="two_factor_off")
    body = admin_client.get("/org/activity").content.decode()
    assert "Two-factor sign-in turned on" in body and "Password reset by e-mail" in body
    # A manager's line is the team's, not the organisation's.
    assert "Two-factor sign-in turned off" not in body
    assert MembershipEvent.objects.get(kind="two_factor_off").organisation_id is None
