"""Serving a stored private file to someone the caller has already let through.

One function, so the shared private-file helper can replace it without touching views:
behind nginx it hands the file over with X-Accel-Redirect; on local disk it streams the
file; on a storage without local paths (S3) it redirects to a short-lived signed URL.
"""

from __future__ import annotations

from django.conf import settings
from django.http import FileResponse, HttpResponse, HttpResponseRedirect


def private_file_response(field_file, *, content_type: str, download_name: str | None = None):
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
        response = FileResponse(storage.open(name, "rb"), content_type=content_type)
    if download_name:
        response["Content-Disposition"] = f'inline; filename="{download_name}"'
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
