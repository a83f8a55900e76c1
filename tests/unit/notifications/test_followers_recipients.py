"""Who is told on the customer side (notifications.recipients, issue 21): the request's
followers who are still active members of its organisation — never the whole organisation,
never a removed member, another organisation's person or a manager; one query."""

import pytest

from tenantdesk.accounts.models import User
from tenantdesk.notifications.models import Side
from tenantdesk.notifications.recipients import (
    MISSED_MESSAGES,
    STATUS_CHANGES,
    customer_push_recipients,
    customer_recipients,
    side_recipients,
)
from tenantdesk.service_requests.models import RequestFollower
from tests.factories import CustomerFactory, ManagerFactory
from tests.unit.chat.helpers import follow

pytestmark = pytest.mark.django_db


def test_only_followers_are_told_not_the_whole_organisation(customer, service_request):
    follower = CustomerFactory(organisation=customer.organisation)
    CustomerFactory(organisation=customer.organisation)  # sees it, does not follow it
    follow(follower, service_request)
    told = side_recipients(service_request, side=Side.CUSTOMER, preference=MISSED_MESSAGES)
    assert list(told) == [customer, follower]  # the author follows from creation
    assert list(customer_push_recipients(service_request)) == [customer, follower]


def test_a_removed_member_another_organisations_person_and_a_manager_are_never_told(
    customer, service_request, other_customer
):
    leaver = CustomerFactory(organisation=customer.organisation)
    mover = CustomerFactory(organisation=customer.organisation)
    for person in (leaver, mover):
        follow(person, service_request)
    # Rows that could only come from a bug or from before a move: they must not count.
    manager = ManagerFactory(organisation=customer.organisation)
    RequestFollower.objects.create(service_request=service_request, user=other_customer)
    RequestFollower.objects.create(service_request=service_request, user=manager)
    User.objects.filter(pk=leaver.pk).update(is_active=False)
    User.objects.filter(pk=mover.pk).update(organisation=other_customer.organisation)
    for preference in (MISSED_MESSAGES, STATUS_CHANGES):
        assert list(customer_recipients(service_request, preference=preference)) == [customer]
    assert list(customer_push_recipients(service_request)) == [customer]


def test_nobody_follows_a_request_whose_followers_all_left(customer, service_request):
    RequestFollower.objects.filter(service_request=service_request).delete()
    assert list(customer_recipients(service_request, preference=MISSED_MESSAGES)) == []


def test_each_recipients_function_is_one_query(
    customer, service_request, django_assert_num_queries
):
    for _ in range(5):
        follow(CustomerFactory(organisation=customer.organisation), service_request)
    with django_assert_num_queries(1):
        assert len(customer_recipients(service_request, preference=MISSED_MESSAGES)) == 6
    with django_assert_num_queries(1):
        assert len(list(customer_push_recipients(service_request))) == 6
