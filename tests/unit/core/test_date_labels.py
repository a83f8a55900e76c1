"""core.date_labels: the cached labels say what Django's own formatting says, in every
language of the site and in the site's time zone."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format

from tenantdesk.core.date_labels import day_label, short_datetime_label, time_label

MOMENTS = [
    datetime(2026, 1, 1, 0, 0, tzinfo=UTC),
    datetime(2026, 3, 8, 21, 5, 59, 999999, tzinfo=UTC),  # a date later in Moscow
    datetime(2026, 12, 31, 23, 59, tzinfo=UTC),
]


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_each_label_is_what_djangos_format_gives(language):
    with translation.override(language):
        for moment in MOMENTS + [m + timedelta(minutes=1) for m in MOMENTS]:
            local = timezone.localtime(moment)
            assert short_datetime_label(moment) == date_format(local, "SHORT_DATETIME_FORMAT")
            assert time_label(moment) == date_format(local, "TIME_FORMAT")
            assert day_label(local.date()) == date_format(local.date(), "DATE_FORMAT")


def test_a_label_follows_the_active_language():
    moment = datetime(2026, 5, 9, 9, 30, tzinfo=UTC)
    with translation.override("en"):
        english = short_datetime_label(moment)
    with translation.override("ru"):
        russian = short_datetime_label(moment)
    assert english != russian
    shown = timezone.localtime(moment).strftime("%H:%M")  # the site's time zone, not UTC
    assert english.endswith(shown) and russian.endswith(shown)
