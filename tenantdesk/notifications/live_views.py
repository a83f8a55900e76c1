"""The HTTP side of the live list and browser notifications: the badge's count, the Web
Push subscription of this browser, and the service worker script."""

from __future__ import annotations

import base64
import binascii
import json
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from tenantdesk.chat.unread import unread_total
from tenantdesk.core.errors import json_endpoint
from tenantdesk.core.outbound import OutboundRefused
from tenantdesk.notifications.models import PushSubscription
from tenantdesk.notifications.push import push_endpoint_check

SERVICE_WORKER = "js/service-worker.js"
# A P-256 public key, uncompressed (0x04, x, y), and the 16-byte auth secret (RFC 8291).
P256_POINT_BYTES = 65
AUTH_SECRET_BYTES = 16


@json_endpoint(methods=["GET"])
def unread(request):
    """{"total": n}: the navigation badge and the tab title (one query, chat.unread)."""
    response = JsonResponse({"total": unread_total(user=request.user)})
    response["Cache-Control"] = "no-store"
    return response


def _base64url(value, *, length: int, field: str) -> str:
    if not isinstance(value, str) or len(value) > 200:
        raise ValidationError(_("The subscription's %(field)s is missing.") % {"field": field})
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != length or (field == "p256dh" and raw[0] != 4):
        raise ValidationError(
            _("The subscription's %(field)s is not a valid key.") % {"field": field},
            code="invalid_key",
        )
    return value


def _endpoint(data) -> str:
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    # Push services are reached over HTTPS only (RFC 8030); anything else is not one.
    parts = urlsplit(endpoint) if isinstance(endpoint, str) and len(endpoint) <= 1000 else None
    if parts is None or parts.scheme != "https" or not parts.hostname:
        raise ValidationError(_("The subscription needs an https endpoint."), code="invalid")
    return endpoint


def _push_service_endpoint(endpoint: str) -> str:
    """Only a push service's endpoint at public addresses is stored: the task worker
    connects to it later (push.py), and any other address would be reached from inside
    our network (SPEC "Outbound requests")."""
    try:
        push_endpoint_check(endpoint=endpoint)
    except OutboundRefused as refused:
        if refused.kind == OutboundRefused.HOST:
            message = _("This endpoint does not belong to a known push service.")
        else:
            message = refused.message
        raise ValidationError(message, code="endpoint_refused") from refused
    return endpoint


def _json_body(request):
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ValidationError(_("The request body is not valid JSON."), code="malformed") from None


@json_endpoint(methods=["POST", "DELETE"])
def push_subscription(request):
    """POST {endpoint, keys: {p256dh, auth}} (PushSubscription.toJSON()): this browser
    gets pushes for the signed-in person; 201 new, 200 known. The endpoint must be a push
    service's (PUSH_SERVICE_HOSTS) at public addresses, else 400 and nothing is stored. A
    browser belongs to whoever signed in on it last, so a known endpoint moves to them.
    DELETE {endpoint}: no more pushes to it (204, also when it was not theirs or not
    there)."""
    data = _json_body(request)
    endpoint = _endpoint(data)
    if request.method == "DELETE":
        PushSubscription.objects.filter(user=request.user, endpoint=endpoint).delete()
        return HttpResponse(status=204)
    keys = data.get("keys") if isinstance(data.get("keys"), dict) else {}
    p256dh = _base64url(keys.get("p256dh"), length=P256_POINT_BYTES, field="p256dh")
    auth = _base64url(keys.get("auth"), length=AUTH_SECRET_BYTES, field="auth")
    # Last, as it looks the host up: a malformed body costs no DNS query.
    endpoint = _push_service_endpoint(endpoint)
    _subscription, created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": request.user, "p256dh": p256dh, "auth": auth}
    )
    return JsonResponse({"endpoint": endpoint}, status=201 if created else 200)


@lru_cache(maxsize=1)
def _service_worker_source() -> bytes:
    return Path(finders.find(SERVICE_WORKER)).read_bytes()


@require_GET
def service_worker(request):
    """The service worker script, from a URL of its own but allowed the whole site as its
    scope (Service-Worker-Allowed), so a push reaches it whichever page registered it."""
    response = HttpResponse(_service_worker_source(), content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    # Browsers check for a new worker at most daily anyway; never a stale one after that.
    response["Cache-Control"] = "no-cache"
    return response
