"""chat.unread's hand-written statements count what the ORM's with_unread() counts: the
same rows, clamped at zero, for both sides, on SQLite and PostgreSQL."""

import pytest
from django.db.models import Sum

from tenantdesk.chat.models import ReadCursor
from tenantdesk.chat.services.read_state import messages_mark_read
from tenantdesk.chat.services.send import message_send
from tenantdesk.chat.unread import unread_counts, unread_total, with_unread
from tenantdesk.service_requests.access import service_requests_visible_to
from tenantdesk.service_requests.models import ServiceRequest
from tests.factories import CustomerFactory
from tests.unit.chat.helpers import make_service_request

pytestmark = pytest.mark.django_db


def _orm_counts(user, ids):
    rows = with_unread(ServiceRequest.objects.filter(pk__in=ids), user=user)
    return dict(rows.filter(unread__gt=0).values_list("pk", "unread"))


def _orm_total(user):
    visible = service_requests_visible_to(user).filter(status__in=ServiceRequest.ACTIVE_STATUSES)
    return with_unread(visible.order_by(), user=user).aggregate(t=Sum("unread"))["t"] or 0


def test_the_statements_agree_with_the_orm_for_both_sides(customer, manager):
    other_organisation = CustomerFactory()
    requests = [make_service_request(customer) for _ in range(4)]
    elsewhere = make_service_request(other_organisation)
    for i, service_request in enumerate(requests):
        for n in range(i + 1):
            message_send(author=customer, service_request=service_request, text=f"c{n}")
        message_send(author=manager, service_request=service_request, text="m")
    message_send(author=other_organisation, service_request=elsewhere, text="elsewhere")
    # One read partly, one read whole, and one cursor counting more than the request
    # (a message deleted by hand): never below zero.
    messages_mark_read(
        reader=manager, service_request=requests[1], up_to_id=requests[1].messages.first().pk
    )
    messages_mark_read(reader=manager, service_request=requests[2], up_to_id=10**12)
    messages_mark_read(reader=customer, service_request=requests[3], up_to_id=10**12)
    ReadCursor.objects.filter(user=manager, service_request=requests[0]).delete()
    ReadCursor.objects.create(
        user=manager, service_request=requests[0], last_read_id=10**12, read_from_customers=99
    )
    ids = [sr.pk for sr in [*requests, elsewhere]]

    for user in (manager, customer, other_organisation):
        assert unread_counts(user=user, service_request_ids=ids) == _orm_counts(user, ids)
        assert unread_total(user=user) == _orm_total(user)
    assert unread_counts(user=manager, service_request_ids=ids)  # not all zero
    assert unread_total(user=customer) == 4 - 1  # one each, less the one read
