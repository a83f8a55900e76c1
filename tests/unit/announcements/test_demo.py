"""The demo's announcement (seed_demo's last step)."""

import pytest

from tenantdesk.announcements.demo import seed_announcement
from tenantdesk.announcements.models import Announcement
from tenantdesk.announcements.selectors import banner_for
from tenantdesk.places.models import Building
from tests.factories import BuildingFactory

pytestmark = pytest.mark.django_db


def test_on_its_own_it_makes_a_building_and_a_current_announcement(customer):
    announcement = seed_announcement(organisation_id=customer.organisation_id)
    assert Building.objects.count() == 1
    assert list(Announcement.objects.current()) == [announcement]
    # The organisation leases there, so its members see the banner.
    assert list(banner_for(customer)) == [announcement]


def test_it_is_made_once_for_the_first_two_buildings():
    first, second, _third = (
        BuildingFactory(name="A"),
        BuildingFactory(name="B"),
        BuildingFactory(name="C"),
    )
    seed_announcement()
    seed_announcement()
    announcement = Announcement.objects.get()
    assert set(announcement.buildings.all()) == {first, second}
