"""{% load saved_replies %}{% saved_replies_picker %}: the saved-replies picker's hook and
script on the chat panel, for managers only (customers get nothing, not even the URL)."""

from django import template
from django.urls import reverse

from tenantdesk.service_requests.access import can_use_saved_replies

register = template.Library()


@register.inclusion_tag("chat/saved_replies.html", takes_context=True)
def saved_replies_picker(context):
    # The panel's own context (an inclusion tag's) has no "request" key; the RequestContext
    # it was made from still carries the request as an attribute.
    request = getattr(context, "request", None)
    if request is None or not can_use_saved_replies(request.user):
        return {"enabled": False}
    return {"enabled": True, "url": reverse("chat:saved_replies")}
