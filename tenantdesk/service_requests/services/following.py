"""Following a request (issue 21): who of the organisation gets its notifications.

Every member sees all the organisation's requests (service_requests.access); following
decides only whom the customer side of the notifications reaches (notifications.recipients)
and what the member's "Mine" tab lists (customer_selectors). A member follows a request
they open (services/create.py) or write in (chat.services.send), and follows or unfollows
any of the organisation's requests from its page. Managers never follow: they have
assignment.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from tenantdesk.service_requests.access import can_follow
from tenantdesk.service_requests.models import RequestFollower, ServiceRequest


def _check(user, service_request: ServiceRequest) -> None:
    if not can_follow(user, service_request):
        raise PermissionDenied(_("Only members of the request's organisation follow it."))


def service_request_follow(*, user, service_request: ServiceRequest) -> None:
    """Make `user` a follower of the request (the caller has checked that they may see
    it: service_requests.access). Following twice is one row: INSERT … ON CONFLICT DO
    NOTHING, so two clicks at once cannot fail. PermissionDenied for a manager."""
    _check(user, service_request)
    RequestFollower.objects.bulk_create(
        [RequestFollower(service_request=service_request, user=user)], ignore_conflicts=True
    )


def service_request_unfollow(*, user, service_request: ServiceRequest) -> None:
    """Stop `user` following the request; nothing happens if they did not. PermissionDenied
    for a manager (who never follows)."""
    _check(user, service_request)
    RequestFollower.objects.filter(service_request=service_request, user=user).delete()
