"""What every page's layout needs from the chat: the person's unread total (the
navigation badge and the tab title, base.html through the `unread` tag library)."""

from __future__ import annotations

from functools import cache

from tenantdesk.chat.unread import unread_total


def unread(request):
    """`unread_total` for a signed-in person, counted (one query) only if a template asks:
    a callable, which templates call, cached so several uses cost one query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_total": cache(lambda: unread_total(user=user))}
