"""The chat panel on a request's page: what chat/panel.html needs, and the
{% chat_panel service_request %} tag that renders it (tenantdesk/chat/templatetags/chat.py)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tenantdesk.chat import selectors
from tenantdesk.chat.read_marker import read_marker_token
from tenantdesk.chat.serializers import message_data, message_for_language
from tenantdesk.chat.video import ACCEPT_ATTRIBUTE as VIDEO_ACCEPT
from tenantdesk.chat.without_script import GROUP_SECONDS, messages_without_script
from tenantdesk.core.images import ACCEPT_ATTRIBUTE as IMAGE_ACCEPT
from tenantdesk.service_requests.access import (
    can_post_message,
    can_read_internal_notes,
    can_write_internal_note,
)


def page_json(request, page) -> dict:
    """A page of messages as the reader receives it."""
    return {
        "messages": [message_for_language(message_data(m)) for m in page.messages],
        "has_more": page.has_more,
    }


def panel_context(request, service_request) -> dict:
    """What chat/panel.html needs to show one request's conversation to this reader."""
    page = selectors.messages_before(
        service_request=service_request,
        include_internal=can_read_internal_notes(request.user),
    )
    closed = not can_post_message(request.user, service_request)
    initial = page_json(request, page)
    read_up_to = selectors.read_position(user=request.user, service_request=service_request)
    today = timezone.localdate()
    days = {"today": today.isoformat(), "yesterday": (today - timedelta(days=1)).isoformat()}
    config = {
        "requestId": service_request.pk,
        "userId": request.user.pk,
        "closed": closed,
        "language": get_language(),
        "timeZone": timezone.get_current_timezone_name(),
        "wsPath": f"/ws/request/{service_request.pk}/?lang={get_language()}",
        "messagesUrl": reverse("chat:messages", args=[service_request.pk]),
        "deliveredUrl": reverse("chat:delivered", args=[service_request.pk]),
        "readUrl": reverse("chat:read", args=[service_request.pk]),
        # The reader's read position when the page opened: what is above it gets the
        # "New messages" divider, and the page reports reading only beyond it.
        "readUpTo": read_up_to,
        "maxLength": settings.CHAT_MESSAGE_MAX_LENGTH,
        "maxAttachments": settings.CHAT_MAX_ATTACHMENTS,
        "videoMaxBytes": settings.VIDEO_MAX_BYTES,
        "imageMaxBytes": settings.IMAGE_MAX_BYTES,
        "accept": f"{IMAGE_ACCEPT},{VIDEO_ACCEPT}".split(","),
        # One author's messages this close together share one header (without_script.py).
        "groupSeconds": GROUP_SECONDS,
        **days,
        "initial": initial,
        # Managers get the composer's "Internal note" switch (docs/internal-notes.md).
        "canWriteNote": can_write_internal_note(request.user, service_request),
        "strings": {
            "sent": _("Sent"),
            "delivered": _("Delivered"),
            "read": _("Read"),
            "newMessages": _("New messages"),
            "sending": _("Sending…"),
            "failed": _("Not sent"),
            "online": _("Connected"),
            "connecting": _("Connecting…"),
            "offline": _("Offline: messages will be sent when the connection returns"),
            "disconnected": _("Disconnected"),
            "signedOut": _("You have been signed out. Sign in again to continue."),
            "notFound": _("This chat is no longer available to you."),
            "closed": _("This request is closed; the chat is read-only."),
            "loadEarlier": _("Load earlier messages"),
            "loading": _("Loading…"),
            "noMessages": _("No messages yet."),
            "remove": _("Remove"),
            "tooManyFiles": _("At most %(max)s files per message.")
            % {"max": settings.CHAT_MAX_ATTACHMENTS},
            "uploadFailed": _("The upload failed."),
            "video": _("Video"),
            "photo": _("Photo"),
            "you": _("You"),
            "tooLong": _("The message is too long."),
            "internalNote": _("Internal note"),
            "notePlaceholder": _("Write an internal note (managers only)…"),
            "today": _("Today"),
            "yesterday": _("Yesterday"),
            # {name} and {size} are filled in by the composer.
            "fileType": _(
                "“{name}” cannot be sent: only photos (JPEG, PNG, WebP) and videos "
                "(MP4, WebM, QuickTime)."
            ),
            "fileTooBig": _("“{name}” is too large: at most {size}."),
            "megabytes": _("{size} MB"),
        },
    }
    refused = getattr(request, "chat_form_refused", None) or {}  # views._refused_form
    return {
        "chat_config": config,
        "chat_read_marker_url": _read_marker_url(request, service_request, initial, read_up_to),
        "chat_messages_without_script": messages_without_script(
            initial["messages"], reader_id=request.user.pk, **days, words=config["strings"]
        ),
        "chat_post_url": config["messagesUrl"],
        "chat_form_client_id": refused.get("client_id") or uuid.uuid4(),
        "chat_form_error": refused.get("error"),
        "chat_form_text": refused.get("text"),
        "chat_closed": closed,
        "chat_can_write_note": config["canWriteNote"],
        "chat_max_length": settings.CHAT_MESSAGE_MAX_LENGTH,
        "chat_max_attachments": settings.CHAT_MAX_ATTACHMENTS,
        "chat_accept": f"{IMAGE_ACCEPT},{VIDEO_ACCEPT}",
    }


def _read_marker_url(request, service_request, initial: dict, read_up_to: int) -> str | None:
    """Where the page's <noscript> image reports that the page showed its newest message
    (read_marker.py), or None when there is nothing new to report."""
    newest = max((message["id"] for message in initial["messages"]), default=0)
    if newest <= read_up_to:
        return None
    token = read_marker_token(
        user_id=request.user.pk, service_request_id=service_request.pk, up_to_id=newest
    )
    return reverse("chat:read_marker", args=[service_request.pk, token])
