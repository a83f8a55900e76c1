"""Invitations from /org/members to /accounts/invite/<token>, tried from the outside."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tenantdesk.accounts.models import OrganisationRole, User
from tenantdesk.people.models import Invitation, MembershipEvent
from tenantdesk.people.tokens import token_hash
from tests.factories import PASSWORD, CustomerFactory, ManagerFactory
from tests.unit.people.helpers import invite, sent_link

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "river-Stone-42-lantern"
Kind = MembershipEvent.Kind


def accept(client, link, name="Nina Volkova", password=NEW_PASSWORD):
    return client.post(link, {"name": name, "password1": password, "password2": password})


def test_an_admin_invites_and_the_colleague_joins_from_the_email(admin_client, admin, client):
    response = invite(admin_client, email="Nina@Example.com", role="member", language="ru")
    assert response.status_code == 302 and response.url == "/org/members"
    invitation = Invitation.objects.get()
    # Only a hash of the link is stored; the e-mail is a job, sent by the worker.
    assert len(invitation.token_hash) == 64 and mail.outbox == []
    link = sent_link("Nina@Example.com")
    assert token_hash(link.rsplit("/", 1)[1]) == invitation.token_hash
    message = mail.outbox[-1]
    # In the language the admin chose for it.
    assert "приглашает вас" in message.subject
    assert "Olga Smirnova" in message.subject and admin.organisation.name in message.body

    admin_client.logout()
    page = client.get(link)
    assert page.status_code == 200
    assert "Nina@Example.com" in page.content.decode()
    response = accept(client, link)
    assert response.status_code == 302
    nina = User.objects.get(email="Nina@Example.com")
    # The address is the login; the person is signed in, in the inviting organisation.
    assert nina.username == "nina@example.com"
    assert nina.organisation == admin.organisation
    assert nina.organisation_role == OrganisationRole.MEMBER
    assert nina.display_name == "Nina Volkova" and nina.check_password(NEW_PASSWORD)
    # The link reached the address: it is confirmed.
    assert nina.email_confirmed_at is not None
    assert client.session["_auth_user_id"] == str(nina.pk)
    assert list(MembershipEvent.objects.order_by("id").values_list("kind", flat=True)) == [
        Kind.INVITED,
        Kind.JOINED,
    ]


def test_a_link_works_once(admin_client, client):
    invite(admin_client)
    link = sent_link("nina@example.com")
    admin_client.logout()
    assert accept(client, link).status_code == 302
    client.logout()
    again = client.get(link)
    assert again.status_code == 404
    assert "This invitation link is not valid" in again.content.decode()
    assert accept(client, link, name="Someone Else").status_code == 404
    assert User.objects.filter(email="nina@example.com").count() == 1


def test_an_expired_link_is_refused(admin_client, client):
    invite(admin_client)
    link = sent_link("nina@example.com")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    admin_client.logout()
    assert client.get(link).status_code == 404
    assert accept(client, link).status_code == 404
    assert not User.objects.filter(email="nina@example.com").exists()


def test_a_revoked_link_is_refused(admin_client, client):
    invite(admin_client)
    link = sent_link("nina@example.com")
    invitation = Invitation.objects.get()
    assert admin_client.post(f"/org/invitations/{invitation.pk}/revoke").status_code == 302
    admin_client.logout()
    assert accept(client, link).status_code == 404
    assert not User.objects.filter(email="nina@example.com").exists()


def test_sending_again_makes_a_new_link_and_the_old_one_dies(admin_client, client):
    invite(admin_client)
    old = sent_link("nina@example.com")
    invitation = Invitation.objects.get()
    assert admin_client.post(f"/org/invitations/{invitation.pk}/resend").status_code == 302
    new = sent_link("nina@example.com")
    assert new != old
    admin_client.logout()
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token + "x",
        lambda token: "",
        lambda token: "x" * 500,
    ],
    ids=["one-character", "longer", "empty", "very-long"],
)
def test_a_tampered_link_is_refused(admin_client, client, tamper):
    invite(admin_client)
    link = sent_link("nina@example.com")
    admin_client.logout()
    token = link.rsplit("/", 1)[1]
    response = client.get(f"/accounts/invite/{tamper(token)}")
    assert response.status_code == 404


def test_the_job_of_an_old_link_sends_nothing(admin_client):
    """A job queued for a link that was since sent again must not mail the dead link."""
    invite(admin_client)
    invitation = Invitation.objects.get()
    admin_client.post(f"/org/invitations/{invitation.pk}/resend")
    sent_link("nina@example.com")
    assert len(mail.outbox) == 1  # two jobs ran, one e-mail: the current link


def test_an_address_with_an_account_is_told_to_sign_in_and_accepts_from_there(
    admin_client, client, organisation
):
    loner = CustomerFactory(email="nina@example.com", organisation=None)
    invite(admin_client)
    link = sent_link("nina@example.com")
    admin_client.logout()
    page = client.get(link)
    assert page.status_code == 200
    body = page.content.decode()
    assert "already has an account" in body and "/accounts/login?next=" in body
    # Posting the newcomer's form anyway changes nothing.
    response = accept(client, link)
    assert response.status_code == 400
    loner.refresh_from_db()
    assert loner.organisation is None and loner.check_password(PASSWORD)

    client.force_login(loner)
    assert "Accept the invitation" in client.get(link).content.decode()
    assert client.post(link).status_code == 302
    loner.refresh_from_db()
    assert loner.organisation == organisation


def test_a_member_of_another_organisation_cannot_join_with_the_link(admin_client, client):
    someone = CustomerFactory(email="nina@example.com")
    home = someone.organisation
    invite(admin_client)
    link = sent_link("nina@example.com")
    client.force_login(someone)
    response = client.post(link)
    assert response.status_code == 403
    someone.refresh_from_db()
    assert someone.organisation == home
    # The invitation is still open: nothing was used up.
    assert Invitation.objects.get().accepted_at is None


def test_a_signed_in_person_of_another_address_cannot_use_the_link(admin_client, client):
    invite(admin_client)
    link = sent_link("nina@example.com")
    stranger = CustomerFactory(organisation=None, email="ivan@example.com")
    client.force_login(stranger)
    assert client.post(link).status_code == 403
    stranger.refresh_from_db()
    assert stranger.organisation is None


def test_a_manager_cannot_join_an_organisation(admin_client, client):
    manager = ManagerFactory(email="nina@example.com")
    invite(admin_client)
    link = sent_link("nina@example.com")
    client.force_login(manager)
    assert client.post(link).status_code == 403
    manager.refresh_from_db()
    assert manager.organisation is None


def test_the_accept_form_refuses_bad_input_at_its_fields(admin_client, client):
    invite(admin_client)
    link = sent_link("nina@example.com")
    admin_client.logout()
    response = client.post(link, {"name": " ", "password1": "short", "password2": "other"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["name"] == ["This field is required."]
    assert errors["password2"] == ["The two password fields didn’t match."]
    response = accept(client, link, password="123")
    assert response.status_code == 400
    assert "This password is too short." in " ".join(response.context["form"].errors["password1"])
    assert not User.objects.filter(email="nina@example.com").exists()
    assert Invitation.objects.get().accepted_at is None


def test_invite_form_errors(admin_client, member):
    response = invite(admin_client, email="not-an-address")
    assert response.status_code == 400
    assert response.context["invite_form"].errors["email"] == ["Enter a valid email address."]
    response = invite(admin_client, email=member.email.upper())
    assert response.status_code == 400
    assert response.context["invite_form"].errors["email"] == ["This person is already a member."]
    invite(admin_client)
    response = invite(admin_client, email="NINA@example.com")
    assert response.status_code == 400
    assert "has an invitation waiting" in response.context["invite_form"].errors["email"][0]
    # A role outside the organisation's (say, manager) is refused at the field.
    response = invite(admin_client, email="boss@example.com", role="manager")
    assert response.status_code == 400 and "role" in response.context["invite_form"].errors
    assert Invitation.objects.count() == 1


def test_an_organisation_sends_a_limited_number_of_invitations_an_hour(admin_client, settings):
    settings.INVITATIONS_PER_HOUR = 3
    for number in range(2):
        assert invite(admin_client, email=f"p{number}@example.com").status_code == 302
    invitation = Invitation.objects.first()
    assert admin_client.post(f"/org/invitations/{invitation.pk}/resend").status_code == 302
    # The fourth in the hour, a resend counted: refused, nothing stored or sent.
    response = invite(admin_client, email="p9@example.com")
    assert response.status_code == 429
    assert "3 invitations in the last hour" in response.context["invite_form"].errors["email"][0]
    assert admin_client.post(f"/org/invitations/{invitation.pk}/resend").status_code == 429
    assert Invitation.objects.count() == 2
    # An hour later the count starts again.
    MembershipEvent.objects.update(created_at=timezone.now() - timedelta(hours=1, seconds=1))
    assert invite(admin_client, email="p9@example.com").status_code == 302
