"""The chat's HTTP side: the JSON fallback over the same services as the socket, the
access-checked attachment downloads, and the panel's context."""

from __future__ import annotations

import json
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tenantdesk.chat import selectors, services
from tenantdesk.chat.models import Attachment
from tenantdesk.chat.ratelimit import http_send_allowed
from tenantdesk.chat.serializers import message_data, message_for_reader
from tenantdesk.core.body_limit import body_limit
from tenantdesk.core.images import ACCEPT_ATTRIBUTE
from tenantdesk.core.permissions import (
    access_service_request,
    can_post_message,
)
from tenantdesk.core.private_files import serve_private_file

VIDEO_ACCEPT = "video/mp4,video/webm,video/quicktime"


def _error(status: int, code: str, detail) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "detail": str(detail)}}, status=status)


def _json_login_required(view):
    """A signed-out caller of a JSON endpoint gets 401, not a sign-in page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _error(401, "signed_out", _("Sign in again to continue."))
        return view(request, *args, **kwargs)

    return wrapper


def _page_json(request, page) -> dict:
    return {
        "messages": [
            message_for_reader(message_data(m), reader_id=request.user.pk) for m in page.messages
        ],
        "has_more": page.has_more,
    }


def _optional_id(request, name: str) -> int | None:
    raw = request.GET.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError(_("%(name)s must be a message id.") % {"name": name}) from None
    if not selectors.is_message_id(value):
        raise ValidationError(_("%(name)s must be a message id.") % {"name": name})
    return value


def _message_upload_bytes() -> int:
    # Any of the attachments may be a video, the largest kind of file.
    return settings.CHAT_MAX_ATTACHMENTS * max(settings.VIDEO_MAX_BYTES, settings.IMAGE_MAX_BYTES)


@body_limit(upload_bytes=_message_upload_bytes, json=True)
@_json_login_required
@require_http_methods(["GET", "POST"])
def messages(request, pk: int):
    """GET: ?after=<id> (oldest first, what was missed) or ?before=<id> (an earlier page)
    or neither (the latest page); &limit=. POST (multipart): text, client_id, files."""
    service_request = access_service_request(request.user, pk)
    if request.method == "POST":
        return _post_message(request, service_request)
    try:
        after = _optional_id(request, "after")
        before = _optional_id(request, "before")
    except ValidationError as error:
        return _error(400, "invalid", error.messages[0])
    limit = request.GET.get("limit", selectors.PAGE_SIZE)
    if after is not None:
        page = selectors.messages_after(
            service_request=service_request, after_id=after, limit=limit
        )
    else:
        page = selectors.messages_before(
            service_request=service_request, before_id=before, limit=limit
        )
    return JsonResponse(_page_json(request, page))


def _post_message(request, service_request):
    if not http_send_allowed(request.user.pk):
        return _error(
            429, "rate_limited", _("You are sending messages too fast; wait a few seconds.")
        )
    try:
        message = services.message_send(
            author=request.user,
            service_request=service_request,
            text=request.POST.get("text", ""),
            client_id=request.POST.get("client_id") or None,
            attachments=request.FILES.getlist("files"),
        )
    except ValidationError as error:
        return _error(400, error.code or "invalid", error.messages[0])
    except services.RequestClosed as error:
        return _error(403, "closed", error)
    payload = message_for_reader(message_data(message), reader_id=request.user.pk)
    return JsonResponse({"message": payload}, status=201 if message.was_created else 200)


@body_limit(json=True)
@_json_login_required
@require_POST
def delivered(request, pk: int):
    """POST {"ids": [...]} (JSON) or ids=1&ids=2 (form): mark the other side's messages."""
    service_request = access_service_request(request.user, pk)
    if request.content_type == "application/json":
        try:
            ids = json.loads(request.body or b"{}").get("ids")
        except (ValueError, AttributeError):
            return _error(400, "malformed", _("The request body is not valid JSON."))
    else:
        ids = request.POST.getlist("ids")
    if not isinstance(ids, list):
        return _error(400, "invalid", _("Give a list of message ids."))
    try:
        receipts = services.messages_mark_delivered(
            reader=request.user, service_request=service_request, message_ids=ids
        )
    except ValidationError as error:
        return _error(400, error.code or "invalid", error.messages[0])
    return JsonResponse({"receipts": receipts})


def _visible_attachment(request, attachment_id: int) -> Attachment:
    attachment = get_object_or_404(Attachment.objects.select_related("message"), pk=attachment_id)
    # The request decides: an attachment of a request you cannot see does not exist for you.
    access_service_request(request.user, attachment.message.service_request_id)
    return attachment


@login_required
@require_GET
def attachment(request, attachment_id: int, thumbnail: bool = False):
    """An attachment (or its photo thumbnail) for someone who may see its request."""
    item = _visible_attachment(request, attachment_id)
    if thumbnail:
        return serve_private_file(
            request,
            item.thumbnail,
            content_type="image/jpeg",
            download_name=f"attachment-{item.pk}-thumb.jpg",
        )
    return serve_private_file(
        request,
        item.file,
        content_type=item.content_type,
        download_name=f"attachment-{item.pk}.{item.extension or 'bin'}",
    )


def chat_context(request, service_request) -> dict:
    """What chat/panel.html needs; the request page merges this into its context."""
    page = selectors.messages_before(service_request=service_request)
    closed = not can_post_message(request.user, service_request)
    config = {
        "requestId": service_request.pk,
        "userId": request.user.pk,
        "closed": closed,
        "language": get_language(),
        "timeZone": timezone.get_current_timezone_name(),
        "wsPath": f"/ws/request/{service_request.pk}/?lang={get_language()}",
        "messagesUrl": reverse("chat:messages", args=[service_request.pk]),
        "deliveredUrl": reverse("chat:delivered", args=[service_request.pk]),
        "maxLength": settings.CHAT_MESSAGE_MAX_LENGTH,
        "maxAttachments": settings.CHAT_MAX_ATTACHMENTS,
        "videoMaxBytes": settings.VIDEO_MAX_BYTES,
        "imageMaxBytes": settings.IMAGE_MAX_BYTES,
        "initial": _page_json(request, page),
        "strings": {
            "sent": _("Sent"),
            "delivered": _("Delivered"),
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
        },
    }
    return {
        "chat_config": config,
        "chat_closed": closed,
        "chat_max_length": settings.CHAT_MESSAGE_MAX_LENGTH,
        "chat_max_attachments": settings.CHAT_MAX_ATTACHMENTS,
        "chat_accept": f"{ACCEPT_ATTRIBUTE},{VIDEO_ACCEPT}",
    }
