"""{% load unread %}: unread counts on any page, in one markup the live updater relies on.

- {% unread_title %}<the page's title>{% end_unread_title %}: <title>(N) …</title> when the
  person has N unread messages, and <meta name="td-base-title"> with the title alone.
- {% nav_unread_badge %}: the navigation's total, #nav-unread[data-unread-total].
- {% unread_counts_for rows as counts %} (one query for all the rows), then per row
  {% unread_count counts row %}: span[data-unread-count], hidden when 0.
  {% unread_badges_for rows as badges %}: each row's badge at once, {id: markup}.

The totals come from chat.context_processors.unread (unread_total), the rows' counts from
chat.unread.unread_counts; both are limited to what the person may see.
"""

from __future__ import annotations

import json
from functools import lru_cache

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext

from tenantdesk.chat.unread import unread_counts

register = template.Library()

# One count per plural category (Intl.PluralRules' names), so a script can write the label
# for any count in the page's language without a catalogue of its own.
_PLURAL_SAMPLES = {"zero": 0, "one": 1, "two": 2, "few": 3, "many": 5, "other": 10}


def unread_label(count) -> str:
    return ngettext("%(count)s unread message", "%(count)s unread messages", count) % {
        "count": count
    }


def _labels_json() -> str:
    return json.dumps(
        {
            category: ngettext("%(count)s unread message", "%(count)s unread messages", sample)
            % {"count": "{count}"}
            for category, sample in _PLURAL_SAMPLES.items()
        },
        ensure_ascii=False,
    )


def _total(context) -> int:
    value = context.get("unread_total", 0)
    return int((value() if callable(value) else value) or 0)


class UnreadTitleNode(template.Node):
    child_nodelists = ("nodelist",)  # so {% block %}s inside still take part in inheritance

    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        title = self.nodelist.render(context)  # safe: escaped by the template already
        total = _total(context)
        shown = format_html("({}) {}", total, title) if total else title
        return format_html(
            '<title>{}</title>\n  <meta name="td-base-title" content="{}">', shown, title
        )


@register.tag
def unread_title(parser, token):
    nodelist = parser.parse(("end_unread_title",))
    parser.delete_first_token()
    return UnreadTitleNode(nodelist)


@register.inclusion_tag("chat/_nav_unread.html", takes_context=True)
def nav_unread_badge(context):
    total = _total(context)
    return {"total": total, "label": unread_label(total), "labels": _labels_json()}


@register.simple_tag(takes_context=True)
def unread_counts_for(context, service_requests) -> dict[int, int]:
    """{request id: unread} for these rows, in one query."""
    return unread_counts(
        user=context["request"].user, service_request_ids=[sr.pk for sr in service_requests]
    )


def unread_count_html(count: int) -> str:
    """A row's unread badge (hidden at 0): written here, not by a template of its own,
    because a list renders one per row; each count's once per process and language."""
    return _unread_count_html(int(count), get_language())


@lru_cache(maxsize=2048)
def _unread_count_html(count: int, language: str | None) -> str:
    return format_html(
        '<span class="badge rounded-pill text-bg-danger ms-1" data-unread-count="{}" '
        'role="img" aria-label="{}"{}>{}</span>',
        count,
        unread_label(count),
        "" if count else mark_safe(" hidden"),
        count,
    )


@register.simple_tag
def unread_count(counts: dict, service_request) -> str:
    return unread_count_html(counts.get(service_request.pk, 0))


@register.simple_tag(takes_context=True)
def unread_badges_for(context, service_requests) -> dict[int, str]:
    """{request id: its unread badge} for these rows, in one query: for rows written in
    Python (service_requests/list_rows.py), which may not import the chat."""
    counts = unread_counts_for(context, service_requests)
    return {sr.pk: unread_count_html(counts.get(sr.pk, 0)) for sr in service_requests}
