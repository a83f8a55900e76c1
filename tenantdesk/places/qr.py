"""The QR code of a premises' sheet: the absolute link it carries and its drawing.

The code carries `<SITE_URL>/request/new?place=<qr_token>`: the token, never an id, so a
rotated token (editing.premises_rotate_qr) makes every printed sheet of it stop working.
SITE_URL is the site's own address, as in e-mails: a sheet is printed once and scanned by
phones that reach the site by that name, whatever host the admin printed it from."""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.conf import settings
from django.urls import reverse

from tenantdesk.places.models import Premises


def place_url(premises: Premises) -> str:
    return (
        settings.SITE_URL
        + reverse("service_requests:new")
        + "?"
        + urlencode({"place": premises.qr_token})
    )


def qr_svg(url: str, *, title: str) -> str:
    """The link as an inline <svg> element (no image file, no data: URL: the page's
    Content-Security-Policy needs nothing new). Error level M survives a scuffed print;
    the SVG scales with its box (the sheet's CSS sizes it for A4 or A6)."""
    return segno.make(url, error="m").svg_inline(
        scale=1,
        border=4,
        light="#fff",
        title=title,
        svgclass="qr-code",
        lineclass=None,
        omitsize=True,
    )
