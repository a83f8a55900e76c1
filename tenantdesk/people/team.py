"""Writes for the management company's team (/company/team): inviting managers,
deactivating them, making and unmaking company admins. Only a company admin acts
(people.access.company_admin_or_403); the rows of the team are locked in a fixed order so
that two company admins acting at once take turns.

Rules (SPEC "Organisations and people"):
- the company never loses its last active company admin (superusers aside: they keep the
  admin site);
- a deactivated manager is signed out everywhere at once (the deactivation is announced,
  accounts/revocation.py) and their open requests become unassigned with a line in each
  chat (signals.manager_deactivated: service_requests listens);
- invitations into the team work like an organisation's (records.py, accepting.py) and
  count against the same hourly limit, kept for the company as a whole.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from tenantdesk.accounts.models import User
from tenantdesk.accounts.roles import MANAGER_GROUP
from tenantdesk.people.access import company_admin_or_403
from tenantdesk.people.models import Invitation, InvitationRole, MembershipEvent
from tenantdesk.people.records import (
    announce_sent,
    check_rate,
    fresh_link,
    log,
    resend,
    revoke,
    same_address,
)
from tenantdesk.people.signals import manager_deactivated

Kind = MembershipEvent.Kind


def team() -> QuerySet[User]:
    """Every manager, active or not (superusers are administrators, not listed)."""
    return User.objects.filter(groups__name=MANAGER_GROUP, is_superuser=False)


def _lock_team() -> None:
    # The team's rows in id order: the company's "organisation row" for its rules.
    list(team().select_for_update().order_by("pk").values_list("pk", flat=True))


def _other_active_admins(manager: User) -> bool:
    return team().filter(is_active=True, company_admin=True).exclude(pk=manager.pk).exists()


@transaction.atomic
def manager_invitation_create(*, actor, email: str, language: str) -> Invitation:
    company_admin_or_403(actor)
    _lock_team()
    email = email.strip()
    if same_address(team().filter(is_active=True), email).exists():
        raise ValidationError(_("This person is already a manager."), code="already_member")
    waiting = same_address(Invitation.objects.filter(organisation=None), email)
    if [i for i in waiting.filter(accepted_at=None, revoked_at=None) if i.is_open]:
        raise ValidationError(
            _("This address has an invitation waiting; send it again from the list instead."),
            code="already_invited",
        )
    check_rate(None)
    invitation = Invitation(
        organisation=None,
        email=email,
        role=InvitationRole.MANAGER,
        language=language,
        invited_by=actor,
    )
    fresh_link(invitation)
    invitation.save()
    log(None, Kind.INVITED, actor=actor, email=email, role=InvitationRole.MANAGER)
    announce_sent(invitation)
    return invitation


@transaction.atomic
def manager_invitation_resend(*, actor, invitation: Invitation) -> Invitation:
    company_admin_or_403(actor)
    return resend(actor=actor, invitation=invitation, organisation_id=None)


@transaction.atomic
def manager_invitation_revoke(*, actor, invitation: Invitation) -> None:
    company_admin_or_403(actor)
    revoke(actor=actor, invitation=invitation, organisation_id=None)


@transaction.atomic
def manager_set_company_admin(*, actor, manager: User, admin: bool) -> User:
    company_admin_or_403(actor)
    _lock_team()
    manager = team().select_for_update().get(pk=manager.pk)
    if not manager.is_active:
        raise ValidationError(_("This manager is deactivated."), code="former_member")
    if manager.company_admin == admin:
        raise ValidationError(_("The person already has this role."), code="same_role")
    if not admin and not _other_active_admins(manager):
        raise ValidationError(
            _("The company needs at least one company admin: make someone else one first."),
            code="last_admin",
        )
    User.objects.filter(pk=manager.pk).update(company_admin=admin)
    manager.company_admin = admin
    before, after = ("manager", "company_admin") if admin else ("company_admin", "manager")
    log(None, Kind.ROLE_CHANGED, actor=actor, subject=manager, **{"from": before, "to": after})
    return manager


@transaction.atomic
def manager_deactivate(*, actor, manager: User) -> User:
    """Signed out everywhere at once; their open requests unassigned (a line in each chat);
    what they wrote stays under their name."""
    company_admin_or_403(actor)
    _lock_team()
    manager = team().select_for_update().get(pk=manager.pk)
    if not manager.is_active:
        raise ValidationError(_("This manager is deactivated."), code="former_member")
    if manager.pk == actor.pk:
        raise ValidationError(
            _("You cannot deactivate yourself; another company admin can."), code="remove_self"
        )
    if manager.company_admin and not _other_active_admins(manager):
        raise ValidationError(
            _("The company needs at least one company admin: make someone else one first."),
            code="last_admin",
        )
    # update(), not save(): the queryset's update announces the deactivation.
    User.objects.filter(pk=manager.pk).update(is_active=False)
    manager.is_active = False
    log(None, Kind.DEACTIVATED, actor=actor, subject=manager)
    # Inside the transaction: the unassignments commit with the deactivation, or neither.
    manager_deactivated.send(sender=User, manager=manager, actor=actor)
    return manager
