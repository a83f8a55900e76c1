"""{% load chat %}{% chat_panel service_request %}: a request's conversation on any page.

The page's view needs to know nothing about the chat; the reader comes from the request.
"""

from django import template
from django.utils.html import json_script

from tenantdesk.chat.panel import panel_context
from tenantdesk.chat.ws import protocol

register = template.Library()


@register.inclusion_tag("chat/panel.html", takes_context=True)
def chat_panel(context, service_request):
    return {
        "service_request": service_request,
        **panel_context(context["request"], service_request),
    }


@register.simple_tag
def socket_protocol():
    """The sockets' close codes and frame names as JSON for the pages' scripts
    (static/chat/js/protocol.js reads it): defined once, in chat/ws/protocol.py."""
    return json_script(protocol.for_pages(), "td-socket-protocol")
