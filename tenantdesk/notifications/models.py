from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailPreferences(models.Model):
    """Which e-mails one person gets. A person without a row gets every kind that
    applies to their side (the defaults below)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        related_name="email_preferences",
        on_delete=models.CASCADE,
    )
    missed_messages = models.BooleanField(_("messages I missed"), default=True)
    status_changes = models.BooleanField(_("status changes"), default=True)
    # Managers only: a new request of any organisation.
    new_requests = models.BooleanField(_("new requests"), default=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("e-mail preferences")
        verbose_name_plural = _("e-mail preferences")

    def __str__(self) -> str:
        return str(self.user)


class PushSubscription(models.Model):
    """A browser's Web Push subscription (from PushManager.subscribe) for one person."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        related_name="push_subscriptions",
        on_delete=models.CASCADE,
    )
    # The push service's URL for this browser: unique, it names the subscription.
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(_("public key"), max_length=200)
    auth = models.CharField(_("auth secret"), max_length=100)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"{self.user} {self.endpoint[:40]}"
