"""The Content-Security-Policy, built in one place from the settings it depends on.

config/settings/base.py calls it; tests call it with other S3 settings to see the policy
they would get.
"""

from urllib.parse import urlsplit

from csp.constants import NONE, SELF


def s3_origins(*, bucket: str, endpoint_url: str, region: str) -> list[str]:
    """The origins of the signed download URLs the views redirect photos and videos to."""
    if not bucket:
        return []
    if endpoint_url:
        # For a custom endpoint botocore signs path-style URLs: <endpoint>/<bucket>/<key>.
        parts = urlsplit(endpoint_url)
        return [f"{parts.scheme}://{parts.netloc}"]
    if "." not in bucket:
        return [f"https://{bucket}.s3.amazonaws.com"]
    # A dotted bucket name cannot be a TLS host name, so AWS URLs go path-style on the
    # regional host.
    if region in ("", "us-east-1"):
        return ["https://s3.amazonaws.com"]
    return [f"https://s3.{region}.amazonaws.com"]


def content_security_policy(*, media_origins: list[str]) -> dict:
    """django-csp's CONTENT_SECURITY_POLICY: everything from the site itself, nothing inline."""
    return {
        "DIRECTIVES": {
            # Deny by default: a new kind of resource (a font, a worker, a frame) needs its
            # own directive here, a deliberate change rather than an inherited allowance.
            "default-src": [NONE],
            # No 'unsafe-inline' in either: no inline <script>, no on*= handler, no
            # style="" attribute. (json_script data blocks are not executed, so not blocked.)
            "script-src": [SELF],
            "style-src": [SELF],
            # data: Bootstrap's CSS draws select arrows, close buttons and the navbar
            # toggler as data: SVG images. blob: the chat composer previews chosen files.
            # S3: photo and video downloads redirect to signed URLs on the bucket's origin.
            "img-src": [SELF, "data:", "blob:", *media_origins],
            "media-src": [SELF, "blob:", *media_origins],
            # 'self' also admits the chat's ws:/wss: socket to this same host and port.
            "connect-src": [SELF],
            # The web app manifest (<link rel="manifest">): without it default-src 'none'
            # blocks it, a console error on every page and no installable app.
            "manifest-src": [SELF],
            "form-action": [SELF],
            "frame-ancestors": [NONE],
            "object-src": [NONE],
            "base-uri": [NONE],
        }
    }
