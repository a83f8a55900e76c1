"""`manage.py seed_volume` (issue 18): a year of data that the kept counts agree with,
repeatable, and refused on a database that holds data."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q

from tenantdesk.chat.models import Message, ReadCursor
from tenantdesk.service_requests.models import RequestEvent, RequestFollower, ServiceRequest

pytestmark = pytest.mark.django_db

SMALL = [
    "--organisations=6",
    "--people=30",
    "--managers=3",
    "--requests=120",
    "--messages=2400",
    "--longest-chat=300",
]


def seed(*extra) -> dict:
    out = StringIO()
    call_command("seed_volume", *SMALL, "--json", *extra, stdout=out)
    return json.loads(out.getvalue())


def test_the_data_set_has_the_sizes_asked_and_counts_that_agree_with_its_messages():
    summary = seed()
    assert summary["counts"]["requests"] == ServiceRequest.objects.count() == 120
    assert summary["counts"]["messages"] == Message.objects.count() == 2400
    counted = ServiceRequest.objects.annotate(
        c=Count(
            "messages",
            filter=Q(messages__kind="user", messages__internal=False)
            & Q(messages__by_manager=False),
        ),
        m=Count(
            "messages",
            filter=Q(messages__kind="user", messages__internal=False)
            & Q(messages__by_manager=True),
        ),
    )
    assert all((r.c, r.m) == (r.messages_from_customers, r.messages_from_managers) for r in counted)
    for cursor in ReadCursor.objects.all():
        read = Message.objects.filter(
            service_request_id=cursor.service_request_id,
            kind="user",
            internal=False,
            pk__lte=cursor.last_read_id,
        )
        assert read.filter(by_manager=False).count() == cursor.read_from_customers
        assert read.filter(by_manager=True).count() == cursor.read_from_managers
    longest = ServiceRequest.objects.get(pk=summary["longest_chat_request"])
    assert longest.messages.count() == 300 and not longest.is_closed
    # Every request's history starts with its creation.
    assert RequestEvent.objects.filter(kind="created").count() == 120
    # Followers as the services make them (issue 21): the author and every member who wrote.
    writers = set(
        Message.objects.filter(kind="user", by_manager=False).values_list(
            "service_request_id", "author_id"
        )
    )
    authors = set(ServiceRequest.objects.values_list("pk", "author_id"))
    followers = set(RequestFollower.objects.values_list("service_request_id", "user_id"))
    assert followers == writers | authors
    assert summary["counts"]["followers"] == len(followers) > 120


def test_it_refuses_a_database_that_holds_data_unless_forced():
    seed()
    with pytest.raises(CommandError, match="already holds"):
        seed("--prefix=other")
    with pytest.raises(CommandError, match="choose another --prefix"):
        seed("--force")
    seed("--force", "--prefix=other")
    assert ServiceRequest.objects.count() == 240


def test_the_same_seed_makes_the_same_conversations():
    seed("--seed=7")
    first = list(
        Message.objects.order_by("pk").values_list("service_request_id", "text", "by_manager")
    )
    Message.objects.all().delete()
    ReadCursor.objects.all().delete()
    ServiceRequest.objects.all().delete()
    seed("--seed=7", "--force", "--prefix=again")
    again = list(Message.objects.order_by("pk").values_list("text", "by_manager"))
    assert [(t, b) for _r, t, b in first] == again


def test_every_request_is_in_a_building_where_its_organisation_leases():
    """Issue 22: buildings with common areas, one current lease (some of two premises) per
    organisation, managers looking after buildings, every request located at its
    organisation's premises or a common area of their building."""
    from tenantdesk.places import selectors
    from tenantdesk.places.models import Building, Premises

    summary = seed("--buildings=4")
    assert summary["counts"]["buildings"] == Building.objects.count() == 4
    assert not ServiceRequest.objects.filter(location__isnull=True).exists()
    for organisation_id in ServiceRequest.objects.values_list("organisation_id", flat=True):
        allowed = set(selectors.places_for(organisation_id).values_list("pk", flat=True))
        used = set(
            ServiceRequest.objects.filter(organisation_id=organisation_id).values_list(
                "location_id", flat=True
            )
        )
        assert used <= allowed
    assert set(Premises.objects.filter(kind="common_area").values_list("unit", flat=True)) >= {
        "Lobby",
        "Lift",
    }
    assert ServiceRequest.objects.filter(location__kind="common_area").exists()
    assert Building.objects.filter(managers__isnull=False).distinct().count() == 4
    # Tokens are unique (the model's default would give every row the same one).
    assert Premises.objects.values("qr_token").distinct().count() == Premises.objects.count()
