"""Serving private uploads (request photos, chat attachments) after an access check.

Nothing serves MEDIA_URL: a download goes through a view that first runs the same access
function as the page (core.permissions.access_service_request), then calls
serve_private_file(). How the bytes travel depends on what the storage can do, not on its
class name:

* storage with a local path (FileSystemStorage): Django streams the file, or, when
  settings.PRIVATE_MEDIA_ACCEL_PREFIX is set, hands it to nginx with X-Accel-Redirect
  (an `internal` location mapped onto MEDIA_ROOT);
* storage without a local path (S3 and other object stores): a redirect to the storage's
  URL, which for S3Storage with querystring_auth is a short-lived signed URL.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header

# A browser may keep a private copy for a while; shared caches (proxies) never.
CACHE_SECONDS = 300


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
        response = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115
    response["Content-Disposition"] = disposition
    patch_cache_control(response, private=True, max_age=CACHE_SECONDS)
    return response
