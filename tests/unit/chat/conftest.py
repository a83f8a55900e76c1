import pytest

from tests.unit.chat.helpers import make_service_request


@pytest.fixture
def service_request(customer):
    return make_service_request(customer)


@pytest.fixture
def foreign_request(other_customer):
    """A request of another organisation: invisible to `customer`."""
    return make_service_request(other_customer)


@pytest.fixture(autouse=True)
def _manager_group(db):
    # Transactional tests flush the tables, including the group a data migration created.
    from django.contrib.auth.models import Group

    from tenantdesk.accounts.roles import MANAGER_GROUP

    Group.objects.get_or_create(name=MANAGER_GROUP)
