"""The one place that decides who may manage an organisation's people and details.

An organisation admin manages their own organisation only: every member, invitation and
log line is looked up inside it, so another organisation's ids answer 404 ("not found"
and "not yours" look the same, as for requests). Anyone else signed in who asks for these
pages is refused with 403 (the pages are no secret; what is on them is).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from tenantdesk.accounts.models import Organisation, User
from tenantdesk.accounts.roles import (
    MANAGER_GROUP,
    is_company_admin,
    is_customer,
    is_manager,
    is_organisation_admin,
)
from tenantdesk.people.models import Invitation, MembershipEvent


def managed_organisation(user) -> Organisation:
    """The organisation this person administers; PermissionDenied for anyone else."""
    if not is_organisation_admin(user):
        raise PermissionDenied
    return user.organisation


def members_of(organisation: Organisation) -> QuerySet[User]:
    """The organisation's people, former members (deactivated) included."""
    return User.objects.filter(organisation=organisation).exclude(
        pk__in=User.objects.filter(is_superuser=True).values("pk")
    )


def access_member(admin, member_id) -> User:
    """A person of the admin's organisation (404 for anyone else's, or nobody's)."""
    organisation = managed_organisation(admin)
    try:
        return members_of(organisation).get(pk=int(member_id))
    except (TypeError, ValueError, User.DoesNotExist):
        raise Http404 from None


def access_invitation(admin, invitation_id) -> Invitation:
    """An invitation into the admin's organisation (404 for another's or the company's)."""
    organisation = managed_organisation(admin)
    try:
        return Invitation.objects.get(pk=int(invitation_id), organisation=organisation)
    except (TypeError, ValueError, Invitation.DoesNotExist):
        raise Http404 from None


def membership_log_visible_to(user) -> QuerySet[MembershipEvent]:
    """An organisation admin reads their organisation's log; a company admin every one
    (the company's team included); nobody else any."""
    if is_company_admin(user):
        return MembershipEvent.objects.all()
    if is_organisation_admin(user):
        return MembershipEvent.objects.filter(organisation_id=user.organisation_id)
    return MembershipEvent.objects.none()


def may_accept_invitations(user) -> bool:
    """A signed-in person who could join an organisation: nobody's member, not a manager."""
    return not is_manager(user) and not is_customer(user)


def company_admin_or_403(user) -> None:
    """The company's team is managed by company admins only (PermissionDenied else)."""
    if not is_company_admin(user):
        raise PermissionDenied


def access_team_member(admin, manager_id) -> User:
    """A manager of the team, for a company admin (404 for anyone else, or nobody)."""
    company_admin_or_403(admin)
    try:
        return User.objects.filter(groups__name=MANAGER_GROUP, is_superuser=False).get(
            pk=int(manager_id)
        )
    except (TypeError, ValueError, User.DoesNotExist):
        raise Http404 from None


def access_team_invitation(admin, invitation_id) -> Invitation:
    company_admin_or_403(admin)
    try:
        return Invitation.objects.get(pk=int(invitation_id), organisation=None)
    except (TypeError, ValueError, Invitation.DoesNotExist):
        raise Http404 from None
