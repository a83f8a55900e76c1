"""Accepting an invitation (/accounts/invite/<token>): a newcomer's new account, a former
member or manager coming back, or a signed-in person joining with their account.

A link works once: the invitation's row is locked and checked again inside the
transaction, so two clicks at the same moment make one account. The person joins what the
invitation names — its organisation with its role, or the company's team as a manager —
and nothing else.
"""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenantdesk.accounts.models import OrganisationRole, User
from tenantdesk.accounts.roles import MANAGER_GROUP
from tenantdesk.people import tokens
from tenantdesk.people.access import may_accept_invitations
from tenantdesk.people.models import Invitation, InvitationRole, MembershipEvent
from tenantdesk.people.records import log, same_address

Kind = MembershipEvent.Kind


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
    """The existing account of the invited address, if there is one (active ones first)."""
    return same_address(User.objects.all(), invitation.email).order_by("-is_active", "pk").first()


def _claim(token: str) -> Invitation:
    invitation = invitation_by_token(token)
    if invitation is None:
        raise ValidationError(_("This invitation link is not valid."), code="invalid_invitation")
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise ValidationError(_("This invitation link is not valid."), code="invalid_invitation")
    return invitation


def _place(user: User, invitation: Invitation) -> None:
    """Give the user what the invitation names (saved by the caller). The link reached the
    invited address and was opened: that address is confirmed."""
    user.email_confirmed_at = timezone.now()
    if invitation.role == InvitationRole.MANAGER:
        user.organisation = None
        user.organisation_role = OrganisationRole.MEMBER
        user.is_staff = True  # managers use the admin site with the group's permissions
    else:
        user.organisation = invitation.organisation
        user.organisation_role = invitation.role


def _joined(invitation: Invitation, user: User) -> None:
    if invitation.role == InvitationRole.MANAGER:
        user.groups.add(Group.objects.get(name=MANAGER_GROUP))
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    log(invitation.organisation_id, Kind.JOINED, actor=user, subject=user, role=invitation.role)


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
    """Accept as a newcomer: a new account (its login is the invited address), or a former
    member of the same organisation (or a former manager, for the company) coming back
    with their old account, reactivated.

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
    _place(user, invitation)
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
    _place(user, invitation)
    user.save(update_fields=["organisation", "organisation_role", "is_staff", "email_confirmed_at"])
    _joined(invitation, user)
    return user
