import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _attachment_path(instance, filename: str) -> str:
    # A random name; the extension comes from the detected type, never from the upload.
    ext = {"photo": "jpg"}.get(instance.kind) or instance.extension or "bin"
    return f"chat/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


def _attachment_thumbnail_path(instance, filename: str) -> str:
    return f"chat/{timezone.now():%Y/%m}/{uuid.uuid4().hex}_thumb.jpg"


class Message(models.Model):
    """One message in a request's chat: a person's, or a system notice (no author)."""

    class Kind(models.TextChoices):
        USER = "user", _("User message")
        SYSTEM = "system", _("System message")

    service_request = models.ForeignKey(
        "service_requests.ServiceRequest",
        verbose_name=_("service request"),
        related_name="messages",
        on_delete=models.CASCADE,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        related_name="chat_messages",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.USER)
    text = models.TextField(_("text"), blank=True)
    # Which side wrote it, fixed when it was sent: delivery is decided by the other side.
    by_manager = models.BooleanField(_("written by a manager"), default=False)
    # A manager's internal note: only managers ever see it (page, socket, sync, e-mail).
    internal = models.BooleanField(_("internal note"), default=False)
    # What a system message reports, as data (e.g. {"type": "status", "from": "pending",
    # "to": "closed", "actor": "ivanova"}), so each reader sees it in their own language.
    event = models.JSONField(_("event"), null=True, blank=True)
    # Chosen by the sending browser; a retry with the same id returns the stored message.
    client_id = models.UUIDField(_("client id"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent"), default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    # When someone of the other side first read it (their ReadCursor passed it).
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["service_request", "author", "client_id"],
                name="chat_message_unique_client_id",
                condition=models.Q(client_id__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["service_request", "id"], name="chat_msg_request_id"),
            # The messages nobody of the other side has read yet: what a read receipt
            # updates (services._MARK_READ) without walking a long chat's read past.
            models.Index(
                fields=["service_request", "id"],
                name="chat_msg_unread",
                condition=models.Q(kind="user", internal=False, read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.text[:40]}"


class Attachment(models.Model):
    """A photo or video carried by a message."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        VIDEO = "video", _("Video")

    message = models.ForeignKey(
        Message, verbose_name=_("message"), related_name="attachments", on_delete=models.CASCADE
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=_attachment_path, max_length=200)
    thumbnail = models.ImageField(
        _("thumbnail"), upload_to=_attachment_thumbnail_path, max_length=200, blank=True
    )
    content_type = models.CharField(_("content type"), max_length=100)
    extension = models.CharField(_("extension"), max_length=10, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    original_name = models.CharField(_("original name"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.original_name or self.pk}"


class ReadCursor(models.Model):
    """How far one person has read one request's chat: a cursor, not a row per message.

    Every message of the request with an id up to `last_read_id` has been on the person's
    screen (or its page was opened without JavaScript). A message of the other side with a
    higher id is unread for them; system messages and their own side's never are.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        related_name="read_cursors",
        on_delete=models.CASCADE,
    )
    service_request = models.ForeignKey(
        "service_requests.ServiceRequest",
        verbose_name=_("service request"),
        related_name="read_cursors",
        on_delete=models.CASCADE,
    )
    last_read_id = models.PositiveBigIntegerField(_("last message read"), default=0)
    # How many of the request's counted messages (ServiceRequest.messages_from_*) have an id
    # up to last_read_id, per side: unread = the request's count - this, one row's read
    # (chat/unread.py). Both sides are kept, so a person who changes role still counts right.
    read_from_customers = models.PositiveIntegerField(
        _("customer messages read"), default=0, editable=False
    )
    read_from_managers = models.PositiveIntegerField(
        _("manager messages read"), default=0, editable=False
    )
    updated_at = models.DateTimeField(_("read at"), auto_now=True)

    class Meta:
        verbose_name = _("read position")
        verbose_name_plural = _("read positions")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "service_request"], name="chat_read_cursor_one_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.service_request_id}: {self.last_read_id}"


class SavedReply(models.Model):
    """A prepared text managers insert into the composer, in both languages."""

    title = models.CharField(_("title"), max_length=100)
    text_en = models.TextField(_("text in English"), max_length=4000)
    text_ru = models.TextField(_("text in Russian"), max_length=4000)
    is_active = models.BooleanField(_("in use"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    # A manager's proposal, not in use until a company admin accepts it (which clears this).
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        related_name="+",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )

    class Meta:
        verbose_name = _("saved reply")
        verbose_name_plural = _("saved replies")
        ordering = ["position", "title"]

    def __str__(self) -> str:
        return self.title
