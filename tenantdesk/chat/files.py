"""Serving a stored private file to someone the caller has already let through.

One function, so the shared private-file helper can replace it without touching views:
behind nginx it hands the file over with X-Accel-Redirect; on local disk it streams the
file (with byte ranges, which Safari needs to play a video at all and every browser needs
to seek); on a storage without local paths (S3) it redirects to a short-lived signed URL.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import (
    FileResponse,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 64 * 1024


def _chunks(handle, length: int):
    try:
        while length > 0:
            data = handle.read(min(_CHUNK, length))
            if not data:
                break
            length -= len(data)
            yield data
    finally:
        handle.close()


def _range_response(request, storage, name: str, content_type: str):
    """A 206/416 answer for a single `Range: bytes=` request, or None to send everything."""
    match = _RANGE.match(request.headers.get("Range", "").strip())
    if not match or not (match[1] or match[2]):
        return None
    size = storage.size(name)
    if match[1]:
        start = int(match[1])
        end = min(int(match[2]), size - 1) if match[2] else size - 1
    else:
        start, end = max(size - int(match[2]), 0), size - 1
    if start >= size or start > end:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    handle = storage.open(name, "rb")
    handle.seek(start)
    response = StreamingHttpResponse(
        _chunks(handle, end - start + 1), status=206, content_type=content_type
    )
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    return response


def private_file_response(
    request, field_file, *, content_type: str, download_name: str | None = None
):
    storage = field_file.storage
    name = field_file.name
    accel_prefix = settings.PRIVATE_MEDIA_ACCEL_PREFIX
    if accel_prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{accel_prefix.rstrip('/')}/{name}"
    else:
        try:
            storage.path(name)
        except NotImplementedError:
            # The storage signs its URLs (querystring_auth); they expire after minutes.
            response = HttpResponseRedirect(storage.url(name))
            response["Cache-Control"] = "private, no-store"
            return response
        response = _range_response(request, storage, name, content_type)
        if response is None:
            response = FileResponse(storage.open(name, "rb"), content_type=content_type)
        response["Accept-Ranges"] = "bytes"
    if download_name:
        response["Content-Disposition"] = f'inline; filename="{download_name}"'
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
