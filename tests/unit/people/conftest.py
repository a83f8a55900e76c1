import pytest

from tenantdesk.accounts.models import OrganisationRole
from tests.factories import CustomerFactory


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://desk.example.com"
    settings.SITE_NAME = "Tenant Desk"
    settings.INVITATION_VALID_DAYS = 7
    settings.INVITATIONS_PER_HOUR = 20


@pytest.fixture
def admin(organisation):
    return CustomerFactory(
        organisation=organisation,
        organisation_role=OrganisationRole.ADMIN,
        first_name="Olga Smirnova",
    )


@pytest.fixture
def member(organisation):
    return CustomerFactory(organisation=organisation, first_name="Pavel Orlov")


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client
