"""An announcement to the tenants of one or more buildings ("Water off on Tuesday
10:00–14:00"), and who has dismissed its banner (docs/announcements.md).

Both languages are required: the interface speaks English and Russian and most tenants read
Russian, so an English-only text would reach most of them in a language they did not
choose; asking for both at the form keeps the banner and the e-mail free of fallbacks.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenantdesk.core.models import TimeStampedModel
from tenantdesk.places.models import validate_time_zone

TITLE_MAX_LENGTH = 150
TEXT_MAX_LENGTH = 4000


class AnnouncementQuerySet(models.QuerySet):
    def current(self, now=None):
        now = now or timezone.now()
        return self.filter(starts_at__lte=now, ends_at__gt=now)

    def upcoming(self, now=None):
        return self.filter(starts_at__gt=now or timezone.now())

    def past(self, now=None):
        return self.filter(ends_at__lte=now or timezone.now())


class Announcement(TimeStampedModel):
    buildings = models.ManyToManyField(
        "places.Building", verbose_name=_("buildings"), related_name="announcements"
    )
    title_en = models.CharField(_("title in English"), max_length=TITLE_MAX_LENGTH)
    title_ru = models.CharField(_("title in Russian"), max_length=TITLE_MAX_LENGTH)
    text_en = models.TextField(_("text in English"), max_length=TEXT_MAX_LENGTH)
    text_ru = models.TextField(_("text in Russian"), max_length=TEXT_MAX_LENGTH)
    # Current while starts_at <= now < ends_at.
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    # The zone the form's times were given in (the first building's): the edit form and
    # the lists show them in it again.
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Moscow", validators=[validate_time_zone]
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
    )
    # When the tenants were last e-mailed about it (on creation, and on an edit that asked).
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # One more on every edit; an e-mail's idempotency key names the revision it tells about,
    # so "e-mail the tenants again" reaches each person once more, and only once.
    revision = models.PositiveIntegerField(_("revision"), default=1)

    objects = AnnouncementQuerySet.as_manager()

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["ends_at", "starts_at"], name="announcement_period")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="announcement_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title_en

    def title_in(self, language: str) -> str:
        return self.title_ru if language == "ru" else self.title_en

    def text_in(self, language: str) -> str:
        return self.text_ru if language == "ru" else self.text_en

    def get_absolute_url(self) -> str:
        return reverse("announcements:edit", args=[self.pk])


class Dismissal(models.Model):
    """A person closed the announcement's banner: it stays closed for them."""

    announcement = models.ForeignKey(
        Announcement,
        verbose_name=_("announcement"),
        related_name="dismissals",
        on_delete=models.CASCADE,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        related_name="+",
        on_delete=models.CASCADE,
    )
    created_at = models.DateTimeField(_("dismissed"), default=timezone.now)

    class Meta:
        verbose_name = _("dismissed banner")
        verbose_name_plural = _("dismissed banners")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "announcement"], name="announcement_dismissed_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.announcement_id}"
