from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from tenantdesk.core.models import TimeStampedModel


class Organisation(TimeStampedModel):
    """A tenant company; its members are users whose `organisation` points here."""

    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300)
    phone = PhoneNumberField(_("contact phone"))

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in: a customer (has an organisation) or a manager (in the group)."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        related_name="members",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self) -> str:
        """How the person is shown everywhere (nav, chat, history, e-mail): first and last
        name, or the user name when they have given none."""
        return self.get_full_name().strip() or self.get_username()


class SignInEvent(models.Model):
    """One line of the sign-in log: who tried what, from where, and how it ended."""

    class Kind(models.TextChoices):
        SIGNED_IN = "signed_in", _("Signed in")
        SIGNED_OUT = "signed_out", _("Signed out")
        FAILED = "failed", _("Failed sign-in")
        LOCKED_OUT = "locked_out", _("Locked out")

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    username = models.CharField(_("user name tried"), max_length=150, blank=True)
    user = models.ForeignKey(
        User, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL
    )
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("sign-in event")
        verbose_name_plural = _("sign-in log")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["ip_address", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.username} {self.ip_address}"
