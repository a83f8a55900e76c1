import pytest
from django.contrib.auth.models import Group

from tenantdesk.accounts.roles import MANAGER_GROUP
from tests.unit.chat.helpers import make_service_request


@pytest.fixture(autouse=True)
def _manager_group(db):
    Group.objects.get_or_create(name=MANAGER_GROUP)


@pytest.fixture(autouse=True)
def _timing(settings):
    settings.NOTIFY_DELAY_SECONDS = 300
    settings.NOTIFY_MIN_INTERVAL_SECONDS = 1800
    settings.NOTIFY_MANAGER_EMAILS = []
    settings.REPLY_DOMAIN = ""
    settings.SITE_URL = "https://desk.example.com"
    settings.SITE_NAME = "Tenant Desk"
    settings.DEFAULT_FROM_EMAIL = "Tenant Desk <noreply@desk.example.com>"


@pytest.fixture
def service_request(customer):
    return make_service_request(customer)
