"""Where the company's tenants are: buildings, their premises, and leases (docs/places.md).

A lease gives an organisation premises for a period; what an organisation may report about
(its current places) is worked out from its leases on a given day (places/selectors.py).
"""

from __future__ import annotations

import secrets
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenantdesk.core.models import TimeStampedModel


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Not a time zone: %(value)s."), params={"value": value})


def new_qr_token() -> str:
    # 16 URL-safe characters (96 bits): unguessable, and not an id (SPEC "QR codes").
    return secrets.token_urlsafe(12)


class Building(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120, unique=True)
    address = models.CharField(_("address"), max_length=255)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="Europe/Moscow",
        validators=[validate_time_zone],
        help_text=_("Announcements' times are given in it, e.g. Europe/Moscow."),
    )
    # The managers who look after the building: their "My buildings" tab and its new
    # requests' e-mails (every manager when a building has none).
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("managers"),
        related_name="managed_buildings",
        blank=True,
    )

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Premises(TimeStampedModel):
    class Kind(models.TextChoices):
        OFFICE = "office", _("Office")
        STORAGE = "storage", _("Storage")
        PARKING = "parking", _("Parking")
        COMMON_AREA = "common_area", _("Common area")

    LEASABLE = (Kind.OFFICE, Kind.STORAGE, Kind.PARKING)

    building = models.ForeignKey(
        Building, verbose_name=_("building"), related_name="premises", on_delete=models.PROTECT
    )
    # "204", "P-12", or a common area's name ("Lobby", "Lift 2").
    unit = models.CharField(_("unit"), max_length=40)
    floor = models.CharField(_("floor"), max_length=10, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OFFICE)
    # What the printed QR sheet's code carries; rotated from the company's pages.
    qr_token = models.CharField(
        _("QR token"), max_length=32, unique=True, default=new_qr_token, editable=False
    )

    class Meta:
        verbose_name = _("premises")
        verbose_name_plural = _("premises")
        ordering = ["building__name", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["building", "unit"], name="places_unique_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.building.name}, {self.unit}"

    @property
    def is_common_area(self) -> bool:
        return self.kind == self.Kind.COMMON_AREA


class Lease(TimeStampedModel):
    """Premises let to an organisation from `start` to `end` (both days included; no end:
    open-ended). Two organisations' leases of the same premises never overlap
    (places/leases.py checks it under a lock of the premises' row)."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        related_name="leases",
        on_delete=models.PROTECT,
    )
    premises = models.ForeignKey(
        Premises, verbose_name=_("premises"), related_name="leases", on_delete=models.PROTECT
    )
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)

    class Meta:
        verbose_name = _("lease")
        verbose_name_plural = _("leases")
        ordering = ["premises", "start"]
        indexes = [models.Index(fields=["organisation", "start"], name="places_lease_org_start")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="places_lease_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.premises}"
