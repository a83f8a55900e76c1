"""The chat's HTTP side: the JSON fallback over the same services as the socket and the
access-checked attachment downloads."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tenantdesk.chat import selectors
from tenantdesk.chat.broadcast import sent_together
from tenantdesk.chat.ids import parse_message_id
from tenantdesk.chat.models import Attachment
from tenantdesk.chat.panel import page_json
from tenantdesk.chat.ratelimit import check_send_rate
from tenantdesk.chat.read_marker import read_marker_up_to
from tenantdesk.chat.serializers import message_data, message_for_language
from tenantdesk.chat.services.read_state import messages_mark_read
from tenantdesk.chat.services.receipts import messages_mark_delivered
from tenantdesk.chat.services.send import message_send
from tenantdesk.core.body_limit import body_limit
from tenantdesk.core.errors import RateLimited, describe, json_endpoint
from tenantdesk.core.private_files import serve_private_file
from tenantdesk.service_requests.access import access_service_request, can_read_internal_notes
from tenantdesk.service_requests.views.detail import detail as request_page


def _optional_id(request, name: str) -> int | None:
    raw = request.GET.get(name)
    return None if raw in (None, "") else parse_message_id(raw, name=name)


def _message_upload_bytes() -> int:
    # Any of the attachments may be a video, the largest kind of file.
    return settings.CHAT_MAX_ATTACHMENTS * max(settings.VIDEO_MAX_BYTES, settings.IMAGE_MAX_BYTES)


@body_limit(upload_bytes=_message_upload_bytes)
@json_endpoint(methods=["GET", "POST"])
def messages(request, pk: int):
    """GET: ?after=<id> (oldest first, what was missed) or ?before=<id> (an earlier page)
    or neither (the latest page); &limit=. POST (multipart): text, client_id, files."""
    service_request = access_service_request(request.user, pk)
    if request.method == "POST":
        return _post_message(request, service_request)
    after = _optional_id(request, "after")
    before = _optional_id(request, "before")
    limit = request.GET.get("limit", selectors.PAGE_SIZE)
    notes = can_read_internal_notes(request.user)
    if after is not None:
        page = selectors.messages_after(
            service_request=service_request, after_id=after, limit=limit, include_internal=notes
        )
    else:
        page = selectors.messages_before(
            service_request=service_request, before_id=before, limit=limit, include_internal=notes
        )
    return JsonResponse(page_json(request, page))


def _post_message(request, service_request):
    if not _from_script(request):
        return _post_form(request, service_request)
    check_send_rate(request.user.pk)
    with sent_together():  # the request's group and both inboxes: one trip
        message = message_send(
            author=request.user,
            service_request=service_request,
            text=request.POST.get("text", ""),
            client_id=request.POST.get("client_id") or None,
            attachments=request.FILES.getlist("files"),
            access_checked=True,  # messages() has just asked service_requests.access
            internal=_internal_flag(request),
        )
    data = getattr(message, "data", None) or message_data(message)  # built when stored
    payload = message_for_language(data)
    return JsonResponse({"message": payload}, status=201 if message.was_created else 200)


def _from_script(request) -> bool:
    """JSON unless a browser asks for a page: the script asks for JSON, a page without
    scripts posts its plain form (chat/panel.html) and its browser asks for HTML."""
    accept = request.headers.get("Accept", "")
    return "text/html" not in accept or "application/json" in accept


def _post_form(request, service_request):
    """The composer's form from a page without JavaScript: stored, then back to the chat
    (303, so a reload does not post again; the form's client_id stores one message even
    if it does). Refused: the request's page again with the error's status (400 for bad
    input), the reason above the message box and the text kept."""
    try:
        check_send_rate(request.user.pk)
        with sent_together():
            message_send(
                author=request.user,
                service_request=service_request,
                text=request.POST.get("text", ""),
                client_id=request.POST.get("client_id") or None,
                attachments=request.FILES.getlist("files"),
                access_checked=True,
                internal=_internal_flag(request),
            )
    except (ValidationError, PermissionDenied, RateLimited) as error:
        status, _code, detail = describe(error)
        # Read by chat.panel.panel_context: the page shows the reason and keeps the text.
        request.chat_form_refused = {
            "error": detail,
            "text": request.POST.get("text", ""),
            "client_id": request.POST.get("client_id") or None,
        }
        response = request_page(request, service_request.pk)
        response.status_code = status  # 400, or 403 (a customer's note), 429 (too fast)
        return response
    return HttpResponseRedirect(f"{service_request.get_absolute_url()}#chat", status=303)


def _internal_flag(request) -> bool:
    """The form's `internal` (an internal note): absent, "" or "false" is no; the service
    refuses a yes from anyone but a manager."""
    value = request.POST.get("internal", "").strip().lower()
    if value in ("", "0", "false", "off"):
        return False
    if value in ("1", "true", "on"):
        return True
    raise ValidationError(_("“internal” must be true or false."), code="invalid")


def _json_body(request) -> dict | None:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):
        raise ValidationError(_("The request body is not valid JSON."), code="malformed") from None
    return body if isinstance(body, dict) else None


def _delivered_ids(request):
    """The ids of a delivered report: {"ids": [...]} as JSON, or ids=1&ids=2 as a form."""
    if request.content_type != "application/json":
        return request.POST.getlist("ids")
    body = _json_body(request)
    return body.get("ids") if body is not None else None


@json_endpoint(methods=["POST"])
def delivered(request, pk: int):
    """POST {"ids": [...]} (JSON) or ids=1&ids=2 (form): mark the other side's messages."""
    service_request = access_service_request(request.user, pk)
    ids = _delivered_ids(request)
    if not isinstance(ids, list):
        raise ValidationError(_('Give a list of message ids: {"ids": [1, 2]}.'), code="invalid")
    receipts = messages_mark_delivered(
        reader=request.user, service_request=service_request, message_ids=ids
    )
    return JsonResponse({"receipts": receipts})


def _read_up_to_id(request) -> int:
    """A read report's up_to_id: {"up_to_id": 7} as JSON, or up_to_id=7 as a form."""
    if request.content_type == "application/json":
        body = _json_body(request)
        value = body.get("up_to_id") if body is not None else None
    else:
        value = request.POST.get("up_to_id")
    if value is None:
        raise ValidationError(_('Give the last message read: {"up_to_id": 7}.'), code="invalid")
    return parse_message_id(value, name="up_to_id")


@json_endpoint(methods=["POST"])
def read(request, pk: int):
    """POST {"up_to_id": N} (JSON) or up_to_id=N (form): the reader has seen the request's
    messages up to N (the socket's message.read, for a page whose socket is down)."""
    service_request = access_service_request(request.user, pk)
    receipts = messages_mark_read(
        reader=request.user,
        service_request=service_request,
        up_to_id=_read_up_to_id(request),
        access_checked=True,
    )
    return JsonResponse({"receipts": receipts})


@never_cache
@login_required
@require_GET
def read_marker(request, pk: int, token: str):
    """The read report of a request page opened without JavaScript (chat/panel.html loads
    it from a <noscript> image: a browser running scripts never fetches it, and the script
    reports only what has been on screen). The signed token names the reader, the request
    and the newest message the page showed; anything else is a 404, like a foreign request."""
    service_request = access_service_request(request.user, pk)
    up_to_id = read_marker_up_to(token, user_id=request.user.pk, service_request_id=pk)
    if up_to_id is None:
        raise Http404
    messages_mark_read(
        reader=request.user,
        service_request=service_request,
        up_to_id=up_to_id,
        access_checked=True,
    )
    return HttpResponse(status=204)


def _visible_attachment(request, attachment_id: int) -> Attachment:
    attachment = get_object_or_404(Attachment.objects.select_related("message"), pk=attachment_id)
    # The request decides: an attachment of a request you cannot see does not exist for you.
    access_service_request(request.user, attachment.message.service_request_id)
    if attachment.message.internal and not can_read_internal_notes(request.user):
        raise Http404  # an internal note's file, like the note, does not exist for customers
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
