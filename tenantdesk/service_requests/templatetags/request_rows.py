"""{% load request_rows %}: the managers' list's rows, written in Python (list_rows.py).

{% unread_badges_for service_requests as badges %}{% manager_rows service_requests badges %}
"""

from django import template

from tenantdesk.service_requests import list_rows

register = template.Library()


@register.simple_tag
def manager_rows(service_requests, unread_badges) -> str:
    return list_rows.manager_rows(service_requests, unread_badges)


@register.simple_tag
def request_place(service_request) -> str:
    """Where the request is: "Building · unit", else its office note (list_rows.place_text);
    the template escapes it."""
    return list_rows.place_text(service_request)
