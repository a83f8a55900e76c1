import pytest
from django.contrib.auth.models import Group

from tenantdesk.accounts.roles import MANAGER_GROUP
from tests.factories import AnnouncementFactory, BuildingFactory, LeaseFactory, PremisesFactory


@pytest.fixture(autouse=True)
def _manager_group(db):
    Group.objects.get_or_create(name=MANAGER_GROUP)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://desk.example.com"
    settings.SITE_NAME = "Tenant Desk"
    settings.DEFAULT_FROM_EMAIL = "Tenant Desk <noreply@desk.example.com>"


@pytest.fixture
def building(db):
    return BuildingFactory(name="Alpha House", time_zone="Europe/Moscow")


@pytest.fixture
def leased(building, customer):
    """The customer's organisation leases an office in `building` now."""
    return LeaseFactory(
        organisation=customer.organisation, premises=PremisesFactory(building=building)
    )


@pytest.fixture
def announcement(building, leased):
    return AnnouncementFactory(
        buildings=[building],
        title_en="Water off on Tuesday",
        title_ru="Во вторник нет воды",
        text_en="Pipes <b>replaced</b>.\nKeep taps closed.",
        text_ru="Меняем <b>трубы</b>.\nКраны закрыть.",
    )
