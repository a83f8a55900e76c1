"""access_service_request without a queryset reads the request by its key and checks it
with _visible(): the same answer as service_requests_visible_to's queryset for every kind
of person (manager, member, another organisation's member, a member without organisation,
a deactivated member, a signed-out visitor) and every request, missing ones and keys out of
range included; the object returned is the ORM's, field for field."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.forms.models import model_to_dict
from django.http import Http404

from tenantdesk.service_requests.access import (
    access_service_request,
    service_requests_visible_to,
)
from tenantdesk.service_requests.models import ServiceRequest
from tests.factories import CustomerFactory, ManagerFactory
from tests.unit.service_requests.helpers import create_request

pytestmark = pytest.mark.django_db


def test_the_key_read_agrees_with_the_queryset(customer):
    other = CustomerFactory()
    inactive = CustomerFactory(organisation=customer.organisation, is_active=False)
    homeless = CustomerFactory(organisation=None)
    people = [ManagerFactory(), customer, other, inactive, homeless, AnonymousUser()]
    requests = [create_request(customer), create_request(other)]
    keys = [sr.pk for sr in requests] + [10**9, 2**63, -1, "12x", None]

    for person in people:
        for key in keys:
            try:
                expected = service_requests_visible_to(person).get(pk=int(key))
            except (ServiceRequest.DoesNotExist, TypeError, ValueError, OverflowError):
                expected = None
            try:
                found = access_service_request(person, key)
            except Http404:
                found = None
            if expected is None:
                assert found is None, (person, key)
            else:
                assert found is not None, (person, key)
                assert model_to_dict(found) == model_to_dict(expected)
                assert found.created_at == expected.created_at
                assert found.last_activity_at == expected.last_activity_at
