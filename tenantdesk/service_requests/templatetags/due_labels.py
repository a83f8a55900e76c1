"""{% load due_labels %}: what a request's due time says, "due in 12 min" / "overdue 1 h".

The target that applies is the first response until a manager has answered, then the
resolution. Requests without due times (opened before issue 12) and closed ones show
nothing. The badge says it in words and colour (not colour alone), and a hidden sentence
tells a screen reader which target it is for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from tenantdesk.service_requests.models import ServiceRequest

register = template.Library()

# Due this soon: the badge turns amber before it turns red.
SOON = timedelta(hours=1)


@dataclass(frozen=True)
class DueState:
    target: str  # "first_response" or "resolution"
    overdue: bool
    left: timedelta  # how long until due (overdue: since when), never negative
    answered: bool


def due_state(service_request, now: datetime | None = None) -> DueState | None:
    """The target that applies to an active request and where it stands, or None."""
    if service_request.status == ServiceRequest.Status.CLOSED:
        return None
    now = now or timezone.now()
    answered = service_request.first_response_at is not None
    due = service_request.resolution_due_at if answered else service_request.first_response_due_at
    if due is None:
        return None
    return DueState(
        target="resolution" if answered else "first_response",
        overdue=due < now,
        left=abs(due - now),
        answered=answered,
    )


def duration_text(left: timedelta) -> str:
    """12 min, 3 h, 2 d: short, and without plural forms in either language."""
    minutes = int(left.total_seconds() // 60)
    if minutes < 60:
        return _("%(count)s min") % {"count": max(minutes, 1)}
    if minutes < 24 * 60:
        return _("%(count)s h") % {"count": minutes // 60}
    return _("%(count)s d") % {"count": minutes // (24 * 60)}


def due_text(state: DueState) -> tuple[str, str]:
    """(what the badge shows, what it means in full for a screen reader)."""
    span = duration_text(state.left)
    shown = (
        _("overdue %(time)s") % {"time": span}
        if state.overdue
        else _("due in %(time)s") % {"time": span}
    )
    if state.target == "first_response":
        full = (
            _("First response overdue by %(time)s")
            if state.overdue
            else _("First response due in %(time)s")
        )
    else:
        full = (
            _("Resolution overdue by %(time)s")
            if state.overdue
            else _("Resolution due in %(time)s")
        )
        shown = _("answered · %(due)s") % {"due": shown}
    return shown, full % {"time": span}


@register.filter
def due_label(service_request) -> str:
    """The due badge of a request: {{ service_request|due_label }}."""
    state = due_state(service_request)
    if state is None:
        return ""
    # A list shows 25 of them, most saying one of a few things: each badge is written
    # once per process and language for what it says (the target, overdue or not,
    # answered or not, its minutes, hours or days as duration_text counts them, amber).
    minutes = int(state.left.total_seconds() // 60)
    if minutes < 60:
        wording = ("min", max(minutes, 1))
    elif minutes < 24 * 60:
        wording = ("h", minutes // 60)
    else:
        wording = ("d", minutes // (24 * 60))
    soon = state.left <= SOON
    key = (state.target, state.overdue, state.answered, wording, soon, get_language())
    badge = _due_badges.get(key)
    if badge is None:
        if len(_due_badges) > 4096:
            _due_badges.clear()
        badge = _due_badges[key] = _due_badge(state, soon=soon)
    return badge


_due_badges: dict[tuple, str] = {}


def _due_badge(state: DueState, *, soon: bool) -> str:
    shown, full = due_text(state)
    if state.overdue:
        css = "text-bg-danger"
        kind = "overdue"
    elif soon:
        css = "text-bg-warning"
        kind = "soon"
    else:
        css = "text-bg-light border"
        kind = "due"
    # The short text for the eye, the full sentence for screen readers (a hidden span: an
    # aria-label on a plain span is not announced everywhere).
    return format_html(
        '<span class="badge rounded-pill due-badge {}" data-due="{}" data-due-target="{}" '
        'title="{}"><span aria-hidden="true">{}</span><span class="visually-hidden">{}</span>'
        "</span>",
        css,
        kind,
        state.target,
        full,
        shown,
        full,
    )


_PRIORITY_CSS = {
    "urgent": "text-bg-danger",
    "high": "text-bg-warning",
    "normal": "text-bg-light border",
    "low": "text-bg-light border text-body-secondary",
}


@register.simple_tag
def priority_badge(priority) -> str:
    """The priority in words (and colour): {% priority_badge sr.priority %}."""
    value = str(priority)
    labels = dict(ServiceRequest.Priority.choices)
    return format_html(
        '<span class="badge rounded-pill priority-badge {}" data-priority="{}">{}</span>',
        _PRIORITY_CSS.get(value, "text-bg-light border"),
        value,
        labels.get(value, value),
    )
