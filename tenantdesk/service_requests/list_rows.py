"""The rows of both request lists as a conversation list (issue 23), written in Python.

A row is one link: the title, the organisation (managers) and the place, the last message's
one-line preview, a relative time, the unread count, chips for the status, priority and due
time, and the assignee's initials (managers; a customer's row shows the request's type).
The template engine's cost per node made 25 rows 8 of a page's 20 ms of CPU
(bench/README.md): here a row is one str.format, each part escaped once; the badges' markup
still comes from their templates, rendered once per process.

The markup is the page's contract with its tests and with the live list's script
(static/js/live/refresh.js swaps #request-list-rows): keep data-testid, data-request-id and
data-unread-count as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext

from tenantdesk.service_requests.list_times import time_html
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.templatetags.due_labels import due_label, priority_badge
from tenantdesk.service_requests.templatetags.service_requests import (
    status_badge,
    type_icon,
    type_label,
)

# The link is named by the title and the unread count (aria-labelledby) and described by
# the rest, so a screen reader says "Leaking tap, 2 unread messages" first, then the detail.
_ROW = (
    '<li class="conv-row" data-testid="request-row" data-request-id="{pk}">'
    '<a class="conv-link" href="{url}" aria-labelledby="{rid}-t {rid}-u" '
    'aria-describedby="{rid}-m {rid}-p {rid}-c {rid}-a">'
    '<span class="conv-main">'
    '<span class="conv-top"><span class="conv-title" id="{rid}-t">{title}</span> {time}</span> '
    '<span class="conv-meta" id="{rid}-m"><span class="conv-number">#{pk}</span> '
    '{organisation}<span data-testid="row-place">{place}</span>{type}</span> '
    '<span class="conv-bottom"><span class="conv-preview" id="{rid}-p" '
    'data-testid="row-preview">{preview}</span> <span id="{rid}-u">{unread}</span></span> '
    '<span class="conv-chips" id="{rid}-c">{status}{priority}<span data-testid="row-due">{due}'
    "</span></span></span> "
    '<span class="conv-avatar" id="{rid}-a"{avatar_attrs}>{avatar}</span>'
    "</a></li>"
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


def initials(name: str) -> str:
    """ "Anna Ivanova" → "AI"; "demo-manager" → "DE"."""
    words = [w for w in name.replace("-", " ").replace("_", " ").split() if w]
    if len(words) >= 2:
        return (words[0][0] + words[1][0]).upper()
    return name[:2].upper()


class _Words:
    """The row's words in the page's language, looked up once per page."""

    def __init__(self):
        self.you = escape(gettext("You:"))
        self.note = escape(pgettext("a list row's preview of an internal note", "Note:"))
        self.no_messages = escape(gettext("No messages yet"))
        self.unassigned = escape(pgettext("no assignee", "Unassigned"))
        self.assignee = gettext("Assignee: %(name)s")
        self.office = gettext("office")
        self.closed_on = gettext("Closed on")


def _preview(preview, words: _Words) -> str:
    if preview is None or not preview.text:
        return f'<span class="conv-empty">{words.no_messages}</span>'
    text = escape(preview.text)
    if preview.system:
        return f'<span class="conv-system">{text}</span>'
    if preview.internal:
        return f'<span class="conv-note">{words.note}</span> {text}'
    if preview.own:
        return f'<span class="conv-you">{words.you}</span> {text}'
    return text


def _avatar(sr: ServiceRequest, words: _Words, *, manager: bool) -> tuple[str, str]:
    """(the avatar's attributes, its content): the assignee's initials for a manager's row
    (a dashed circle when nobody has it), the request type's icon for a customer's."""
    if not manager:
        label = escape(type_label(sr.type))
        return (
            ' data-kind="type"',
            f'{type_icon(sr.type)}<span class="visually-hidden">{label}</span>',
        )
    if not sr.assignee_id:
        return (
            ' data-kind="none" data-testid="row-assignee"',
            f'<span class="visually-hidden">{words.unassigned}</span>',
        )
    name = escape(sr.assignee.display_name)
    full = escape(words.assignee % {"name": sr.assignee.display_name})
    # One of six tints per person, so two assignees side by side look different.
    return (
        f' data-kind="person" data-tint="{sr.assignee_id % 6}" title="{name}" '
        'data-testid="row-assignee"',
        f'<span aria-hidden="true">{escape(initials(sr.assignee.display_name))}</span>'
        f'<span class="visually-hidden">{full}</span>',
    )


def conversation_rows(
    service_requests: Iterable[ServiceRequest],
    *,
    unread_badges: dict[int, str],
    previews: dict,
    manager: bool,
    id_prefix: str = "r",
    closed_tab: bool = False,
) -> str:
    """The <li>s of a list; `unread_badges` is {request id: its unread badge}
    ({% unread_badges_for %}) and `previews` {request id: Preview} ({% previews_for %}):
    the chat's, which this app may not import. `manager`: the organisation, type, priority,
    due time and assignee are shown (a customer's rows have not loaded them). `closed_tab`:
    the time is when the request was closed (a customer's Closed tab is sorted by it)."""
    words = _Words()
    now = timezone.now()
    # reverse() once per page: the rows' links differ only by the id at the end.
    url_prefix = escape(reverse("service_requests:detail", args=[0]).removesuffix("0"))
    rows = []
    for sr in service_requests:
        pk = int(sr.pk)
        avatar_attrs, avatar = _avatar(sr, words, manager=manager)
        organisation = (
            f'<span class="conv-org">{escape(sr.organisation.name)}</span> ' if manager else ""
        )
        rows.append(
            _ROW.format(
                pk=pk,
                rid=f"{id_prefix}{pk}",
                url=f"{url_prefix}{pk}",
                title=escape(sr.title),
                time=(
                    time_html(sr.closed_at, now, prefix=words.closed_on)
                    if closed_tab and sr.closed_at
                    else time_html(sr.last_activity_at, now)
                ),
                organisation=organisation,
                place=escape(place_text(sr, words.office)),
                type=(
                    f' <span class="conv-type">{type_icon(sr.type)} {escape(type_label(sr.type))}'
                    "</span>"
                    if manager
                    else ""
                ),
                preview=_preview(previews.get(pk), words),
                unread=unread_badges.get(pk, ""),
                status=status_badge(sr.status),
                priority=(
                    priority_badge(sr.priority)
                    if manager and sr.priority != ServiceRequest.Priority.NORMAL
                    else ""
                ),
                due=due_label(sr) if manager else "",
                avatar_attrs=avatar_attrs,
                avatar=avatar,
            )
        )
    return mark_safe("".join(rows))  # noqa: S308 (every text escaped above)
