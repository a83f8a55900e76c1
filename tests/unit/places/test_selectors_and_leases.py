"""What an organisation may report about, and leases that never overlap."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from tenantdesk.places import access, leases, selectors
from tenantdesk.places.models import Lease, Premises
from tests.factories import (
    BuildingFactory,
    CustomerFactory,
    LeaseFactory,
    ManagerFactory,
    OrganisationFactory,
    PremisesFactory,
)

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 6, 15)


def test_an_organisation_reports_about_its_leases_and_the_common_areas_of_their_buildings():
    tower, other = BuildingFactory(), BuildingFactory()
    office = PremisesFactory(building=tower, unit="204")
    lobby = PremisesFactory(building=tower, unit="Lobby", kind=Premises.Kind.COMMON_AREA)
    PremisesFactory(building=tower, unit="205")  # someone else's office
    PremisesFactory(building=other, unit="Lift", kind=Premises.Kind.COMMON_AREA)
    lease = LeaseFactory(premises=office, start=DAY - datetime.timedelta(days=1))

    assert set(selectors.places_for(lease.organisation_id, DAY)) == {office, lobby}
    assert list(selectors.buildings_of(lease.organisation_id, DAY)) == [tower]


@pytest.mark.parametrize(
    ("start", "end", "current"),
    [
        (DAY, None, True),
        (DAY, DAY, True),
        (DAY + datetime.timedelta(days=1), None, False),  # not begun
        (DAY - datetime.timedelta(days=9), DAY - datetime.timedelta(days=1), False),  # expired
    ],
)
def test_only_a_lease_running_that_day_counts(start, end, current):
    lease = LeaseFactory(start=start, end=end)
    assert selectors.may_report_at(lease.organisation_id, lease.premises, DAY) is current


def test_a_member_places_a_request_only_where_the_organisation_may_report_a_manager_anywhere():
    lease = LeaseFactory()
    member = CustomerFactory(organisation=lease.organisation)
    stranger = CustomerFactory()
    elsewhere = PremisesFactory()
    assert access.can_place_request_at(member, lease.premises)
    assert not access.can_place_request_at(member, elsewhere)
    assert not access.can_place_request_at(stranger, lease.premises)
    assert access.can_place_request_at(ManagerFactory(), elsewhere)


def test_two_organisations_never_lease_the_same_premises_at_once():
    first = LeaseFactory(start=datetime.date(2026, 1, 1), end=datetime.date(2026, 6, 30))
    clash = Lease(
        organisation=OrganisationFactory(),
        premises=first.premises,
        start=datetime.date(2026, 6, 30),
    )
    with pytest.raises(ValidationError) as refused:
        leases.save(clash)
    assert "premises" in refused.value.message_dict
    assert not Lease.objects.filter(organisation=clash.organisation).exists()

    clash.start = datetime.date(2026, 7, 1)  # the day after: fine
    leases.save(clash)
    # The same organisation's own leases may overlap (a renewal signed early).
    renewal = Lease(
        organisation=first.organisation,
        premises=first.premises,
        start=DAY,
        end=datetime.date(2026, 6, 30),
    )
    leases.save(renewal)
    assert renewal.pk


def test_a_common_area_is_not_leased_and_an_end_comes_after_the_start():
    lobby = PremisesFactory(kind=Premises.Kind.COMMON_AREA)
    with pytest.raises(ValidationError):
        leases.save(Lease(organisation=OrganisationFactory(), premises=lobby, start=DAY))
    with pytest.raises(ValidationError):
        leases.save(
            Lease(
                organisation=OrganisationFactory(),
                premises=PremisesFactory(),
                start=DAY,
                end=DAY - datetime.timedelta(days=1),
            )
        )


def test_a_qr_token_finds_its_premises_and_nothing_else():
    place = PremisesFactory()
    assert len(place.qr_token) >= 16
    assert selectors.premises_by_token(place.qr_token) == place
    assert selectors.premises_by_token(place.qr_token[:-1] + "!") is None
    assert selectors.premises_by_token("") is None
    assert selectors.premises_by_token("x" * 500) is None
