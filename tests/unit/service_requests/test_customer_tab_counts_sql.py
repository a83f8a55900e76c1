"""customer_selectors' tab counts are one hand-written statement over the requests the
member sees: the same groups (per building, and none for requests without a place), the
same counts of each tab in each scope and the same "alone" answer as the ORM's query it
replaced (written out here), for members of one organisation with own, followed and
others' requests, in buildings and without a place, active and closed."""

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, Max, Q, Subquery, Value

from tenantdesk.service_requests import customer_selectors as cs
from tenantdesk.service_requests.access import service_requests_visible_to
from tenantdesk.service_requests.models import RequestFollower, ServiceRequest
from tests.factories import BuildingFactory, CustomerFactory, PremisesFactory
from tests.unit.chat.helpers import make_service_request

pytestmark = pytest.mark.django_db

_ACTIVE = Q(status__in=ServiceRequest.ACTIVE_STATUSES)
_CLOSED = Q(status=ServiceRequest.Status.CLOSED)


def _orm_groups(user):
    others = (
        get_user_model()
        .objects.filter(organisation_id=user.organisation_id, is_active=True)
        .exclude(pk=user.pk)
        .values(one=Value(1))[:1]
    )
    mine = cs.mine_q(user)
    return list(
        service_requests_visible_to(user)
        .order_by()
        .values("location__building_id", "location__building__name")
        .annotate(
            active=Count("pk", filter=_ACTIVE),
            closed=Count("pk", filter=_CLOSED),
            mine_active=Count("pk", filter=_ACTIVE & mine),
            mine_closed=Count("pk", filter=_CLOSED & mine),
            others=Max(Subquery(others, output_field=IntegerField())),
        )
    )


def _key(groups):
    return sorted(
        ({**g, "others": bool(g["others"])} for g in groups),
        key=lambda g: g["location__building_id"] or 0,
    )


def test_the_statement_counts_what_the_orm_counted(customer):
    colleague = CustomerFactory(organisation=customer.organisation)
    stranger = CustomerFactory()
    one, two = BuildingFactory(name="Riverside"), BuildingFactory(name="Oak")
    here, there = PremisesFactory(building=one), PremisesFactory(building=two)
    made = [
        make_service_request(customer, location=here),
        make_service_request(customer, location=there, status=ServiceRequest.Status.CLOSED),
        make_service_request(colleague, location=here),
        make_service_request(colleague, location=here, status=ServiceRequest.Status.CLOSED),
        make_service_request(colleague),  # no place
        make_service_request(colleague, status=ServiceRequest.Status.IN_PROGRESS),
        make_service_request(stranger, location=here),
    ]
    RequestFollower.objects.create(service_request=made[2], user=customer)

    for person in (customer, colleague, stranger):
        assert _key(cs._tab_groups(person)) == _key(_orm_groups(person))
    counts = cs.customer_tab_counts(user=customer)
    assert counts["totals"]["mine"] == {"active": 2, "closed": 1}
    assert counts["totals"]["organisation"] == {"active": 4, "closed": 2}
    assert counts["alone"] is False
    assert [name for _pk, name in counts["buildings"]] == ["Oak", "Riverside"]


def test_a_member_alone_and_one_without_requests(customer):
    assert cs._tab_groups(customer) == _orm_groups(customer) == []
    assert cs.customer_tab_counts(user=customer)["alone"] is True
    make_service_request(customer)
    assert _key(cs._tab_groups(customer)) == _key(_orm_groups(customer))
    assert cs.customer_tab_counts(user=customer)["alone"] is True
    CustomerFactory(organisation=customer.organisation, is_active=False)
    assert cs.customer_tab_counts(user=customer)["alone"] is True
    CustomerFactory(organisation=customer.organisation)
    assert cs.customer_tab_counts(user=customer)["alone"] is False
