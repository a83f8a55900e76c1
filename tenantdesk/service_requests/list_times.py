"""A list row's time, relative to now as a conversation list writes it (issue 23):
"just now", "5 min", "14:05" (today), "Yesterday", "3 Dec", "3 Dec 2025"; the absolute time
in the <time>'s title and datetime. Written on the server in the page's language, so a
page never formats dates itself and a label never wraps ("19:1/0")."""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext

from tenantdesk.core.date_labels import short_datetime_label, time_label


def relative_label(moment: datetime, now: datetime) -> str:
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return gettext("just now")
    if seconds < 3600:
        return gettext("%(count)s min") % {"count": int(seconds // 60)}
    local, today = timezone.localtime(moment), timezone.localtime(now).date()
    if local.date() == today:
        return time_label(moment)
    if local.date() == today - timedelta(days=1):
        return gettext("Yesterday")
    if local.year == today.year:
        # "3 Dec"; Russian "3 дек" (lower case, as Russian writes a month).
        return date_format(local, pgettext("a list row's day this year", "j M"))
    return date_format(local, pgettext("a list row's day another year", "j M Y"))


def time_html(moment: datetime, now: datetime, *, prefix: str = "") -> str:
    """<time> with the relative label, the absolute time in its title (after `prefix`,
    e.g. "Closed on")."""
    title = f"{prefix} {short_datetime_label(moment)}" if prefix else short_datetime_label(moment)
    return (
        f'<time class="conv-time" datetime="{timezone.localtime(moment).isoformat()}" '
        f'title="{escape(title)}">{escape(relative_label(moment, now))}</time>'
    )
