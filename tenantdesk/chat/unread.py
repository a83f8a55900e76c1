"""Unread state: which messages of the other side a person has not read yet.

A person's read position per request is a ReadCursor; a message is unread for them when it
is a person's message (not a system one) of the other side (a manager's for a customer, a
customer's for a manager) with an id above their cursor. Each function here is one query,
whatever the number of requests, so lists and the navigation badge stay at a constant
number of queries.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from tenantdesk.chat.models import Message, ReadCursor
from tenantdesk.core.permissions import is_manager, service_requests_visible_to
from tenantdesk.service_requests.models import ServiceRequest


def other_side_messages(user) -> Q:
    """The messages that can be unread for this person (on Message). An internal note is
    never unread: customers never see one, and for managers it is their own side's."""
    return Q(kind=Message.Kind.USER, by_manager=not is_manager(user), internal=False)


def _unread_messages(user):
    cursor = ReadCursor.objects.filter(
        user=user, service_request=OuterRef("service_request")
    ).values("last_read_id")[:1]
    return (
        Message.objects.filter(other_side_messages(user))
        .annotate(read_up_to=Coalesce(Subquery(cursor), Value(0)))
        .filter(pk__gt=F("read_up_to"))
    )


def unread_counts(*, user, service_request_ids: Iterable[int]) -> dict[int, int]:
    """{request id: unread messages} for these requests (absent: none unread). The caller
    has already limited the ids to requests the person may see."""
    ids = list(service_request_ids)
    if not ids:
        return {}
    rows = (
        _unread_messages(user)
        .filter(service_request_id__in=ids)
        .values("service_request_id")
        .annotate(unread=Count("pk"))
        .values_list("service_request_id", "unread")
    )
    return dict(rows)


def unread_total(*, user) -> int:
    """Unread messages in all the person's active requests (the navigation badge)."""
    if not user.is_authenticated:
        return 0
    visible = service_requests_visible_to(user).filter(status__in=ServiceRequest.ACTIVE_STATUSES)
    return _unread_messages(user).filter(service_request__in=visible).count()
