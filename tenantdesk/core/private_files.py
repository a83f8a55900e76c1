"""Serving private uploads (request photos, chat attachments) after an access check.

Nothing serves MEDIA_URL: a download goes through a view that first runs the same access
function as the page (service_requests.access.access_service_request), then calls
serve_private_file(). How the bytes travel depends on what the storage can do, not on its
class name:

* storage with a local path (FileSystemStorage): Django streams the file, honouring a
  single byte range (Safari plays a video only with ranges, every browser needs them to
  seek), or, when settings.PRIVATE_MEDIA_ACCEL_PREFIX is set, hands it to nginx with
  X-Accel-Redirect (an `internal` location mapped onto MEDIA_ROOT; nginx does ranges);
* storage without a local path (S3 and other object stores): a redirect to the storage's
  URL, which for S3Storage with querystring_auth is a short-lived signed URL.
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote

from django.conf import settings
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header

# A browser may keep a private copy for a while; shared caches (proxies) never.
CACHE_SECONDS = 300
_SINGLE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 64 * 1024
# Positions are counted in bytes; no file of ours has a size with more digits than this.
# Longer numbers are not parsed (Python refuses ints of over 4,300 digits anyway): they
# stand for "beyond any end".
_MAX_DIGITS = 18


def _position(digits: str) -> int:
    return int(digits) if len(digits) <= _MAX_DIGITS else 10**_MAX_DIGITS


def _read_span(path: str, start: int, length: int):
    with open(path, "rb") as handle:
        handle.seek(start)
        while length > 0:
            data = handle.read(min(_CHUNK, length))
            if not data:
                return
            length -= len(data)
            yield data


def _range_response(request, path: str, content_type: str) -> HttpResponse | None:
    """206 (or 416) for a single `Range: bytes=a-b`; None means: send the whole file.

    Several ranges in one header are legal to ignore, and we do (a 200 with everything).
    """
    header = request.headers.get("Range", "").strip() if request is not None else ""
    match = _SINGLE_RANGE.match(header)
    if not match or not (match[1] or match[2]):
        return None
    size = os.path.getsize(path)
    if match[1]:
        start = _position(match[1])
        end = min(_position(match[2]), size - 1) if match[2] else size - 1
    else:  # "bytes=-N": the last N bytes
        start, end = max(size - _position(match[2]), 0), size - 1
    if start >= size or start > end:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    response = StreamingHttpResponse(
        _read_span(path, start, end - start + 1), status=206, content_type=content_type
    )
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    return response


def _local_path(storage, name: str) -> str | None:
    """The file's path on this machine, or None for storages that have none (S3 …)."""
    try:
        return storage.path(name)
    except NotImplementedError:
        return None


def _signed_url(storage, name: str, *, content_type: str, disposition: str) -> str:
    # S3Storage.url accepts extra GetObject parameters, so the object store answers with
    # the right type and name; other storages get a plain url() call.
    try:
        return storage.url(
            name,
            parameters={
                "ResponseContentType": content_type,
                "ResponseContentDisposition": disposition,
                "ResponseCacheControl": f"private, max-age={CACHE_SECONDS}",
            },
        )
    except TypeError:
        return storage.url(name)


def serve_private_file(
    request,
    fieldfile,
    *,
    content_type: str,
    download_name: str | None = None,
    as_attachment: bool = False,
) -> HttpResponse:
    """Answer with the stored file. The caller must have checked access already.

    Raises Http404 when the field is empty or the file is missing from local storage.
    """
    if not fieldfile or not fieldfile.name:
        raise Http404
    storage = fieldfile.storage
    name = fieldfile.name
    disposition = content_disposition_header(as_attachment, download_name) or "inline"
    path = _local_path(storage, name)

    if path is None:
        response: HttpResponse = HttpResponseRedirect(
            _signed_url(storage, name, content_type=content_type, disposition=disposition)
        )
        # The signed URL expires soon: the redirect itself must not be reused later.
        patch_cache_control(response, private=True, no_store=True)
        return response

    if not storage.exists(name):
        raise Http404
    accel_prefix = settings.PRIVATE_MEDIA_ACCEL_PREFIX
    if accel_prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel_prefix.rstrip("/") + "/" + quote(name)
    else:
        response = _range_response(request, path, content_type) or FileResponse(
            open(path, "rb"),  # noqa: SIM115 (FileResponse closes it)
            content_type=content_type,
        )
        response["Accept-Ranges"] = "bytes"
    response["Content-Disposition"] = disposition
    patch_cache_control(response, private=True, max_age=CACHE_SECONDS)
    return response
