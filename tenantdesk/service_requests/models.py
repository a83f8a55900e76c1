import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenantdesk.core.models import TimeStampedModel


def _photo_path(instance, filename: str) -> str:
    # A random name: the uploader's file name is neither trusted nor revealed.
    return f"requests/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.jpg"


def _thumbnail_path(instance, filename: str) -> str:
    return f"requests/{timezone.now():%Y/%m}/{uuid.uuid4().hex}_thumb.jpg"


class ServiceRequest(TimeStampedModel):
    """A maintenance request of one organisation, and the subject of one chat."""

    class Type(models.TextChoices):
        ELECTRICAL = "electrical", _("Electrical")
        PLUMBING = "plumbing", _("Plumbing")
        VENTILATION = "ventilation", _("Ventilation")
        COMMUNICATIONS = "communications", _("Communications & CCTV")
        CARPENTRY = "carpentry", _("Carpentry")
        CLEANING = "cleaning", _("Cleaning")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        IN_PROGRESS = "in_progress", _("In progress")
        CLOSED = "closed", _("Closed")

    ACTIVE_STATUSES = (Status.PENDING, Status.IN_PROGRESS)

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        related_name="service_requests",
        on_delete=models.PROTECT,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        related_name="service_requests",
        on_delete=models.PROTECT,
    )
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=5000)
    office = models.CharField(_("office number"), max_length=20)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    photo = models.ImageField(_("photo"), upload_to=_photo_path, max_length=200)
    photo_thumbnail = models.ImageField(
        _("thumbnail"), upload_to=_thumbnail_path, max_length=200, blank=True
    )
    # Chosen by the create form when it is shown: a second submission of the same form (a
    # double click, a resend after a lost answer) finds the request the first one made.
    submission_key = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["-last_activity_at", "-id"]
        indexes = [
            # Customer list: one organisation's active requests, newest activity first.
            models.Index(
                fields=["organisation", "status", "-last_activity_at"],
                name="sr_org_status_activity",
            ),
            # Manager list: all active requests, newest activity first.
            models.Index(fields=["status", "-last_activity_at"], name="sr_status_activity"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "submission_key"], name="sr_one_request_per_submission"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("service_requests:detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class StatusChange(models.Model):
    """One step of a request's history: from which status to which, who, when."""

    service_request = models.ForeignKey(
        ServiceRequest,
        verbose_name=_("service request"),
        related_name="status_changes",
        on_delete=models.CASCADE,
    )
    from_status = models.CharField(_("from"), max_length=20, choices=ServiceRequest.Status.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=ServiceRequest.Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        related_name="+",
        on_delete=models.PROTECT,
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status history")
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
