"""Dates and times as the pages show them, each label formatted once per language.

Django's date formatting parses its format string on every call (some 15 µs): a page of
50 chat messages or 25 list rows formatted the same few days and minutes again and
again. A day label is cached per day, a time label per minute, both per language.
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language


def time_label(moment: datetime) -> str:
    """TIME_FORMAT of an aware moment, in the site's time zone."""
    local = timezone.localtime(moment)
    return _time_label(local.hour, local.minute, get_language())


def day_label(day: date, format_name: str = "DATE_FORMAT") -> str:
    return _day_label(day, format_name, get_language())


def short_datetime_label(moment: datetime) -> str:
    """SHORT_DATETIME_FORMAT of an aware moment, in the site's time zone, put together as
    our formats define it (tenantdesk/formats): the short date, a comma, the time."""
    local = timezone.localtime(moment)
    return (
        f"{_day_label(local.date(), 'SHORT_DATE_FORMAT', get_language())}, "
        f"{_time_label(local.hour, local.minute, get_language())}"
    )


@lru_cache(maxsize=4096)
def _time_label(hour: int, minute: int, language: str | None) -> str:
    return date_format(time(hour, minute), "TIME_FORMAT")


@lru_cache(maxsize=2048)
def _day_label(day: date, format_name: str, language: str | None) -> str:
    return date_format(day, format_name)
