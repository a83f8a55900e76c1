"""{% load chat %}{% chat_panel service_request %}: a request's conversation on any page.

The page's view needs to know nothing about the chat; the reader comes from the request.
"""

from django import template

from tenantdesk.chat.panel import panel_context

register = template.Library()


@register.inclusion_tag("chat/panel.html", takes_context=True)
def chat_panel(context, service_request):
    return {
        "service_request": service_request,
        **panel_context(context["request"], service_request),
    }
