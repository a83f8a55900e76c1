import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tenantdesk.core.models import TimeStampedModel
from tenantdesk.core.one_line import one_line
from tenantdesk.service_requests import payloads


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

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        NORMAL = "normal", _("Normal")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

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
    # Where it is (places): one of the organisation's leased premises or a common area of a
    # building where it leases; empty for an organisation with no lease recorded yet (a
    # manager places it later). `office` is the free text of the time before buildings,
    # kept as a note.
    location = models.ForeignKey(
        "places.Premises",
        verbose_name=_("location"),
        related_name="service_requests",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    office = models.CharField(_("office number"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    # The first photo; more are RequestPhoto rows. Optional for a request a manager took
    # by phone, required for a customer's (the service decides).
    photo = models.ImageField(_("photo"), upload_to=_photo_path, max_length=200, blank=True)
    photo_thumbnail = models.ImageField(
        _("thumbnail"), upload_to=_thumbnail_path, max_length=200, blank=True
    )
    # Chosen by the create form when it is shown: a second submission of the same form (a
    # double click, a resend after a lost answer) finds the request the first one made.
    submission_key = models.UUIDField(null=True, blank=True, editable=False)
    # The manager who owns the request, if any (issue 12: take, assign, unassign).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        related_name="assigned_requests",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    # Due times from the priority's targets (service_requests/due_times.py), and when they
    # were met: the first manager message, the closing.
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The people's messages of its chat that the other side reads (internal notes aside),
    # by the side that wrote them: a person's unread count is one of these minus what their
    # read position has passed (chat.models.ReadCursor), so no list or badge ever counts
    # messages. Kept by the chat's send service in the statement that stores the message.
    messages_from_customers = models.PositiveIntegerField(
        _("messages from the customer"), default=0, editable=False
    )
    messages_from_managers = models.PositiveIntegerField(
        _("messages from managers"), default=0, editable=False
    )
    # A new request opened about a closed one that can no longer be reopened.
    follow_up_of = models.ForeignKey(
        "self",
        verbose_name=_("follow-up of"),
        related_name="follow_ups",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )

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
            # Manager queues: Mine / Unassigned, and what falls due first.
            models.Index(fields=["status", "assignee"], name="sr_status_assignee"),
            models.Index(fields=["status", "resolution_due_at"], name="sr_status_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "submission_key"], name="sr_one_request_per_submission"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def clean_fields(self, exclude=None):
        # A title is one line however it arrives: the services (which run full_clean) and
        # the admin site's form come through here; before max_length counts it.
        if "title" not in (exclude or ()):
            self.title = one_line(self.title or "")
        super().clean_fields(exclude=exclude)

    def get_absolute_url(self) -> str:
        return reverse("service_requests:detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class RequestPhoto(models.Model):
    """A further photo of a request (the first is ServiceRequest.photo); up to 4 more."""

    service_request = models.ForeignKey(
        ServiceRequest,
        verbose_name=_("service request"),
        related_name="extra_photos",
        on_delete=models.CASCADE,
    )
    photo = models.ImageField(_("photo"), upload_to=_photo_path, max_length=200)
    photo_thumbnail = models.ImageField(_("thumbnail"), upload_to=_thumbnail_path, max_length=200)
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["service_request", "position"], name="sr_photo_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.service_request_id} photo {self.position}"


class RequestEvent(models.Model):
    """One thing that happened to a request, its one history (docs/lifecycle.md).

    Every service that changes a request records one (service_requests/events.py) in the
    same transaction and announces it with the one signal `request_event`; the chat's
    system messages, the live lists and the e-mails listen, and never work out what
    happened from other tables. `data` is the kind's typed payload (events.PAYLOADS).
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        STATUS = "status", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        UNASSIGNED = "unassigned", _("Unassigned")
        PRIORITY = "priority", _("Priority changed")
        RATED = "rated", _("Rated")
        # Places and incidents (issue 22).
        LOCATED = "located", _("Location set")
        INCIDENT_LINKED = "incident_linked", _("Linked to an incident")
        INCIDENT_UNLINKED = "incident_unlinked", _("Unlinked from an incident")

    service_request = models.ForeignKey(
        ServiceRequest,
        verbose_name=_("service request"),
        related_name="events",
        on_delete=models.CASCADE,
    )
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    # Who did it; empty for what the service itself does (none yet: kept for a later
    # incident's or a schedule's steps).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        related_name="+",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("history")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["service_request", "created_at"], name="sr_event_request_time"),
        ]

    def __str__(self) -> str:
        return f"#{self.service_request_id} {self.kind}"

    @property
    def payload(self) -> payloads.Payload:
        """`data` as its kind's dataclass (service_requests/payloads.py)."""
        return PAYLOADS[self.kind].from_data(self.data)


PAYLOADS: dict[str, type[payloads.Payload]] = {
    RequestEvent.Kind.CREATED: payloads.Created,
    RequestEvent.Kind.STATUS: payloads.StatusChanged,
    RequestEvent.Kind.ASSIGNED: payloads.Assigned,
    RequestEvent.Kind.UNASSIGNED: payloads.Unassigned,
    RequestEvent.Kind.PRIORITY: payloads.PriorityChanged,
    RequestEvent.Kind.RATED: payloads.Rated,
    RequestEvent.Kind.LOCATED: payloads.Located,
    RequestEvent.Kind.INCIDENT_LINKED: payloads.IncidentLink,
    RequestEvent.Kind.INCIDENT_UNLINKED: payloads.IncidentUnlink,
}


class Rating(models.Model):
    """A customer's rating of how a closed request was handled."""

    service_request = models.OneToOneField(
        ServiceRequest,
        verbose_name=_("service request"),
        related_name="rating",
        on_delete=models.CASCADE,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("rated by"),
        related_name="+",
        on_delete=models.PROTECT,
    )
    # The assignee when it was closed: the admin site averages ratings per manager.
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        related_name="ratings_received",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    score = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("rated at"), default=timezone.now)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="sr_rating_one_to_five"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.service_request_id}: {self.score}"


class RequestFollower(models.Model):
    """A member of the request's organisation who gets its notifications (issue 21).

    The author follows from creation (services/create.py), a customer who writes in the
    chat from their first message (chat.services.send), anyone of the organisation by the
    request page's Follow button; Unfollow removes the row. The customer side of every
    notification goes to the followers who are still active members of the request's
    organisation (notifications.recipients); seeing the request does not depend on it
    (service_requests.access: every member sees all the organisation's requests).
    """

    service_request = models.ForeignKey(
        ServiceRequest,
        verbose_name=_("service request"),
        related_name="followers",
        on_delete=models.CASCADE,
        # The unique constraint's index (request, user) serves "followers of a request".
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        related_name="followed_requests",
        on_delete=models.CASCADE,
        # The index (user, request) below serves "requests I follow".
        db_index=False,
    )
    created_at = models.DateTimeField(_("following since"), default=timezone.now)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [
            # One row per person and request: following twice (a double click, two
            # messages at once) is INSERT … ON CONFLICT DO NOTHING, never a lookup first.
            models.UniqueConstraint(fields=["service_request", "user"], name="sr_follower_unique"),
        ]
        indexes = [
            # The customers' "Mine" tab: the requests a person follows.
            models.Index(fields=["user", "service_request"], name="sr_follower_user_request"),
        ]

    def __str__(self) -> str:
        return f"#{self.service_request_id} ← {self.user_id}"
