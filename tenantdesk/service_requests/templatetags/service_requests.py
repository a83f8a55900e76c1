"""{% load service_requests %}: a request's type and status as the pages show them.

The markup stays in the templates (_type_icon.html, _status_badge.html); each distinct
result is rendered once per process and language and reused: the list shows them on
every row, and an {% include %} per row cost a quarter of the page's time.
"""

from functools import lru_cache

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from tenantdesk.core import paging
from tenantdesk.service_requests.models import ServiceRequest

register = template.Library()


@lru_cache(maxsize=32)
def _icon(request_type: str) -> str:
    return render_to_string("service_requests/_type_icon.html", {"type": request_type})


@lru_cache(maxsize=64)
def _badge(status: str, language: str | None) -> str:
    label = ServiceRequest.Status(status).label if status in ServiceRequest.Status else status
    return render_to_string(
        "service_requests/_status_badge.html", {"status": status, "label": label}
    )


@register.simple_tag
def type_icon(request_type) -> str:
    return mark_safe(_icon(str(request_type)))  # noqa: S308 (our own template's output)


@register.simple_tag
def type_label(request_type) -> str:
    """The type's name in the active language (what get_type_display says, without
    rebuilding the choices on every call)."""
    value = str(request_type)
    return ServiceRequest.Type(value).label if value in ServiceRequest.Type else value


@register.simple_tag
def status_badge(status) -> str:
    return mark_safe(_badge(str(status), get_language()))  # noqa: S308 (our own template)


@register.filter
def list_count(count) -> str:
    """A tab's count as shown: "10000+" once it passes core.paging's cap."""
    if isinstance(count, int) and count > paging.LIST_COUNT_CAP:
        return f"{paging.LIST_COUNT_CAP}+"
    return str(count)
