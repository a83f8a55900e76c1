"""Changes to announcements: post, edit, end now, delete, dismiss (docs/announcements.md).

Posting, and an edit that asks for it, publishes: announcement_published is sent inside the
transaction, so the e-mails' job is stored (and later run by the task queue) exactly when
the announcement is.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from tenantdesk.accounts.models import User
from tenantdesk.announcements.models import Announcement, Dismissal
from tenantdesk.announcements.signals import announcement_published
from tenantdesk.places.models import Building


def _publish(announcement: Announcement) -> None:
    announcement.published_at = timezone.now()
    Announcement.objects.filter(pk=announcement.pk).update(published_at=announcement.published_at)
    announcement_published.send(
        sender=Announcement, announcement_id=announcement.pk, revision=announcement.revision
    )


@transaction.atomic
def announcement_create(
    *,
    author: User,
    buildings: Iterable[Building],
    title_en: str,
    title_ru: str,
    text_en: str,
    text_ru: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    time_zone: str,
) -> Announcement:
    """Store a new announcement for the buildings and publish it (one e-mail to each
    member of the organisations leasing there, sent by the task queue)."""
    announcement = Announcement.objects.create(
        author=author,
        title_en=title_en,
        title_ru=title_ru,
        text_en=text_en,
        text_ru=text_ru,
        starts_at=starts_at,
        ends_at=ends_at,
        time_zone=time_zone,
    )
    announcement.buildings.set(buildings)
    _publish(announcement)
    return announcement


@transaction.atomic
def announcement_update(
    *,
    announcement: Announcement,
    buildings: Iterable[Building],
    email_again: bool = False,
    **fields,
) -> Announcement:
    """Save an edit (a new revision). The tenants are e-mailed again only when asked
    (`email_again`): then once more each, for this revision."""
    locked = Announcement.objects.select_for_update().get(pk=announcement.pk)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.revision += 1
    locked.save()
    locked.buildings.set(buildings)
    if email_again:
        _publish(locked)
    return locked


@transaction.atomic
def announcement_end_now(*, announcement: Announcement) -> bool:
    """End a current announcement now (its banner goes; its e-mails not yet sent are
    skipped). False when it was not current: an upcoming one cannot end before it starts
    (delete it instead), a past one has ended already."""
    now = timezone.now()
    ended = Announcement.objects.filter(
        pk=announcement.pk, starts_at__lt=now, ends_at__gt=now
    ).update(ends_at=now, updated_at=now)
    return bool(ended)


@transaction.atomic
def announcement_delete(*, announcement: Announcement) -> None:
    """Remove it with its dismissals (and its e-mails not yet sent)."""
    announcement.delete()


def announcement_dismiss(*, user: User, announcement: Announcement) -> None:
    """Close the banner for this person for good; dismissing twice changes nothing (the
    unique constraint decides, not a lookup first)."""
    try:
        with transaction.atomic():
            Dismissal.objects.create(user=user, announcement=announcement)
    except IntegrityError:
        pass
