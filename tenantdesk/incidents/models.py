"""Incidents: one cause (a lift out of order, a power cut) and the many requests about it
(docs/incidents.md).

A request belongs to at most one incident (IncidentLink's request is unique); an update a
manager posts is written once here and goes into every linked chat as that manager's
message (services/updates.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenantdesk.core.one_line import one_line
from tenantdesk.service_requests.models import ServiceRequest


class Incident(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=120)
    building = models.ForeignKey(
        "places.Building",
        verbose_name=_("building"),
        related_name="incidents",
        on_delete=models.PROTECT,
    )
    type = models.CharField(_("type"), max_length=20, choices=ServiceRequest.Type.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        related_name="+",
        on_delete=models.PROTECT,
    )
    created_at = models.DateTimeField(_("since"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        related_name="+",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The known issues of a member's buildings, and the managers' open list.
            models.Index(fields=["status", "building", "type"], name="incident_open_building"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("incidents:detail", args=[self.pk])

    def clean_fields(self, exclude=None):
        if "title" not in (exclude or ()):
            self.title = one_line(self.title or "")
        super().clean_fields(exclude=exclude)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class IncidentLink(models.Model):
    """A request grouped into an incident: at most one incident per request."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), related_name="links", on_delete=models.CASCADE
    )
    service_request = models.OneToOneField(
        ServiceRequest,
        verbose_name=_("service request"),
        related_name="incident_link",
        on_delete=models.CASCADE,
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("linked by"),
        related_name="+",
        on_delete=models.PROTECT,
    )
    linked_at = models.DateTimeField(_("linked"), default=timezone.now)

    class Meta:
        verbose_name = _("linked request")
        verbose_name_plural = _("linked requests")
        ordering = ["linked_at", "id"]

    def __str__(self) -> str:
        return f"{self.incident_id} ← #{self.service_request_id}"


class IncidentUpdate(models.Model):
    """What a manager told every linked chat at once."""

    incident = models.ForeignKey(
        Incident, verbose_name=_("incident"), related_name="updates", on_delete=models.CASCADE
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        related_name="+",
        on_delete=models.PROTECT,
    )
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    # The posting form's key: the same form sent twice is one update (services/updates.py).
    client_id = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("incident update")
        verbose_name_plural = _("incident updates")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "client_id"], name="incident_update_one_per_form"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.text[:40]}"
