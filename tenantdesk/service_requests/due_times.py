"""Due times: when a request must get its first answer and when it must be resolved.

Each priority has two targets (settings REQUEST_TARGETS). A target is written as an amount
and a unit:
  m, h   calendar minutes / hours: the clock runs day and night (urgent requests);
  wh     working hours: only inside the working hours (WORKING_HOURS, WORKING_DAYS,
         HOLIDAYS, in WORKING_TIME_ZONE);
  wd     working days: as many working hours as one working day has, so "1wd" from
         Tuesday 15:00 with 09:00–18:00 is Wednesday 15:00.
A request opened outside the working hours starts its working clock when they begin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

UNITS = ("m", "h", "wh", "wd")
_TARGET = re.compile(r"^\s*(\d{1,5})\s*(m|h|wh|wd)\s*$")
# A year of days without one working minute means the calendar has none at all.
_MAX_DAYS_SEARCHED = 366


@dataclass(frozen=True)
class Target:
    amount: int
    unit: str

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


@dataclass(frozen=True)
class WorkingCalendar:
    opens: time
    closes: time
    weekdays: frozenset[int]  # Monday is 0
    holidays: frozenset[date]
    zone: ZoneInfo

    @property
    def day_minutes(self) -> int:
        return (self.closes.hour * 60 + self.closes.minute) - (
            self.opens.hour * 60 + self.opens.minute
        )

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays


def parse_target(text: str) -> Target:
    """'15m', '4h', '4wh', '3wd' → Target; ImproperlyConfigured for anything else."""
    match = _TARGET.match(str(text))
    if not match:
        raise ImproperlyConfigured(
            f"A request target is a number and a unit ({', '.join(UNITS)}), not {text!r}."
        )
    return Target(int(match.group(1)), match.group(2))


def parse_calendar(*, hours: str, weekdays: str, holidays: list[str], zone: str) -> WorkingCalendar:
    """The working calendar from its settings: hours '09:00-18:00', weekdays '1-5' or
    '1,2,3,4,5' (ISO: Monday is 1), holidays as ISO dates."""
    try:
        opens_text, closes_text = hours.split("-")
        opens, closes = (
            time.fromisoformat(opens_text.strip()),
            time.fromisoformat(closes_text.strip()),
        )
        if "-" in weekdays:
            first, last = (int(part) for part in weekdays.split("-"))
            iso_days = range(first, last + 1)
        else:
            iso_days = [int(part) for part in weekdays.split(",") if part.strip()]
        days = frozenset(day - 1 for day in iso_days)
        calendar = WorkingCalendar(
            opens=opens,
            closes=closes,
            weekdays=days,
            holidays=frozenset(date.fromisoformat(day.strip()) for day in holidays),
            zone=ZoneInfo(zone),
        )
    except (ValueError, KeyError) as error:
        raise ImproperlyConfigured(f"The working calendar's settings are wrong: {error}") from None
    if calendar.day_minutes <= 0 or not days <= set(range(7)) or not days:
        raise ImproperlyConfigured("Working hours must open before they close, on some weekdays.")
    return calendar


def working_calendar() -> WorkingCalendar:
    return parse_calendar(
        hours=settings.WORKING_HOURS,
        weekdays=settings.WORKING_DAYS,
        holidays=settings.HOLIDAYS,
        zone=settings.WORKING_TIME_ZONE,
    )


def add_working_minutes(start: datetime, minutes: int, calendar: WorkingCalendar) -> datetime:
    """The moment `minutes` of working time after `start` (aware), as an aware datetime.

    Walks day by day through the working intervals in the calendar's time zone, so a
    change of daylight-saving time inside a day is handled by the time zone, not here.
    """
    local = start.astimezone(calendar.zone)
    left = minutes
    day = local.date()
    for _ in range(_MAX_DAYS_SEARCHED + minutes // max(calendar.day_minutes, 1) + 1):
        if calendar.is_working_day(day):
            opens = datetime.combine(day, calendar.opens, calendar.zone)
            closes = datetime.combine(day, calendar.closes, calendar.zone)
            begin = max(opens, local)
            if begin < closes:
                available = int((closes - begin).total_seconds() // 60)
                if left <= available:
                    return begin + timedelta(minutes=left)
                left -= available
        day += timedelta(days=1)
        local = datetime.combine(day, time.min, calendar.zone)
    raise ImproperlyConfigured("The working calendar has no working time.")


def due_at(start: datetime, target: Target, calendar: WorkingCalendar) -> datetime:
    """When a target counted from `start` falls due."""
    if target.unit == "m":
        return start + timedelta(minutes=target.amount)
    if target.unit == "h":
        return start + timedelta(hours=target.amount)
    per_unit = 60 if target.unit == "wh" else calendar.day_minutes
    return add_working_minutes(start, target.amount * per_unit, calendar)


def targets_for(priority: str) -> tuple[Target, Target]:
    """(first response, resolution) for a priority, from REQUEST_TARGETS."""
    try:
        first, resolution = settings.REQUEST_TARGETS[priority]
    except (KeyError, ValueError):
        raise ImproperlyConfigured(f"REQUEST_TARGETS has no pair for {priority!r}.") from None
    return parse_target(first), parse_target(resolution)
