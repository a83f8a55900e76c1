"""{% load service_requests %}{% type_icon sr.type %}: a request type's icon.

The drawing stays in service_requests/_type_icon.html; each type's markup is rendered once
per process and reused, since the list shows two icons a row and an {% include %} per
icon cost a quarter of the page's time.
"""

from functools import lru_cache

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

register = template.Library()


@lru_cache(maxsize=32)
def _icon(request_type: str) -> str:
    return render_to_string("service_requests/_type_icon.html", {"type": request_type})


@register.simple_tag
def type_icon(request_type) -> str:
    return mark_safe(_icon(str(request_type)))  # noqa: S308 (our own template's output)
