"""SCAFFOLDING for the live list's tests only (drop at merge): the issue-11 read-state work
renders the real unread counts on the list (one query); this filter does one per row."""

from django import template

from tenantdesk.chat.unread import unread_counts

register = template.Library()


@register.filter
def unread_for(service_request, user) -> int:
    return unread_counts(user=user, service_request_ids=[service_request.pk]).get(
        service_request.pk, 0
    )
