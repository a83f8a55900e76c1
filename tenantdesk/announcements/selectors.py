"""Reads: whose banner shows which announcement, who the announcement is for, and the
managers' lists. Each is one query (the lists add one for their buildings)."""

from __future__ import annotations

import datetime
from functools import lru_cache

from django.db import connection
from django.db.models import QuerySet
from django.db.models.query import RawQuerySet
from django.utils import timezone

from tenantdesk.accounts.models import User
from tenantdesk.accounts.roles import MANAGER_GROUP
from tenantdesk.announcements.models import Announcement, Dismissal
from tenantdesk.core.raw_sql import column, table
from tenantdesk.places import selectors as places
from tenantdesk.places.models import Lease, Premises

# The managers' list shows this many past announcements (the newest).
PAST_SHOWN = 50

Through = Announcement.buildings.through


def _leased_building_ids(organisation_id: int, on: datetime.date | None = None):
    return places.buildings_of(organisation_id, on).values("pk")


@lru_cache(maxsize=1)
def _banner_sql() -> str:
    """banner_for's statement, from the models' own names: the announcements current now
    (starts_at <= now < ends_at) for which a building of theirs is one where the
    organisation leases now (places.selectors.current: start <= today, no end or end >=
    today), less those the person dismissed. Written as SQL: the lists and the home page
    ask it on every load, and the ORM's building of its nested EXISTS cost ten times
    running it (about 3 ms of CPU against 0.2 ms; bench/README.md, "The pages' own
    queries"). tests/unit/announcements/test_banner.py holds it to the rules."""
    quote = connection.ops.quote_name
    columns = ", ".join(f"a.{quote(f.column)}" for f in Announcement._meta.concrete_fields)
    return (
        f"SELECT {columns} FROM {table(Announcement)} a"  # noqa: S608
        f" WHERE a.{column(Announcement, 'starts_at')} <= %s"
        f" AND a.{column(Announcement, 'ends_at')} > %s"
        f" AND EXISTS (SELECT 1 FROM {table(Through)} t"
        f" WHERE t.{column(Through, 'announcement')} = a.{column(Announcement, 'id')}"
        f" AND t.{column(Through, 'building')} IN ("
        f"SELECT p.{column(Premises, 'building')} FROM {table(Lease)} l"
        f" JOIN {table(Premises)} p ON p.{column(Premises, 'id')} = l.{column(Lease, 'premises')}"
        f" WHERE l.{column(Lease, 'organisation')} = %s AND l.{column(Lease, 'start')} <= %s"
        f" AND (l.{column(Lease, 'end')} IS NULL OR l.{column(Lease, 'end')} >= %s)))"
        f" AND NOT EXISTS (SELECT 1 FROM {table(Dismissal)} d"
        f" WHERE d.{column(Dismissal, 'announcement')} = a.{column(Announcement, 'id')}"
        f" AND d.{column(Dismissal, 'user')} = %s)"
        f" ORDER BY a.{column(Announcement, 'starts_at')}, a.{column(Announcement, 'id')}"
    )


def banner_for(user, now: datetime.datetime | None = None) -> RawQuerySet:
    """The announcements current now in a building where the person's organisation leases
    now, which they have not dismissed: one query (EXISTS on the buildings, so an
    announcement for two of the organisation's buildings comes once)."""
    now = now or timezone.now()
    moment = connection.ops.adapt_datetimefield_value(now)
    day = connection.ops.adapt_datefield_value(timezone.localdate(now))
    return Announcement.objects.raw(
        _banner_sql(), [moment, moment, user.organisation_id, day, day, user.pk]
    )


def is_for(user, announcement: Announcement) -> bool:
    """Is the person a member of an organisation leasing now in one of its buildings?"""
    if not user.organisation_id:
        return False
    return Through.objects.filter(
        announcement_id=announcement.pk,
        building_id__in=_leased_building_ids(user.organisation_id),
    ).exists()


def audience(announcement_id: int, on: datetime.date | None = None) -> QuerySet[User]:
    """Everyone the announcement is for: the members of the organisations leasing now in
    one of its buildings (managers left out; whether each can be e-mailed is the caller's
    question)."""
    buildings = Through.objects.filter(announcement_id=announcement_id).values("building_id")
    organisations = Lease.objects.filter(
        places.current(on), premises__building_id__in=buildings
    ).values("organisation_id")
    managers = User.objects.filter(groups__name=MANAGER_GROUP).values("pk")
    return (
        User.objects.filter(organisation_id__in=organisations, is_superuser=False)
        .exclude(pk__in=managers)
        .order_by("pk")
    )


def for_managers(now: datetime.datetime | None = None) -> dict[str, list[Announcement]]:
    """The managers' page: current, upcoming (soonest first) and the newest past ones."""
    now = now or timezone.now()
    base = Announcement.objects.select_related("author").prefetch_related("buildings")
    live = list(base.filter(ends_at__gt=now).order_by("starts_at", "pk"))
    past = list(base.past(now).order_by("-ends_at", "-pk")[:PAST_SHOWN])
    return {
        "current": [a for a in live if a.starts_at <= now],
        "upcoming": [a for a in live if a.starts_at > now],
        "past": past,
    }
