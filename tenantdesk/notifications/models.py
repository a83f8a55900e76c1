from django.conf import settings
from django.db import models
from django.utils import timezone
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
    # Members only: an announcement for a building where their organisation leases.
    announcements = models.BooleanField(_("announcements"), default=True)
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


class Side(models.TextChoices):
    """Which side of a request a person speaks for; e-mails go to one side at a time."""

    CUSTOMER = "customer", _("Customer side")
    MANAGER = "manager", _("Manager side")


class PendingDigest(models.Model):
    """A digest job is waiting in the queue for this request and side, due at `due_at`.

    At most one row per request and side (a unique constraint), so a busy chat costs one
    indexed lookup per message instead of a job per message and recipient: the message
    that finds no row early enough makes one and enqueues the job, the others only look.
    The job deletes the row when it starts and makes a new one if something is still due
    later (tenantdesk/notifications/digests.py).
    """

    service_request = models.ForeignKey(
        "service_requests.ServiceRequest",
        verbose_name=_("service request"),
        related_name="+",
        on_delete=models.CASCADE,
    )
    # Whose digest: the people of this side get the other side's messages.
    side = models.CharField(_("side"), max_length=10, choices=Side.choices)
    due_at = models.DateTimeField(_("due"))

    class Meta:
        verbose_name = _("scheduled digest")
        verbose_name_plural = _("scheduled digests")
        constraints = [
            models.UniqueConstraint(
                fields=["service_request", "side"], name="notifications_one_pending_digest"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_request_id}/{self.side} @ {self.due_at:%Y-%m-%d %H:%M:%S}"


class EmailDelivery(models.Model):
    """One e-mail decided for one person, claimed before it is sent.

    `key` is unique: whoever inserts it first owns the e-mail, so two workers (or a job
    run twice) can never send the same one twice. The key of a digest names the person,
    the request and its window, the stretch of the chat after what the previous digest
    covered (`digest:<user>:<request>:<up_to of the previous one>`); a closing and a reopening
    name the status change, a new request the request, an announcement its revision
    (`announcement:<id>:<revision>:<user>`).
    """

    class Kind(models.TextChoices):
        DIGEST = "digest", _("Messages missed")
        CLOSED = "closed", _("Request closed")
        NEW_REQUEST = "new_request", _("New request")
        REOPENED = "reopened", _("Request reopened")
        ANNOUNCEMENT = "announcement", _("Announcement")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Not needed any more")
        FAILED = "failed", _("Failed")

    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        related_name="email_deliveries",
        on_delete=models.CASCADE,
    )
    # What the e-mail is about: a request, or (kind "announcement") an announcement.
    service_request = models.ForeignKey(
        "service_requests.ServiceRequest",
        verbose_name=_("service request"),
        related_name="+",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    announcement = models.ForeignKey(
        "announcements.Announcement",
        verbose_name=_("announcement"),
        related_name="+",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
    )
    # The request's event that caused it (a closing, a reopening, a creation); a digest has
    # none (messages cause it): "why did this person get this e-mail" is one join.
    event = models.ForeignKey(
        "service_requests.RequestEvent",
        verbose_name=_("caused by"),
        related_name="+",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    # A digest: the newest message it lists; the next digest's window starts after it.
    up_to_message_id = models.PositiveBigIntegerField(_("up to message"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # When a worker last took it (pending → sending): a row still "sending" long after this
    # belongs to a worker that died (notifications/stale.py).
    claimed_at = models.DateTimeField(_("taken for sending"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        ordering = ["-id"]
        indexes = [
            # The latest digest of a person for a request: its window and the rate limit.
            models.Index(
                fields=["user", "service_request", "kind", "-id"], name="notif_delivery_latest"
            ),
            # The stale-job sweep's look for rows left "sending" (a handful among many).
            models.Index(
                fields=["claimed_at"],
                name="notif_delivery_sending",
                condition=models.Q(status="sending"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(service_request__isnull=False)
                | models.Q(announcement__isnull=False),
                name="notif_delivery_about_something",
            ),
        ]

    def __str__(self) -> str:
        return self.key
