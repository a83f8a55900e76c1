"""The rows of the managers' list, written in Python.

The list shows 25 rows of some 35 template nodes each (links, badges, dates, the narrow
screens' repeats of the columns); the template engine's cost per node made those rows
8 of the page's 20 ms of CPU (bench/README.md). Here a row is one str.format of the same
markup, each cell's part computed and escaped once. The badges' own markup still comes from
their templates, rendered once per process (templatetags/service_requests.py).

The markup is the page's contract with its tests and with the live list's script
(static/js/live/refresh.js swaps #request-list-rows): keep
data-testid, data-request-id and data-unread-count as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext

from tenantdesk.core.date_labels import short_datetime_label
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.templatetags.due_labels import due_label, priority_badge
from tenantdesk.service_requests.templatetags.service_requests import (
    status_badge,
    type_icon,
    type_label,
)

_ROW = (
    '<tr data-testid="request-row" data-request-id="{pk}">'
    '<td class="text-body-secondary">#{pk}</td>'
    '<td class="title-cell"><a href="{url}" class="fw-semibold">{title}</a>{unread}{priority}'
    '<div class="small text-body-secondary d-md-none">{organisation}{place_after}</div>'
    '<div class="small text-body-secondary d-lg-none inline-type-icon">{type}</div>'
    '<div class="small d-sm-none mt-1">{due}</div>'
    '<div class="small text-body-secondary d-md-none">{assignee_line}</div></td>'
    '<td class="d-none d-md-table-cell">{organisation}'
    '<div class="small text-body-secondary" data-testid="row-place">{place}</div></td>'
    '<td class="d-none d-lg-table-cell text-nowrap inline-type-icon">{type}</td>'
    "<td>{status}</td>"
    '<td class="d-none d-md-table-cell small" data-testid="row-assignee">{assignee_cell}</td>'
    '<td class="d-none d-sm-table-cell small text-nowrap" data-testid="row-due">{due}</td>'
    '<td class="d-none d-xxl-table-cell small text-nowrap">{created}</td>'
    '<td class="d-none d-lg-table-cell small text-nowrap">{last_activity}</td>'
    "</tr>"
)


def place_text(sr: ServiceRequest, office_word: str | None = None) -> str:
    """Where the request is, as a row shows it: "Riverside Tower · 204" from its location
    (the rows' query gives the label: selectors.with_place), else the office note of the
    time before buildings ("office 12B"), else nothing. Plain text: the caller escapes it."""
    if sr.location_id:
        place = getattr(sr, "place", None)
        return place if place is not None else f"{sr.location.building.name} · {sr.location.unit}"
    if sr.office:
        return f"{office_word or gettext('office')} {sr.office}"
    return ""


def _time(value) -> str:
    """<time> as the template's |date:'c' and |date:"SHORT_DATETIME_FORMAT" wrote it
    (isoformat() is what "c" gives)."""
    shown = escape(short_datetime_label(value))
    return f'<time datetime="{timezone.localtime(value).isoformat()}">{shown}</time>'


def manager_rows(service_requests: Iterable[ServiceRequest], unread_badges: dict[int, str]) -> str:
    """The <tr>s of the managers' list; `unread_badges` is {request id: its unread badge}
    ({% unread_badges_for %}: the chat's, which this app may not import).

    Every text is escaped here (html.escape: the same characters as Django's escape, at a
    tenth of format_html's cost); the badges are our own tags' markup."""
    unassigned = escape(pgettext("no assignee", "Unassigned"))
    assignee_word = escape(gettext("Assignee"))
    office_word = gettext("office")
    no_assignee = (
        '<span class="text-body-secondary">—'
        f'<span class="visually-hidden">{unassigned}</span></span>'
    )
    # reverse() once per page: the rows' links differ only by the id at the end.
    url_prefix = escape(reverse("service_requests:detail", args=[0]).removesuffix("0"))
    rows = []
    for sr in service_requests:
        assignee = escape(sr.assignee.display_name) if sr.assignee_id else ""
        place = escape(place_text(sr, office_word))
        rows.append(
            _ROW.format(
                pk=int(sr.pk),
                url=f"{url_prefix}{int(sr.pk)}",
                title=escape(sr.title),
                unread=unread_badges.get(sr.pk, ""),
                priority=(
                    priority_badge(sr.priority)
                    if sr.priority != ServiceRequest.Priority.NORMAL
                    else ""
                ),
                organisation=escape(sr.organisation.name),
                place=place,
                place_after=f" · {place}" if place else "",
                type=f"{type_icon(sr.type)} {escape(type_label(sr.type))}",
                due=due_label(sr),
                assignee_line=f"{assignee_word}: {assignee}" if assignee else unassigned,
                status=status_badge(sr.status),
                assignee_cell=assignee or no_assignee,
                created=_time(sr.created_at),
                last_activity=_time(sr.last_activity_at),
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 (every text escaped above)
