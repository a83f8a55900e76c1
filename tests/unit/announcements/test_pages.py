"""The managers' pages: who may open them, what a post stores, bad input, and the list's
query count."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tenantdesk.announcements.models import Announcement
from tests.factories import AnnouncementFactory, BuildingFactory
from tests.unit.notifications.email_helpers import jobs

pytestmark = pytest.mark.django_db

MSK = zoneinfo.ZoneInfo("Europe/Moscow")


def _form(building, **changes):
    data = {
        "buildings": [building.pk],
        "title_en": "Water off on Tuesday",
        "title_ru": "Во вторник нет воды",
        "text_en": "Pipes are replaced.",
        "text_ru": "Меняем трубы.",
        "starts_at": "2030-03-05T10:00",
        "ends_at": "2030-03-05T14:00",
    }
    data.update(changes)
    return data


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/announcements", "/announcements/new", "/announcements/{pk}/edit"]
)
def test_a_signed_out_visitor_is_sent_to_sign_in(client, announcement, path):
    response = client.get(path.format(pk=announcement.pk))
    assert response.status_code == 302
    assert "/accounts/login" in response["Location"]


@pytest.mark.parametrize(
    "path", ["/announcements", "/announcements/new", "/announcements/{pk}/edit"]
)
def test_a_customer_gets_403_on_the_managers_pages(client, customer, announcement, path):
    client.force_login(customer)
    assert client.get(path.format(pk=announcement.pk)).status_code == 403


def test_a_customer_posting_an_announcement_gets_403_and_nothing_is_stored(
    client, customer, building
):
    client.force_login(customer)
    response = client.post("/announcements/new", _form(building))
    assert response.status_code == 403
    assert not Announcement.objects.exists()
    assert not jobs("notify_announcement").exists()


@pytest.mark.parametrize("action", ["edit", "end", "delete"])
def test_a_customer_cannot_change_an_announcement(client, customer, announcement, action):
    client.force_login(customer)
    before = Announcement.objects.values().get(pk=announcement.pk)
    response = client.post(
        f"/announcements/{announcement.pk}/{action}", _form(announcement.buildings.first())
    )
    assert response.status_code == 403
    assert Announcement.objects.values().get(pk=announcement.pk) == before


def test_a_signed_out_post_stores_nothing(client, building):
    response = client.post("/announcements/new", _form(building))
    assert response.status_code == 302 and "/accounts/login" in response["Location"]
    assert not Announcement.objects.exists()


def test_a_missing_announcement_is_404_for_a_manager(client, manager):
    client.force_login(manager)
    assert client.get("/announcements/999999/edit").status_code == 404
    assert client.post("/announcements/999999/end").status_code == 404


# --- posting --------------------------------------------------------------------------------


def test_a_manager_posts_an_announcement_in_the_buildings_time_zone(client, manager):
    building = BuildingFactory(time_zone="Asia/Vladivostok")  # UTC+10
    client.force_login(manager)
    response = client.post("/announcements/new", _form(building))
    assert response.status_code == 302 and response["Location"] == "/announcements"
    announcement = Announcement.objects.get()
    assert announcement.starts_at == datetime.datetime(2030, 3, 5, 0, 0, tzinfo=datetime.UTC)
    assert announcement.ends_at == datetime.datetime(2030, 3, 5, 4, 0, tzinfo=datetime.UTC)
    assert announcement.time_zone == "Asia/Vladivostok"
    assert announcement.author == manager
    assert announcement.revision == 1 and announcement.published_at is not None
    assert list(announcement.buildings.all()) == [building]
    # E-mailed by the task queue later, never in the request.
    assert jobs("notify_announcement").count() == 1


def test_with_several_buildings_the_first_ones_zone_is_used(client, manager):
    first = BuildingFactory(name="A House", time_zone="Asia/Vladivostok")
    second = BuildingFactory(name="B House", time_zone="Europe/Moscow")
    client.force_login(manager)
    client.post("/announcements/new", _form(first, buildings=[second.pk, first.pk]))
    announcement = Announcement.objects.get()
    assert announcement.time_zone == "Asia/Vladivostok"
    assert set(announcement.buildings.all()) == {first, second}


def test_the_form_says_which_zone_the_times_are_in(client, manager, building):
    client.force_login(manager)
    page = client.get("/announcements/new").content.decode()
    assert "first one chosen" in page
    assert f"{building.name} (Europe/Moscow)" in page


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ends_at": "2030-03-05T09:00"}, "ends_at"),
        ({"ends_at": "2030-03-05T10:00"}, "ends_at"),
        ({"title_en": ""}, "title_en"),
        ({"title_ru": "   "}, "title_ru"),
        ({"text_en": ""}, "text_en"),
        ({"buildings": [987654]}, "buildings"),
        ({"buildings": ["x"]}, "buildings"),
        ({"buildings": []}, "buildings"),
        ({"starts_at": "next tuesday"}, "starts_at"),
        ({"title_en": "x" * 151}, "title_en"),
    ],
)
def test_bad_input_is_400_with_the_error_at_its_field(client, manager, building, changes, field):
    client.force_login(manager)
    response = client.post("/announcements/new", _form(building, **changes))
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert f'data-field-error="{field}"' in response.content.decode()
    assert not Announcement.objects.exists()
    assert not jobs("notify_announcement").exists()


# --- editing --------------------------------------------------------------------------------


def test_the_edit_form_shows_the_times_in_the_zone_they_were_given_in(client, manager, building):
    announcement = AnnouncementFactory(
        buildings=[building],
        starts_at=datetime.datetime(2030, 3, 5, 10, 0, tzinfo=MSK),
        ends_at=datetime.datetime(2030, 3, 5, 14, 0, tzinfo=MSK),
    )
    client.force_login(manager)
    page = client.get(f"/announcements/{announcement.pk}/edit").content.decode()
    assert 'value="2030-03-05T10:00"' in page and 'value="2030-03-05T14:00"' in page
    assert (
        'name="email_again"' in page and "checked" not in page.split('name="email_again"')[1][:80]
    )


def test_an_edit_does_not_email_again_unless_asked(client, manager, announcement):
    client.force_login(manager)
    building = announcement.buildings.first()
    response = client.post(
        f"/announcements/{announcement.pk}/edit", _form(building, title_en="Water off Wednesday")
    )
    assert response.status_code == 302
    announcement.refresh_from_db()
    assert announcement.title_en == "Water off Wednesday"
    assert announcement.revision == 2
    assert not jobs("notify_announcement").exists()


def test_an_edit_emails_again_when_asked(client, manager, announcement):
    client.force_login(manager)
    building = announcement.buildings.first()
    client.post(f"/announcements/{announcement.pk}/edit", _form(building, email_again="on"))
    announcement.refresh_from_db()
    assert announcement.revision == 2
    job = jobs("notify_announcement").get()
    assert job.args_kwargs["args"] == [announcement.pk, 2]


def test_a_bad_edit_is_400_and_changes_nothing(client, manager, announcement):
    client.force_login(manager)
    before = Announcement.objects.values().get(pk=announcement.pk)
    response = client.post(
        f"/announcements/{announcement.pk}/edit",
        _form(announcement.buildings.first(), ends_at="2000-01-01T00:00", email_again="on"),
    )
    assert response.status_code == 400
    assert "ends_at" in response.context["form"].errors
    assert Announcement.objects.values().get(pk=announcement.pk) == before
    assert not jobs("notify_announcement").exists()


def test_end_now_ends_a_current_announcement(client, manager, announcement):
    client.force_login(manager)
    assert client.post(f"/announcements/{announcement.pk}/end").status_code == 302
    announcement.refresh_from_db()
    assert announcement.ends_at <= timezone.now()
    assert not Announcement.objects.current().exists()


def test_end_now_leaves_an_upcoming_announcement_as_it_is(client, manager, building):
    now = timezone.now()
    upcoming = AnnouncementFactory(
        buildings=[building],
        starts_at=now + datetime.timedelta(days=1),
        ends_at=now + datetime.timedelta(days=2),
    )
    client.force_login(manager)
    response = client.post(f"/announcements/{upcoming.pk}/end", follow=True)
    assert "not current" in response.content.decode()
    assert Announcement.objects.upcoming().get() == upcoming


def test_delete_removes_it(client, manager, announcement):
    client.force_login(manager)
    assert client.post(f"/announcements/{announcement.pk}/delete").status_code == 302
    assert not Announcement.objects.exists()


def test_end_and_delete_are_post_only(client, manager, announcement):
    client.force_login(manager)
    assert client.get(f"/announcements/{announcement.pk}/end").status_code == 405
    assert client.get(f"/announcements/{announcement.pk}/delete").status_code == 405
    assert Announcement.objects.current().exists()


# --- the list -------------------------------------------------------------------------------


def test_the_list_has_current_upcoming_and_past(client, manager, building):
    now = timezone.now()
    AnnouncementFactory(buildings=[building], title_en="Now on")
    AnnouncementFactory(
        buildings=[building],
        title_en="Later on",
        starts_at=now + datetime.timedelta(days=2),
        ends_at=now + datetime.timedelta(days=3),
    )
    AnnouncementFactory(
        buildings=[building],
        title_en="Long gone",
        starts_at=now - datetime.timedelta(days=3),
        ends_at=now - datetime.timedelta(days=2),
    )
    client.force_login(manager)
    response = client.get("/announcements")
    context = response.context
    assert [a.title_en for a in context["current"]] == ["Now on"]
    assert [a.title_en for a in context["upcoming"]] == ["Later on"]
    assert [a.title_en for a in context["past"]] == ["Long gone"]


def test_the_lists_queries_do_not_grow_with_rows(client, manager):
    buildings = [BuildingFactory() for _ in range(3)]
    AnnouncementFactory(buildings=buildings)
    client.force_login(manager)
    with CaptureQueriesContext(connection) as one:
        client.get("/announcements")
    for _ in range(19):
        AnnouncementFactory(buildings=buildings)
    with CaptureQueriesContext(connection) as twenty:
        client.get("/announcements")
    assert len(twenty.captured_queries) == len(one.captured_queries)
