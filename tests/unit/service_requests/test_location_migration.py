"""Migration 0011 (issue 22): the office text of the time before buildings becomes a location
where it names exactly one premises its organisation has (or had) a lease of; the text
stays as a note; no match or two matches leave the request unplaced."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tenantdesk.service_requests.models import ServiceRequest
from tests.factories import BuildingFactory, LeaseFactory, OrganisationFactory, PremisesFactory
from tests.unit.service_requests.helpers import bulk_requests, create_request

BEFORE = [("service_requests", "0010_event_kinds_for_places")]
AFTER = [("service_requests", "0011_office_to_location")]


@pytest.mark.django_db(transaction=True)
def test_the_office_text_becomes_a_location_where_it_names_one_leased_premises(customer):
    organisation = customer.organisation
    north, south = BuildingFactory(name="North"), BuildingFactory(name="South")
    suite = PremisesFactory(building=north, unit="204A")
    LeaseFactory(organisation=organisation, premises=suite)
    # An old lease counts too: the request may be from then.
    ended = PremisesFactory(building=north, unit="12")
    LeaseFactory(
        organisation=organisation,
        premises=ended,
        start=datetime.date(2024, 1, 1),
        end=datetime.date(2024, 12, 31),
    )
    # The same unit number in two buildings, both leased: which one is not known.
    for building in (north, south):
        LeaseFactory(
            organisation=organisation, premises=PremisesFactory(building=building, unit="7")
        )
    # Another organisation's 300: not this one's.
    LeaseFactory(organisation=OrganisationFactory(), premises=PremisesFactory(unit="300"))
    already = PremisesFactory(unit="Lobby")

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    rows = {
        office: bulk_requests(organisation, customer, 1, office=office)[0].pk
        for office in (" 204a ", "12", "7", "300", "999", "")
    }
    placed_before = bulk_requests(organisation, customer, 1, office="204A")[0]
    ServiceRequest.objects.filter(pk=placed_before.pk).update(location=already)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    found = dict(ServiceRequest.objects.values_list("pk", "location_id"))
    assert found[rows[" 204a "]] == suite.pk  # trimmed, any case
    assert found[rows["12"]] == ended.pk
    assert found[rows["7"]] is None  # ambiguous
    assert found[rows["300"]] is None  # another organisation's premises
    assert found[rows["999"]] is None and found[rows[""]] is None  # no match, no text
    assert found[placed_before.pk] == already.pk  # a location is never replaced
    assert ServiceRequest.objects.get(pk=rows[" 204a "]).office == " 204a "  # the note stays

    # Reversing changes nothing; then every later migration back for the tests after this.
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    assert ServiceRequest.objects.get(pk=rows[" 204a "]).location_id == suite.pk
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert create_request(customer).created_at <= timezone.now()


@pytest.mark.django_db
def test_thousands_of_requests_take_a_few_queries(customer, django_assert_max_num_queries):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("tenantdesk.service_requests.migrations.0011_office_to_location")
    organisation = customer.organisation
    LeaseFactory(organisation=organisation, premises=PremisesFactory(unit="5"))
    bulk_requests(organisation, customer, 2500, office="5")
    # Reading in chunks and writing in batches of 1000: not one query per request.
    with django_assert_max_num_queries(12):
        migration.office_to_location(apps, None)
    assert not ServiceRequest.objects.filter(location__isnull=True).exists()
