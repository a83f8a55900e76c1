"""The demo's announcement (manage.py seed_demo): one current announcement for the demo's
buildings, made once. Works on its own: with no building yet it makes one."""

from __future__ import annotations

import datetime

from django.utils import timezone

from tenantdesk.announcements.models import Announcement
from tenantdesk.places.models import Building, Lease, Premises

DEMO_TITLE_EN = "Water off on Tuesday 10:00–14:00"


def _demo_building(organisation_id: int | None) -> Building:
    # Only when the demo has no building yet: one, with the demo organisation's office
    # leased in it, so that its members see the banner.
    building = Building.objects.create(
        name="Demo Business Centre", address="1 Example Street", time_zone="Europe/Moscow"
    )
    if organisation_id is not None:
        premises = Premises.objects.create(building=building, unit="101", floor="1")
        Lease.objects.create(
            organisation_id=organisation_id,
            premises=premises,
            start=timezone.localdate() - datetime.timedelta(days=365),
        )
    return building


def seed_announcement(author=None, organisation_id: int | None = None) -> Announcement:
    """The demo's current announcement (created once, kept current) for the first two
    buildings. Stored directly, not published: the demo's e-mails are about requests."""
    buildings = list(Building.objects.order_by("name")[:2]) or [_demo_building(organisation_id)]
    now = timezone.now()
    announcement = Announcement.objects.filter(title_en=DEMO_TITLE_EN).first()
    if announcement is None:
        announcement = Announcement.objects.create(
            title_en=DEMO_TITLE_EN,
            title_ru="Во вторник с 10:00 до 14:00 не будет воды",
            text_en="The pipes on floors 1–4 are being replaced.\nPlease keep taps closed.",
            text_ru="Меняем трубы на 1–4 этажах.\nПожалуйста, держите краны закрытыми.",
            starts_at=now - datetime.timedelta(hours=1),
            ends_at=now + datetime.timedelta(days=7),
            time_zone=buildings[0].time_zone,
            author=author,
            published_at=now,
        )
        announcement.buildings.set(buildings)
    elif announcement.ends_at <= now:
        # A demo database seeded weeks ago: the announcement is current again.
        Announcement.objects.filter(pk=announcement.pk).update(
            starts_at=now - datetime.timedelta(hours=1), ends_at=now + datetime.timedelta(days=7)
        )
    return announcement
