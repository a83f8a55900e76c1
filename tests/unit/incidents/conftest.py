"""A building with two tenant organisations, an incident of it, and requests placed there."""

import pytest
from django.contrib.auth.models import Group

from tenantdesk.accounts.roles import MANAGER_GROUP
from tenantdesk.places.models import Premises
from tenantdesk.service_requests.models import ServiceRequest
from tests.factories import (
    BuildingFactory,
    CustomerFactory,
    IncidentFactory,
    LeaseFactory,
    PremisesFactory,
)
from tests.unit.chat.helpers import make_service_request


@pytest.fixture(autouse=True)
def _manager_group(db):
    Group.objects.get_or_create(name=MANAGER_GROUP)


@pytest.fixture
def tower(db):
    return BuildingFactory(name="North Tower")


@pytest.fixture
def lift(tower):
    return PremisesFactory(building=tower, unit="Lift 2", kind=Premises.Kind.COMMON_AREA)


@pytest.fixture
def office(tower, customer):
    premises = PremisesFactory(building=tower, unit="204")
    LeaseFactory(organisation=customer.organisation, premises=premises)
    return premises


@pytest.fixture
def neighbour(tower):
    """A member of a second organisation leasing in the same building."""
    member = CustomerFactory()
    LeaseFactory(organisation=member.organisation, premises=PremisesFactory(building=tower))
    return member


@pytest.fixture
def incident(tower, manager, office):
    return IncidentFactory(
        title="Lift out of order",
        building=tower,
        type=ServiceRequest.Type.ELECTRICAL,
        created_by=manager,
    )


@pytest.fixture
def placed_request(customer, office, lift):
    """The customer's active request about the lift of the incident's building."""
    return make_service_request(customer, location=lift, type=ServiceRequest.Type.ELECTRICAL)


@pytest.fixture
def neighbour_request(neighbour, lift):
    return make_service_request(neighbour, location=lift, type=ServiceRequest.Type.ELECTRICAL)
