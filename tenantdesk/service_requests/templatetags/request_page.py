"""{% load request_page %}: small helpers of the request's page (issue 23)."""

from django import template

register = template.Library()


@register.filter
def initials(name) -> str:
    """ "Anna Ivanova" → "AI"; one word → its first letter; nothing → "?" (an avatar)."""
    words = str(name or "").split()
    return "".join(word[0] for word in words[:2]).upper() or "?"
