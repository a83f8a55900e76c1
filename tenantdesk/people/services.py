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

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenantdesk.accounts.models import Organisation, OrganisationRole, User
from tenantdesk.core.errors import RateLimited
from tenantdesk.people import tokens
from tenantdesk.people.access import managed_organisation, may_accept_invitations
from tenantdesk.people.models import Invitation, MembershipEvent
from tenantdesk.people.signals import invitation_sent

Kind = MembershipEvent.Kind


def _log(organisation_id, kind, *, actor=None, subject=None, email="", **data) -> None:
    MembershipEvent.objects.create(
        organisation_id=organisation_id,
        kind=kind,
        actor=actor,
        actor_name=actor.display_name if actor else "",
        subject=subject,
        email=email or (subject.email if subject else ""),
        data=data,
    )


def _locked_organisation(admin) -> Organisation:
    # The row lock that makes two admins of one organisation take turns (last-admin rule,
    # invitation limit).
    organisation = managed_organisation(admin)
    return Organisation.objects.select_for_update().get(pk=organisation.pk)


def _announce_sent(invitation: Invitation) -> None:
    # Inside the transaction: the e-mail's job (a row) commits, or rolls back, with it.
    invitation_sent.send(sender=Invitation, invitation_id=invitation.pk, nonce=invitation.nonce)


def _check_rate(organisation: Organisation) -> None:
    since = timezone.now() - timedelta(hours=1)
    sent = MembershipEvent.objects.filter(
        organisation=organisation,
        kind__in=(Kind.INVITED, Kind.INVITATION_RESENT),
        created_at__gte=since,
    ).count()
    if sent >= settings.INVITATIONS_PER_HOUR:
        raise RateLimited(
            _("This organisation has sent %(count)d invitations in the last hour; try later.")
            % {"count": sent}
        )


def _fresh_link(invitation: Invitation) -> None:
    invitation.nonce = tokens.new_nonce()
    invitation.token_hash = tokens.token_hash(tokens.invitation_token(invitation.nonce))
    invitation.sent_at = timezone.now()
    invitation.expires_at = invitation.sent_at + timedelta(days=settings.INVITATION_VALID_DAYS)


def same_address(queryset, email: str):
    return queryset.filter(email__iexact=email.strip())


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
    _check_rate(organisation)
    invitation = Invitation(
        organisation=organisation, email=email, role=role, language=language, invited_by=actor
    )
    _fresh_link(invitation)
    invitation.save()
    _log(organisation.pk, Kind.INVITED, actor=actor, email=email, role=role)
    _announce_sent(invitation)
    return invitation


@transaction.atomic
def invitation_resend(*, actor, invitation: Invitation) -> Invitation:
    """A new link (the old one stops working) valid for the full period again."""
    organisation = _locked_organisation(actor)
    invitation = Invitation.objects.select_for_update().get(
        pk=invitation.pk, organisation=organisation
    )
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError(
            _("This invitation was already used or revoked."), code="invitation_closed"
        )
    _check_rate(organisation)
    _fresh_link(invitation)
    invitation.save(update_fields=["nonce", "token_hash", "sent_at", "expires_at"])
    _log(organisation.pk, Kind.INVITATION_RESENT, actor=actor, email=invitation.email)
    _announce_sent(invitation)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor, invitation: Invitation) -> None:
    organisation = _locked_organisation(actor)
    revoked = Invitation.objects.filter(
        pk=invitation.pk, organisation=organisation, accepted_at=None, revoked_at=None
    ).update(revoked_at=timezone.now())
    if not revoked:
        raise ValidationError(
            _("This invitation was already used or revoked."), code="invitation_closed"
        )
    _log(organisation.pk, Kind.INVITATION_REVOKED, actor=actor, email=invitation.email)


def invitation_by_token(token: str) -> Invitation | None:
    """The open invitation this link names, or None (unknown, used, revoked, expired)."""
    if not token or len(token) > 100:
        return None
    invitation = (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=tokens.token_hash(token))
        .first()
    )
    return invitation if invitation is not None and invitation.is_open else None


def account_of(invitation: Invitation) -> User | None:
    """The existing account of the invited address, if there is one (any organisation)."""
    return same_address(User.objects.all(), invitation.email).order_by("-is_active", "pk").first()


def _claim(token: str) -> Invitation:
    # Locked and checked again inside the transaction: a link works once, whoever clicks
    # twice at the same moment.
    invitation = invitation_by_token(token)
    if invitation is None:
        raise ValidationError(_("This invitation link is not valid."), code="invalid_invitation")
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise ValidationError(_("This invitation link is not valid."), code="invalid_invitation")
    return invitation


def _joined(invitation: Invitation, user: User) -> None:
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    _log(invitation.organisation_id, Kind.JOINED, actor=user, subject=user, role=invitation.role)


def _free_username(email: str) -> str:
    """The invited address is the new account's login, unless an account already has it
    as its login (then the address with a number)."""
    base = email.strip().lower()[:140]
    candidate, number = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


@transaction.atomic
def invitation_accept_new(*, token: str, name: str, password: str) -> User:
    """Accept as a newcomer: a new account (its login is the invited address), or a
    former member of the same organisation coming back (their old account, reactivated).

    An address that has an active account is refused: that person signs in and accepts
    from there (invitation_accept_signed_in)."""
    invitation = _claim(token)
    existing = account_of(invitation)
    if existing is not None and (
        existing.is_active or existing.organisation_id != invitation.organisation_id
    ):
        raise ValidationError(
            _("An account with this e-mail address exists: sign in, then open the link again."),
            code="account_exists",
        )
    user = existing or User(
        username=_free_username(invitation.email),
        email=invitation.email,
        language=invitation.language,
    )
    password_validation.validate_password(password, user)
    user.first_name, user.last_name = name, ""
    user.organisation = invitation.organisation
    user.organisation_role = invitation.role
    user.is_active = True
    user.set_password(password)
    user.save()
    _joined(invitation, user)
    return user


@transaction.atomic
def invitation_accept_signed_in(*, token: str, user) -> User:
    """Accept with the account one is signed in with (its address must be the invited one)."""
    invitation = _claim(token)
    if invitation.email.strip().lower() != (user.email or "").strip().lower():
        raise PermissionDenied(
            _("This invitation is for another e-mail address. Sign out to accept it.")
        )
    if not may_accept_invitations(user):
        raise PermissionDenied(
            _(
                "Your account already belongs to an organisation or to the management "
                "company; one account belongs to one organisation. Ask for an invitation "
                "to another address."
            )
        )
    user = User.objects.select_for_update().get(pk=user.pk)
    user.organisation = invitation.organisation
    user.organisation_role = invitation.role
    user.save(update_fields=["organisation", "organisation_role"])
    _joined(invitation, user)
    return user


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
    _log(
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
    _log(organisation.pk, Kind.REMOVED, actor=actor, subject=member)
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
    _log(organisation.pk, Kind.DETAILS_CHANGED, actor=actor, changed=sorted(changed))
    return organisation
