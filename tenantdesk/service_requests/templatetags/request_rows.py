"""{% load request_rows %}: the lists' rows, written in Python (list_rows.py).

{% unread_badges_for service_requests as badges %}{% previews_for service_requests as previews %}
{% conversation_rows service_requests badges previews manager=True %}
"""

from django import template

from tenantdesk.service_requests import list_rows

register = template.Library()


@register.simple_tag
def conversation_rows(
    service_requests, unread_badges, previews, manager=False, id_prefix="r", closed_tab=False
):
    return list_rows.conversation_rows(
        service_requests,
        unread_badges=unread_badges,
        previews=previews,
        manager=manager,
        id_prefix=id_prefix,
        closed_tab=closed_tab,
    )


@register.simple_tag
def request_place(service_request) -> str:
    """Where the request is: "Building · unit", else its office note (list_rows.place_text);
    the template escapes it."""
    return list_rows.place_text(service_request)
