"""POST /email/inbound: a provider that receives the reply domain's mail posts each
message here (docs/reply-by-email.md).

- Off (404, as if it did not exist) while INBOUND_EMAIL_TOKEN is empty.
- `Authorization: Bearer <INBOUND_EMAIL_TOKEN>`, compared in constant time; else 401.
- The body is the raw message (`Content-Type: message/rfc822`), or a multipart form whose
  field `email` holds it (SendGrid Inbound Parse with "POST the raw, full MIME message").
- Answers (JSON): 201 stored; 200 stored before (a retry); 202 refused, with the reason
  (2xx, so the provider does not retry what will never be taken); 400/415 for a body that
  is not a message; 503 when the database is away (the provider retries later).
"""

from __future__ import annotations

import logging
from email import policy
from email.parser import BytesHeaderParser

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt

from tenantdesk.core.body_limit import body_limit
from tenantdesk.core.errors import json_error, json_error_for
from tenantdesk.notifications.inbound.services import inbound_email_receive, message_max_bytes

logger = logging.getLogger(__name__)

_FORM_FIELD = "email"


def _token_matches(authorization: str) -> bool:
    expected = settings.INBOUND_EMAIL_TOKEN
    scheme, _space, given = authorization.strip().partition(" ")
    if not expected or scheme.lower() != "bearer":
        return False
    return constant_time_compare(given.strip(), expected)


def headers_authorised(headers: dict[bytes, bytes]) -> bool:
    """The body-limit middleware's check: a right bearer token raises the size limit."""
    return _token_matches(headers.get(b"authorization", b"").decode("latin-1"))


def _raw_message(request) -> bytes | JsonResponse:
    """The raw message of the request, or the answer that refuses the body."""
    content_type = request.content_type or ""
    # Read as a stream, not request.body/request.POST: those stop at
    # DATA_UPLOAD_MAX_MEMORY_SIZE, and a mail with photos is larger (body_limit bounds it).
    body = request.read(settings.REQUEST_BODY_MAX_BYTES + message_max_bytes() + 1)
    if content_type in ("message/rfc822", "application/octet-stream", "text/plain"):
        return body
    if content_type == "multipart/form-data":
        raw = _form_field(request.content_params.get("boundary", ""), body, _FORM_FIELD)
        if raw is None:
            return json_error(400, "no_message", f"The form has no field “{_FORM_FIELD}”.")
        return raw
    return json_error(
        415,
        "unsupported_media_type",
        "Send the raw message as message/rfc822, or as the field “email” of a form.",
    )


def _form_field(boundary: str, body: bytes, name: str) -> bytes | None:
    """One field of a multipart/form-data body, byte for byte, whether the sender made it
    a file or a plain field. Split by hand (RFC 7578 parts have no transfer encoding):
    Django's parser stops plain fields at DATA_UPLOAD_MAX_MEMORY_SIZE, and the e-mail
    parser would take a part labelled message/rfc822 apart."""
    if not boundary:
        return None
    delimiter = b"--" + boundary.encode("latin-1")
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):  # the closing delimiter
            break
        head, separator, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not separator:
            continue
        headers = BytesHeaderParser(policy=policy.HTTP).parsebytes(head + b"\r\n\r\n")
        if headers.get_param("name", header="content-disposition") == name:
            return content.removesuffix(b"\r\n")
    return None


@csrf_exempt
def _inbound_email(request):
    if not settings.INBOUND_EMAIL_TOKEN:
        raise Http404
    if request.method != "POST":
        response = json_error(405, "method_not_allowed", "Method not allowed.")
        response["Allow"] = "POST"
        return response
    if not _token_matches(request.headers.get("Authorization", "")):
        response = json_error(401, "unauthorised", "A valid bearer token is required.")
        response["WWW-Authenticate"] = 'Bearer realm="inbound-email"'
        return response
    raw = _raw_message(request)
    if isinstance(raw, JsonResponse):
        return raw
    if not raw.strip():
        return json_error(400, "no_message", "The body holds no message.")
    try:
        outcome = inbound_email_receive(raw=raw)
    except (OperationalError, InterfaceError) as error:
        logger.warning("inbound e-mail deferred, the database is unavailable: %s", error)
        return json_error_for(error)
    if outcome.stored:
        status = 201 if outcome.code == "stored" else 200
        return JsonResponse(
            {"status": outcome.code, "message_id": outcome.message.pk}, status=status
        )
    return JsonResponse(
        {"status": "refused", "error": {"code": outcome.code, "detail": outcome.detail}},
        status=202,
    )


# Refusals of the body-limit middleware and Django's error pages answer in JSON here (set
# before body_limit reads it).
_inbound_email.json_endpoint = True
inbound_email = body_limit(upload_bytes=message_max_bytes, authorised=headers_authorised)(
    _inbound_email
)
