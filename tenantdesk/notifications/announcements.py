"""Announcements by e-mail: announcements.signals.announcement_published → a job → one
EmailDelivery per member (claimed by `announcement:<id>:<revision>:<user>`, so each person
gets each publication once) → deliver_email sends each, like every other e-mail."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from tenantdesk.announcements.models import Announcement
from tenantdesk.notifications.models import EmailDelivery
from tenantdesk.notifications.recipients import announcement_recipients
from tenantdesk.notifications.tasks import delivery_enqueue


def announcement_key(announcement_id: int, revision: int, user_id: int) -> str:
    return f"announcement:{announcement_id}:{revision}:{user_id}"


@task()
def notify_announcement(announcement_id: int, revision: int) -> dict:
    """An announcement was published (created, or edited with "e-mail the tenants again"):
    claim and enqueue one e-mail per member who wants announcements."""
    announcement = Announcement.objects.filter(pk=announcement_id).first()
    if announcement is None or announcement.ends_at <= timezone.now():
        return {"emails": 0}  # deleted or ended before the job ran
    claimed = sum(
        bool(
            delivery_enqueue(
                key=announcement_key(announcement_id, revision, user_id),
                kind=EmailDelivery.Kind.ANNOUNCEMENT,
                user_id=user_id,
                announcement_id=announcement_id,
            )
        )
        for user_id in announcement_recipients(announcement_id).values_list("pk", flat=True)
    )
    return {"emails": claimed}
