"""{% announcement_banner %}: the current announcements of a member's buildings, on the
home page and the request lists (the site's base template asks on every page; the tag
answers only on those). One query for a member; none for anyone else."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.utils import timezone, translation

from tenantdesk.announcements import access, selectors

register = template.Library()

# The pages (view names) that show the banner.
BANNER_PAGES = frozenset({"home", "service_requests:list"})


@dataclass(frozen=True)
class Banner:
    pk: int
    title: str
    text: str
    starts_at: object
    ends_at: object
    time_zone: str


def _banners(user) -> list[Banner]:
    language = translation.get_language() or "en"
    language = "ru" if language.startswith("ru") else "en"
    return [
        Banner(
            pk=a.pk,
            title=a.title_in(language),
            text=a.text_in(language),
            starts_at=a.starts_at,
            ends_at=a.ends_at,
            time_zone=a.time_zone,
        )
        for a in selectors.banner_for(user, timezone.now())
    ]


@register.inclusion_tag("announcements/_banner.html", takes_context=True)
def announcement_banner(context):
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    shown = match is not None and match.view_name in BANNER_PAGES
    context_out = {"banners": [], "manager_link": False, "request": request}
    if not shown or user is None:
        return context_out
    if access.sees_banners(user):
        context_out["banners"] = _banners(user)
        context_out["csrf_token"] = context.get("csrf_token")
    elif access.can_manage_announcements(user) and match.view_name == "home":
        # Managers get the way to their page instead (no query).
        context_out["manager_link"] = True
    return context_out
