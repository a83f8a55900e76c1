"""Who gets which e-mail (selectors).

Customer side: every active member of the request's organisation (managers excepted).
Manager side: every active manager, narrowed to NOTIFY_MANAGER_EMAILS when it is set.
People without an e-mail address, and people who turned that kind off on
/accounts/notifications, are left out. Each function is one query.

Whether a person may see the request is decided by core.permissions, and asked again
just before each e-mail is sent (delivery.py): this module only picks whom to tell.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q, QuerySet

from tenantdesk.accounts.models import User
from tenantdesk.core.permissions import MANAGER_GROUP
from tenantdesk.notifications.models import Side
from tenantdesk.service_requests.models import ServiceRequest

# The EmailPreferences field that turns each kind of e-mail off.
MISSED_MESSAGES = "missed_messages"
STATUS_CHANGES = "status_changes"
NEW_REQUESTS = "new_requests"
PREFERENCE_KINDS = (MISSED_MESSAGES, STATUS_CHANGES, NEW_REQUESTS)

_MANAGERS = Q(is_superuser=True) | Q(groups__name=MANAGER_GROUP)


def _reachable(queryset: QuerySet[User], preference: str) -> QuerySet[User]:
    # A person without a preferences row gets every kind (the model's defaults): exclude
    # only those who said no.
    return (
        queryset.filter(is_active=True)
        .exclude(email="")
        .exclude(**{f"email_preferences__{preference}": False})
    )


def customer_recipients(service_request: ServiceRequest, *, preference: str) -> QuerySet[User]:
    """The organisation's members who want this kind of e-mail about the request."""
    members = User.objects.filter(organisation_id=service_request.organisation_id)
    members = members.exclude(pk__in=User.objects.filter(_MANAGERS).values("pk"))
    return _reachable(members, preference).order_by("pk")


def manager_recipients(service_request: ServiceRequest, *, preference: str) -> QuerySet[User]:
    """The managers to tell about this request.

    Issue 12 brings the request's assignee: when there is one, this is the place to return
    just them (filter `pk=service_request.assignee_id`) instead of every manager.
    """
    managers = User.objects.filter(pk__in=User.objects.filter(_MANAGERS).values("pk"))
    if settings.NOTIFY_MANAGER_EMAILS:
        wanted = Q()
        for address in settings.NOTIFY_MANAGER_EMAILS:
            wanted |= Q(email__iexact=address.strip())
        managers = managers.filter(wanted)
    return _reachable(managers, preference).order_by("pk")


def side_recipients(
    service_request: ServiceRequest, *, side: str, preference: str
) -> QuerySet[User]:
    if side == Side.MANAGER:
        return manager_recipients(service_request, preference=preference)
    return customer_recipients(service_request, preference=preference)
