"""tests/emptying.py: after a transactional test on PostgreSQL every table the tests write
is empty, in one transaction whatever the order of the foreign keys, and the reference data
(content types, permissions) is kept."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import testcases

from tests.emptying import KEPT
from tests.factories import CustomerFactory, LeaseFactory, ManagerFactory
from tests.integration.stack import postgres_url


@pytest.fixture
def on_postgresql():
    postgres_url()  # skips (fails under TENANTDESK_REQUIRE) without PostgreSQL
    if connection.vendor != "postgresql":
        pytest.skip("the test database is not PostgreSQL")


def _rows_left():
    return {
        model._meta.db_table: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.db_table not in KEPT and model._meta.managed
    }


@pytest.mark.django_db(transaction=True)
def test_the_teardown_empties_every_table_and_keeps_the_reference_data(on_postgresql):
    from tenantdesk.chat.models import Message
    from tests.unit.chat.helpers import make_service_request

    customer = CustomerFactory()
    ManagerFactory()
    LeaseFactory(organisation=customer.organisation)
    request = make_service_request(customer, title="Leak")
    Message.objects.create(service_request=request, author=customer, text="hello")
    kinds, permissions = ContentType.objects.count(), Permission.objects.count()
    assert sum(_rows_left().values()) > 5

    # What pytest-django calls after a transactional test (patched by tests/conftest.py).
    testcases.TransactionTestCase("__init__")._fixture_teardown()

    assert {table: n for table, n in _rows_left().items() if n} == {}
    assert (ContentType.objects.count(), Permission.objects.count()) == (kinds, permissions)
