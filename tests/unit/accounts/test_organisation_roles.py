"""An organisation's people have roles; the first of each organisation became its admin."""

import importlib

import pytest
from django.apps import apps

from tenantdesk.accounts.models import OrganisationRole, User
from tenantdesk.accounts.roles import is_organisation_admin
from tests.factories import CustomerFactory, ManagerFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("tenantdesk.accounts.migrations.0006_organisation_role")


def test_the_migration_makes_each_organisations_first_member_its_admin():
    rainbow, sunrise, empty = OrganisationFactory.create_batch(3)
    first = CustomerFactory(organisation=rainbow)
    second = CustomerFactory(organisation=rainbow)
    only = CustomerFactory(organisation=sunrise)
    manager = ManagerFactory()
    assert empty.members.count() == 0

    migration.first_member_is_admin(apps, None)

    roles = dict(User.objects.values_list("pk", "organisation_role"))
    assert roles == {
        first.pk: OrganisationRole.ADMIN,
        second.pk: OrganisationRole.MEMBER,
        only.pk: OrganisationRole.ADMIN,
        manager.pk: OrganisationRole.MEMBER,  # no organisation: the role means nothing
    }


def test_only_an_active_customer_with_the_role_is_an_organisation_admin():
    admin = CustomerFactory(organisation_role=OrganisationRole.ADMIN)
    assert is_organisation_admin(admin)
    assert not is_organisation_admin(CustomerFactory())
    # A manager is never an organisation admin, whatever the column says.
    assert not is_organisation_admin(ManagerFactory(organisation_role=OrganisationRole.ADMIN))
    admin.is_active = False
    assert not is_organisation_admin(admin)
