"""Reads: whose banner shows which announcement, who the announcement is for, and the
managers' lists. Each is one query (the lists add one for their buildings)."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from tenantdesk.accounts.models import User
from tenantdesk.accounts.roles import MANAGER_GROUP
from tenantdesk.announcements.models import Announcement, Dismissal
from tenantdesk.places import selectors as places
from tenantdesk.places.models import Lease

# The managers' list shows this many past announcements (the newest).
PAST_SHOWN = 50

Through = Announcement.buildings.through


def _leased_building_ids(organisation_id: int, on: datetime.date | None = None):
    return places.buildings_of(organisation_id, on).values("pk")


def banner_for(user, now: datetime.datetime | None = None) -> QuerySet[Announcement]:
    """The announcements current now in a building where the person's organisation leases
    now, which they have not dismissed: one query (EXISTS on the buildings, so an
    announcement for two of the organisation's buildings comes once)."""
    now = now or timezone.now()
    in_their_buildings = Through.objects.filter(
        announcement_id=OuterRef("pk"),
        building_id__in=_leased_building_ids(user.organisation_id, timezone.localdate(now)),
    )
    dismissed = Dismissal.objects.filter(announcement_id=OuterRef("pk"), user_id=user.pk)
    return (
        Announcement.objects.current(now)
        .filter(Exists(in_their_buildings))
        .exclude(Exists(dismissed))
        .order_by("starts_at", "pk")
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
