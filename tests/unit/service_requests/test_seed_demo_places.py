"""seed_demo's places (issue 22): two buildings with premises, the demo organisation's
leases, the demo manager looking after one building, the demo request located; running it
again adds nothing."""

import io

import pytest
from django.core.management import call_command

from tenantdesk.accounts.models import User
from tenantdesk.places import selectors
from tenantdesk.places.models import Building, Lease, Premises
from tenantdesk.service_requests.models import ServiceRequest

pytestmark = pytest.mark.django_db


def test_the_demo_has_two_buildings_with_premises_leases_and_a_located_request(settings, client):
    settings.DEMO_DATA = True
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    assert list(Building.objects.values_list("name", flat=True)) == [
        "Park House",
        "Riverside Tower",
    ]
    kinds = set(Premises.objects.values_list("kind", flat=True))
    assert kinds == {"office", "storage", "parking", "common_area"}
    assert set(
        Premises.objects.filter(kind="common_area").values_list("building__name", "unit")
    ) == {(b, u) for b in ("Park House", "Riverside Tower") for u in ("Lobby", "Lift")}
    customer = User.objects.get(username="demo-customer")
    assert Lease.objects.filter(organisation=customer.organisation).count() == 4
    # What a member may report about: the leased premises and both buildings' common areas.
    places = {(p.building.name, p.unit) for p in selectors.places_for(customer.organisation_id)}
    assert ("Riverside Tower", "101") in places and ("Park House", "Lift") in places
    assert ("Riverside Tower", "204") not in places
    manager = User.objects.get(username="demo-manager")
    assert list(manager.managed_buildings.values_list("name", flat=True)) == ["Riverside Tower"]
    demo_request = ServiceRequest.objects.get()
    assert (demo_request.location.building.name, demo_request.location.unit) == (
        "Riverside Tower",
        "101",
    )
    # The manager's "My buildings" holds it (unassigned, in their building).
    client.force_login(manager)
    response = client.get("/request/list", {"tab": "my_buildings"})
    assert [sr.pk for sr in response.context["service_requests"]] == [demo_request.pk]
    assert "Riverside Tower · 101" in response.content.decode()
