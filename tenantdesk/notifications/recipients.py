"""Who gets which e-mail (selectors).

Customer side: the request's followers (service_requests.models.RequestFollower) who are
still active members of its organisation (managers excepted): a member who was removed
(deactivated, or moved to another organisation) is never told, whatever rows are left.
Manager side: the request's assignee when they can be told; else, for a request located
in a building that has managers (places.Building.managers, issue 22), those of them who can
be told; else every active manager, narrowed to NOTIFY_MANAGER_EMAILS when it is set (the
same rule for new-request e-mails, digests, status e-mails and Web Push).
An announcement goes to the members of the organisations leasing now in one of its
buildings (announcements.selectors.audience).
People without an e-mail address, and people who turned that kind off on
/accounts/notifications, are left out. Each function is one query (the manager side
asks one EXISTS first for the assignee, and one for the building's managers, when the
request has them); the customer side's is a join of the request's followers (their unique
index) with the users.

Whether a person may see the request is decided by service_requests.access, and asked again
just before each e-mail is sent (delivery.py): this module only picks whom to tell.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db.models import Q, QuerySet

from tenantdesk.accounts.models import User
from tenantdesk.accounts.roles import MANAGER_GROUP
from tenantdesk.announcements.selectors import audience
from tenantdesk.notifications.models import Side
from tenantdesk.service_requests.models import ServiceRequest

# The EmailPreferences field that turns each kind of e-mail off.
MISSED_MESSAGES = "missed_messages"
STATUS_CHANGES = "status_changes"
NEW_REQUESTS = "new_requests"
ANNOUNCEMENTS = "announcements"
PREFERENCE_KINDS = (MISSED_MESSAGES, STATUS_CHANGES, NEW_REQUESTS, ANNOUNCEMENTS)

_MANAGERS = Q(is_superuser=True) | Q(groups__name=MANAGER_GROUP)


def _reachable(queryset: QuerySet[User], preference: str) -> QuerySet[User]:
    # A person without a preferences row gets every kind (the model's defaults): exclude
    # only those who said no. An address not confirmed yet gets nothing but its link.
    return (
        queryset.filter(is_active=True, email_confirmed_at__isnull=False)
        .exclude(email="")
        .exclude(**{f"email_preferences__{preference}": False})
    )


def followers(service_request: ServiceRequest) -> QuerySet[User]:
    """The request's followers who are still members of its organisation (not managers).
    Active or not: the caller narrows (_reachable, or is_active for a push)."""
    return User.objects.filter(
        followed_requests__service_request_id=service_request.pk,
        organisation_id=service_request.organisation_id,
    ).exclude(pk__in=User.objects.filter(_MANAGERS).values("pk"))


def customer_recipients(service_request: ServiceRequest, *, preference: str) -> QuerySet[User]:
    """The request's followers, still active members of its organisation, who want this
    kind of e-mail about it."""
    return _reachable(followers(service_request), preference).order_by("pk")


def customer_push_recipients(service_request: ServiceRequest) -> QuerySet[User]:
    """The people of the customer side a Web Push about this request may go to: its
    followers who are active members of its organisation (the browser's subscription is
    the opt-in; no address or e-mail preference is needed)."""
    return followers(service_request).filter(is_active=True)


def _managers() -> QuerySet[User]:
    return User.objects.filter(pk__in=User.objects.filter(_MANAGERS).values("pk"))


def _building_managers(service_request: ServiceRequest) -> QuerySet[User]:
    """The managers of the building the request is located in (still managers)."""
    return _managers().filter(managed_buildings__premises__id=service_request.location_id)


def _manager_side(
    service_request: ServiceRequest, can_be_told: Callable[[QuerySet[User]], QuerySet[User]]
) -> QuerySet[User]:
    # The assignee alone when they can be told (active, still a manager, and whatever the
    # channel needs); else the managers of the request's building who can be told; else
    # the team, so that nothing about the request is lost because its assignee left, its
    # building has nobody or they all turned the kind off. NOTIFY_MANAGER_EMAILS narrows
    # the team only: an assignee hears about their own requests, and a building's
    # managers about their building's, whatever the list says. Three queries at most
    # (two EXISTS, then the caller's).
    if service_request.assignee_id:
        assignee = can_be_told(_managers().filter(pk=service_request.assignee_id))
        if assignee.exists():
            return assignee
    if service_request.location_id:
        building = can_be_told(_building_managers(service_request)).order_by("pk")
        if building.exists():
            return building
    team = _managers()
    if settings.NOTIFY_MANAGER_EMAILS:
        wanted = Q()
        for address in settings.NOTIFY_MANAGER_EMAILS:
            wanted |= Q(email__iexact=address.strip())
        team = team.filter(wanted)
    return can_be_told(team).order_by("pk")


def manager_recipients(service_request: ServiceRequest, *, preference: str) -> QuerySet[User]:
    """The managers to e-mail about this request: its assignee when there is one who is
    active, a manager, has an address and wants this kind; else the managers of its
    building who can be e-mailed this kind; else every manager (those of
    NOTIFY_MANAGER_EMAILS when it is set) who can be. A request without an assignee (a
    new one) goes to its building's managers, or to the whole team."""
    return _manager_side(service_request, lambda people: _reachable(people, preference))


def manager_push_recipients(service_request: ServiceRequest) -> QuerySet[User]:
    """The managers a Web Push about this request may go to: the same rule as the
    e-mails (assignee, building's managers, team), where being active is all a person
    needs (a push needs no address; the browser's subscription is the opt-in)."""
    return _manager_side(service_request, lambda people: people.filter(is_active=True))


def side_recipients(
    service_request: ServiceRequest, *, side: str, preference: str
) -> QuerySet[User]:
    if side == Side.MANAGER:
        return manager_recipients(service_request, preference=preference)
    return customer_recipients(service_request, preference=preference)


def announcement_recipients(announcement_id: int) -> QuerySet[User]:
    """The members of the organisations leasing now in one of the announcement's buildings
    who can be e-mailed and want announcements (one query)."""
    return _reachable(audience(announcement_id), ANNOUNCEMENTS).order_by("pk")
