"""The uploaded file kept between the preview and its "Import".

The file itself (at most PLACES_IMPORT_MAX_BYTES) goes to the default storage under a
random name, and the preview's form carries a signed token naming it, the admin and the
file's SHA-256. Why not the parsed rows in the session: thousands of rows would ride in
the session row, read and written on every request of that admin until they import; the
storage is shared by every worker (local media or S3), and "Import" reads the very file
that was previewed (the hash) and checks it again against the database as it is then."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

FOLDER = "places-imports"
SALT = "places.import"


class Expired(Exception):
    """The token is forged, someone else's, or older than PLACES_IMPORT_PREVIEW_SECONDS."""


def _sweep() -> None:
    """Forget the files of previews nobody imported (every upload clears the old ones)."""
    cutoff = timezone.now() - datetime.timedelta(seconds=settings.PLACES_IMPORT_PREVIEW_SECONDS)
    try:
        _folders, files = default_storage.listdir(FOLDER)
    except FileNotFoundError:
        return
    for name in files:
        path = f"{FOLDER}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except (FileNotFoundError, OSError):
            continue  # removed by a parallel sweep


def keep(*, user, name: str, data: bytes) -> str:
    """Store the file; the token to hand to apply's `load`."""
    _sweep()
    path = default_storage.save(f"{FOLDER}/{secrets.token_hex(16)}.upload", ContentFile(data))
    digest = hashlib.sha256(data).hexdigest()
    return signing.dumps({"p": path, "u": user.pk, "n": name, "h": digest}, salt=SALT)


def load(*, user, token: str) -> tuple[str, bytes, str]:
    """(the file's name, its bytes, the path to forget) for this admin's token."""
    try:
        value = signing.loads(token, salt=SALT, max_age=settings.PLACES_IMPORT_PREVIEW_SECONDS)
    except signing.BadSignature:
        raise Expired from None
    path = value.get("p", "")
    if value.get("u") != user.pk or not path.startswith(FOLDER + "/"):
        raise Expired
    try:
        with default_storage.open(path, "rb") as stored:
            data = stored.read(settings.PLACES_IMPORT_MAX_BYTES + 1)
    except (FileNotFoundError, OSError):
        raise Expired from None
    if hashlib.sha256(data).hexdigest() != value.get("h"):
        raise Expired
    return value.get("n", ""), data, path


def forget(path: str) -> None:
    default_storage.delete(path)
