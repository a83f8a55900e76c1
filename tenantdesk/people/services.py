"""Writes for an organisation's people: invitations, roles, removal, the organisation's
details. Each checks who acts (people.access), changes rows in one transaction and writes
the audit log line in it; e-mails go out after commit (signals.invitation_sent).

Rules that guard an organisation (SPEC "Organisations and people"):
- it never loses its last active admin (a role change or a removal that would leave none
  is refused; the organisation's row is locked so two admins acting at once take turns);
- an invitation link works once, for its own organisation, until it expires or is revoked;
- an organisation sends at most INVITATIONS_PER_HOUR invitations (first ones and resends
  alike) an hour, so the form cannot relay spam.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenantdesk.accounts.models import Organisation, OrganisationRole, User
from tenantdesk.people.access import managed_organisation
from tenantdesk.people.models import Invitation, MembershipEvent
from tenantdesk.people.records import (
    announce_sent,
    check_rate,
    fresh_link,
    log,
    resend,
    revoke,
    same_address,
)

Kind = MembershipEvent.Kind


def _locked_organisation(admin) -> Organisation:
    # The row lock that makes two admins of one organisation take turns (last-admin rule,
    # invitation limit).
    organisation = managed_organisation(admin)
    return Organisation.objects.select_for_update().get(pk=organisation.pk)


@transaction.atomic
def invitation_create(*, actor, email: str, role: str, language: str) -> Invitation:
    """Invite an address into the actor's organisation; its e-mail goes out after commit."""
    organisation = _locked_organisation(actor)
    email = email.strip()
    if same_address(User.objects.filter(organisation=organisation, is_active=True), email):
        raise ValidationError(_("This person is already a member."), code="already_member")
    if same_address(Invitation.objects.filter(organisation=organisation), email).filter(
        accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    ):
        raise ValidationError(
            _("This address has an invitation waiting; send it again from the list instead."),
            code="already_invited",
        )
    check_rate(organisation.pk)
    invitation = Invitation(
        organisation=organisation, email=email, role=role, language=language, invited_by=actor
    )
    fresh_link(invitation)
    invitation.save()
    log(organisation.pk, Kind.INVITED, actor=actor, email=email, role=role)
    announce_sent(invitation)
    return invitation


@transaction.atomic
def invitation_resend(*, actor, invitation: Invitation) -> Invitation:
    """A new link (the old one stops working) valid for the full period again."""
    organisation = _locked_organisation(actor)
    return resend(actor=actor, invitation=invitation, organisation_id=organisation.pk)


@transaction.atomic
def invitation_revoke(*, actor, invitation: Invitation) -> None:
    organisation = _locked_organisation(actor)
    revoke(actor=actor, invitation=invitation, organisation_id=organisation.pk)


def _active_admins(organisation: Organisation):
    return User.objects.filter(
        organisation=organisation, organisation_role=OrganisationRole.ADMIN, is_active=True
    )


@transaction.atomic
def member_set_role(*, actor, member: User, role: str) -> User:
    organisation = _locked_organisation(actor)
    member = User.objects.select_for_update().get(pk=member.pk, organisation=organisation)
    if not member.is_active:
        raise ValidationError(_("This person is no longer a member."), code="former_member")
    if member.organisation_role == role:
        raise ValidationError(_("The person already has this role."), code="same_role")
    if (
        role != OrganisationRole.ADMIN
        and not _active_admins(organisation).exclude(pk=member.pk).exists()
    ):
        raise ValidationError(
            _("An organisation needs at least one admin: make someone else admin first."),
            code="last_admin",
        )
    before = member.organisation_role
    member.organisation_role = role
    member.save(update_fields=["organisation_role"])
    log(
        organisation.pk,
        Kind.ROLE_CHANGED,
        actor=actor,
        subject=member,
        **{"from": before, "to": role},
    )
    return member


@transaction.atomic
def member_remove(*, actor, member: User) -> User:
    """The person loses access at once on every path: the account is deactivated (its
    sessions stop holding, its sockets are closed: accounts/revocation.py, its e-mail
    reply tokens and push subscriptions are refused for an inactive account). What they
    wrote stays, under their name."""
    organisation = _locked_organisation(actor)
    member = User.objects.select_for_update().get(pk=member.pk, organisation=organisation)
    if not member.is_active:
        raise ValidationError(_("This person is no longer a member."), code="former_member")
    if member.pk == actor.pk:
        raise ValidationError(
            _("You cannot remove yourself; another admin can."), code="remove_self"
        )
    # update(), not save(): the queryset's update announces the deactivation.
    User.objects.filter(pk=member.pk).update(is_active=False)
    member.is_active = False
    log(organisation.pk, Kind.REMOVED, actor=actor, subject=member)
    return member


@transaction.atomic
def organisation_update(*, actor, name: str, address: str, phone) -> Organisation:
    organisation = _locked_organisation(actor)
    changed = {
        field: str(value)
        for field, value in (("name", name), ("address", address), ("phone", phone))
        if str(getattr(organisation, field)) != str(value)
    }
    if not changed:
        return organisation
    organisation.name, organisation.address, organisation.phone = name, address, phone
    organisation.save(update_fields=["name", "address", "phone", "updated_at"])
    log(organisation.pk, Kind.DETAILS_CHANGED, actor=actor, changed=sorted(changed))
    return organisation
