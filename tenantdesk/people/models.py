"""Invitations into an organisation, and the audit log of who joined, left or changed role.

An invitation's link is never stored: the row keeps a random nonce, the link's token is
an HMAC of it under SECRET_KEY (people/tokens.py), and lookups go by the token's SHA-256.
Reading the database gives no working link; a new nonce (resend) kills the old link.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenantdesk.accounts.models import Organisation, OrganisationRole


class InvitationRole(models.TextChoices):
    """What an invitation makes of the person: one of an organisation's roles, or a
    manager of the company (an invitation without an organisation)."""

    MEMBER = OrganisationRole.MEMBER.value, OrganisationRole.MEMBER.label
    ADMIN = OrganisationRole.ADMIN.value, OrganisationRole.ADMIN.label
    MANAGER = "manager", _("Manager")


class Invitation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    # None: into the management company's team (role "manager").
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        related_name="invitations",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    email = models.EmailField(_("e-mail"))
    role = models.CharField(
        _("role"),
        max_length=10,
        choices=InvitationRole.choices,
        default=InvitationRole.MEMBER,
    )
    # The language of the invitation e-mail and of the page it opens.
    language = models.CharField(_("language"), max_length=10)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        related_name="+",
        null=True,
        on_delete=models.SET_NULL,
    )
    nonce = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("invited"), default=timezone.now)
    sent_at = models.DateTimeField(_("last sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-sent_at"]
        indexes = [models.Index(fields=["organisation", "email"])]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation_id or 'company'}"

    @property
    def joins(self) -> str:
        """What accepting joins, for people: the organisation's name or the company's team."""
        if self.organisation is not None:
            return self.organisation.name
        return str(_("the management company's team"))

    @property
    def status(self) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PENDING


class MembershipEvent(models.Model):
    """One line of the audit log of memberships and roles (SPEC "Organisations and people").

    Written in the same transaction as the change it records; never edited. The people it
    names may be gone later: the e-mail and names at the time are kept in the row."""

    class Kind(models.TextChoices):
        INVITED = "invited", _("Invited")
        INVITATION_RESENT = "invitation_resent", _("Invitation sent again")
        INVITATION_REVOKED = "invitation_revoked", _("Invitation revoked")
        JOINED = "joined", _("Joined")
        ROLE_CHANGED = "role_changed", _("Role changed")
        REMOVED = "removed", _("Removed")
        DETAILS_CHANGED = "details_changed", _("Organisation details changed")
        DEACTIVATED = "deactivated", _("Manager deactivated")
        TWO_FACTOR_ON = "two_factor_on", _("Two-factor sign-in turned on")
        TWO_FACTOR_OFF = "two_factor_off", _("Two-factor sign-in turned off")
        PASSWORD_RESET = "password_reset", _("Password reset by e-mail")

    created_at = models.DateTimeField(_("time"), default=timezone.now)
    # None: the company's team (managers).
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        related_name="membership_events",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    actor_name = models.CharField(_("by (name)"), max_length=300, blank=True)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    email = models.EmailField(_("e-mail"), blank=True)
    # What changed, e.g. {"from": "member", "to": "admin"} for a role.
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("membership event")
        verbose_name_plural = _("membership log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.email}"
