"""A confirmed address belongs to one account: the database decides a race of two."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tenantdesk.accounts import services
from tenantdesk.accounts.email_change import email_change_token
from tenantdesk.accounts.models import User
from tests.factories import CustomerFactory


@pytest.mark.django_db
def test_two_accounts_cannot_both_hold_an_address_confirmed_whatever_its_case():
    CustomerFactory(email="anna@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerFactory(email="Anna@Example.com")
    # Unconfirmed, an address may repeat (registering does not say whether it is in use).
    CustomerFactory(email="anna@example.com", email_confirmed_at=None)
    CustomerFactory(email="", email_confirmed_at=timezone.now())
    CustomerFactory(email="", email_confirmed_at=timezone.now())


@pytest.mark.django_db
def test_a_confirmation_that_loses_the_race_is_refused_with_the_reason(monkeypatch):
    first = CustomerFactory(email="first@example.com")
    second = CustomerFactory(email="second@example.com")
    token = email_change_token(user=second, new_email="shared@example.com")
    # The second's check ran before the first's confirmation was committed:
    monkeypatch.setattr(services, "email_taken", lambda **kwargs: False)
    User.objects.filter(pk=first.pk).update(email="shared@example.com")
    with pytest.raises(ValidationError) as refused:
        services.user_email_change_confirm(user=second, token=token)
    assert refused.value.code == "email_taken"
    second.refresh_from_db()
    assert second.email == "second@example.com"


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_a_repeated_address_confirmed_for_one_account_only():
    executor = MigrationExecutor(connection)
    before = [("accounts", "0009_user_session_stamp")]
    executor.migrate(before)
    OldUser = executor.loader.project_state(before).apps.get_model("accounts", "User")
    now = timezone.now()

    def person(name, email, active=True, confirmed=True):
        return OldUser.objects.create(
            username=name,
            email=email,
            is_active=active,
            email_confirmed_at=now if confirmed else None,
        ).pk

    gone = person("gone", "same@example.com", active=False)
    kept = person("kept", "Same@example.com")
    later = person("later", "SAME@example.com")
    alone = person("alone", "alone@example.com")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("accounts", "0010_one_account_per_confirmed_address")])

    confirmed = set(
        User.objects.filter(email_confirmed_at__isnull=False).values_list("pk", flat=True)
    )
    assert kept in confirmed and alone in confirmed
    assert gone not in confirmed and later not in confirmed
    # Every later migration back (accounts 0011 and on), for the tests after this one.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
