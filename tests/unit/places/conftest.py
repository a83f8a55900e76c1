import pytest
from django.contrib.auth.models import Group
from django.test import Client

from tenantdesk.accounts.models import OrganisationRole
from tenantdesk.accounts.roles import MANAGER_GROUP
from tests.factories import CustomerFactory, ManagerFactory


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://desk.example.com"


@pytest.fixture
def boss(db):
    Group.objects.get_or_create(name=MANAGER_GROUP)
    return ManagerFactory(company_admin=True, first_name="Irina", last_name="Belova")


@pytest.fixture
def anna(db):
    return ManagerFactory(first_name="Anna", last_name="Ivanova")


@pytest.fixture
def customer(db):
    return CustomerFactory(organisation_role=OrganisationRole.ADMIN)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def boss_client(boss):
    return signed_in(boss)


@pytest.fixture
def anna_client(anna):
    return signed_in(anna)


@pytest.fixture
def customer_client(customer):
    return signed_in(customer)
