"""The rows of the managers' list, written in Python.

The list shows 25 rows of some 35 template nodes each (links, badges, dates, the narrow
screens' repeats of the columns); the template engine's cost per node made those rows
8 of the page's 20 ms of CPU (bench/README.md). Here a row is one format_html call with
the same markup, each cell's part computed once. The badges' own markup still comes from
their templates, rendered once per process (templatetags/service_requests.py).

The markup is the page's contract with its tests and with the live list's script
(static/service_requests/js/live_list.js swaps #request-list-rows): keep
data-testid, data-request-id and data-unread-count as they are.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils import dateformat, formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, pgettext

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
    '<div class="small text-body-secondary d-md-none">{organisation} · {office}</div>'
    '<div class="small text-body-secondary d-lg-none inline-type-icon">{type}</div>'
    '<div class="small d-sm-none mt-1">{due}</div>'
    '<div class="small text-body-secondary d-md-none">{assignee_line}</div></td>'
    '<td class="d-none d-md-table-cell">{organisation}'
    '<div class="small text-body-secondary">{office}</div></td>'
    '<td class="d-none d-lg-table-cell text-nowrap inline-type-icon">{type}</td>'
    "<td>{status}</td>"
    '<td class="d-none d-md-table-cell small" data-testid="row-assignee">{assignee_cell}</td>'
    '<td class="d-none d-sm-table-cell small text-nowrap" data-testid="row-due">{due}</td>'
    '<td class="d-none d-xxl-table-cell small text-nowrap">{created}</td>'
    '<td class="d-none d-lg-table-cell small text-nowrap">{last_activity}</td>'
    "</tr>"
)


def _time(value, shown_format: str) -> SafeString:
    """<time> as the template's |date:'c' and |date:"SHORT_DATETIME_FORMAT" wrote it
    (isoformat() is what "c" gives)."""
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}">{}</time>', local.isoformat(), dateformat.format(local, shown_format)
    )


def _url(pk: int, prefix: list[str]) -> str:
    # reverse() once per page: the rows' links differ only by the id at the end.
    if not prefix:
        prefix.append(reverse("service_requests:detail", args=[0])[: -len("0")])
    return f"{prefix[0]}{pk}"


def manager_rows(service_requests: Iterable[ServiceRequest], unread_badges: dict[int, str]) -> str:
    """The <tr>s of the managers' list; `unread_badges` is {request id: its unread badge}
    ({% unread_badges_for %}: the chat's, which this app may not import)."""
    unassigned = pgettext("no assignee", "Unassigned")
    assignee_word = gettext("Assignee")
    office_word = gettext("office")
    no_assignee = format_html(
        '<span class="text-body-secondary">—<span class="visually-hidden">{}</span></span>',
        unassigned,
    )
    short_datetime = formats.get_format("SHORT_DATETIME_FORMAT")
    url_prefix: list[str] = []
    rows = []
    for sr in service_requests:
        assignee = sr.assignee.display_name if sr.assignee_id else None
        request_type = format_html("{} {}", type_icon(sr.type), type_label(sr.type))
        rows.append(
            format_html(
                _ROW,
                pk=sr.pk,
                url=_url(sr.pk, url_prefix),
                title=sr.title,
                unread=unread_badges.get(sr.pk, ""),
                priority=(
                    priority_badge(sr.priority)
                    if sr.priority != ServiceRequest.Priority.NORMAL
                    else ""
                ),
                organisation=sr.organisation.name,
                office=format_html("{} {}", office_word, sr.office),
                type=request_type,
                due=due_label(sr),
                assignee_line=(
                    format_html("{}: {}", assignee_word, assignee) if assignee else unassigned
                ),
                status=status_badge(sr.status),
                assignee_cell=assignee if assignee else no_assignee,
                created=_time(sr.created_at, short_datetime),
                last_activity=_time(sr.last_activity_at, short_datetime),
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 (each row escaped by format_html)
