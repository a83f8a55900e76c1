"""Due times in calendar and working time (service_requests.due_times)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ImproperlyConfigured

from tenantdesk.service_requests.due_times import (
    Target,
    due_at,
    parse_calendar,
    parse_target,
    targets_for,
)

MSK = ZoneInfo("Europe/Moscow")
CALENDAR = parse_calendar(
    hours="09:00-18:00", weekdays="1-5", holidays=["2026-12-31"], zone="Europe/Moscow"
)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=MSK)


@pytest.mark.parametrize(
    ("start", "target", "expected"),
    [
        # Calendar time runs at night and at weekends.
        (at(2026, 11, 27, 23, 50), "15m", at(2026, 11, 28, 0, 5)),
        (at(2026, 11, 28, 10, 0), "4h", at(2026, 11, 28, 14, 0)),
        # Working hours: inside one day, across the evening, from the weekend.
        (at(2026, 11, 24, 10, 0), "4wh", at(2026, 11, 24, 14, 0)),
        (at(2026, 11, 24, 16, 0), "4wh", at(2026, 11, 25, 11, 0)),
        (at(2026, 11, 27, 17, 0), "1wh", at(2026, 11, 27, 18, 0)),
        (at(2026, 11, 27, 17, 30), "1wh", at(2026, 11, 30, 9, 30)),  # Friday → Monday
        (at(2026, 11, 28, 12, 0), "4wh", at(2026, 11, 30, 13, 0)),  # Saturday
        (at(2026, 11, 24, 7, 0), "1wh", at(2026, 11, 24, 10, 0)),  # before opening
        # Working days keep the clock time; a holiday is skipped.
        (at(2026, 11, 24, 15, 0), "1wd", at(2026, 11, 25, 15, 0)),
        (at(2026, 11, 24, 15, 0), "3wd", at(2026, 11, 27, 15, 0)),
        (at(2026, 11, 24, 15, 0), "10wd", at(2026, 12, 8, 15, 0)),
        (at(2026, 12, 30, 12, 0), "1wd", at(2027, 1, 1, 12, 0)),  # 31 Dec is a holiday
        (at(2026, 11, 24, 20, 0), "1wd", at(2026, 11, 25, 18, 0)),  # after closing
    ],
)
def test_due_at(start, target, expected):
    assert due_at(start, parse_target(target), CALENDAR) == expected


def test_a_start_in_another_time_zone_is_counted_in_the_calendars():
    start = datetime(2026, 11, 24, 5, 0, tzinfo=ZoneInfo("UTC"))  # 08:00 in Moscow
    assert due_at(start, Target(1, "wh"), CALENDAR) == at(2026, 11, 24, 10, 0)


@pytest.mark.parametrize("text", ["", "15", "m15", "1 d", "-1h", "1.5h", "99999999wd"])
def test_a_bad_target_is_a_configuration_error(text):
    with pytest.raises(ImproperlyConfigured):
        parse_target(text)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"hours": "18:00-09:00"},
        {"hours": "nine to six"},
        {"weekdays": "0-5"},
        {"weekdays": ""},
        {"holidays": ["31.12.2026"]},
    ],
)
def test_a_bad_calendar_is_a_configuration_error(kwargs):
    options = {"hours": "09:00-18:00", "weekdays": "1-5", "holidays": [], "zone": "UTC"} | kwargs
    with pytest.raises(ImproperlyConfigured):
        parse_calendar(**options)


def test_the_default_targets_are_a_business_centres(settings):
    assert targets_for("urgent") == (Target(15, "m"), Target(4, "h"))
    assert targets_for("high") == (Target(1, "wh"), Target(1, "wd"))
    assert targets_for("normal") == (Target(4, "wh"), Target(3, "wd"))
    assert targets_for("low") == (Target(1, "wd"), Target(10, "wd"))
    with pytest.raises(ImproperlyConfigured):
        targets_for("whenever")


def test_the_holiday_list_is_a_set_of_dates():
    assert date(2026, 12, 31) in CALENDAR.holidays
