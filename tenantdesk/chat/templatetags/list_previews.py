"""{% load list_previews %}: each list row's last-message preview (chat/list_previews.py).

{% previews_for service_requests as previews %}: {request id: Preview} in one query, for
rows written by service_requests/list_rows.py (which may not import the chat).
"""

from __future__ import annotations

from django import template

from tenantdesk.chat.list_previews import last_message_previews

register = template.Library()


@register.simple_tag(takes_context=True)
def previews_for(context, service_requests) -> dict:
    return last_message_previews(
        user=context["request"].user, service_request_ids=[sr.pk for sr in service_requests]
    )
