"""{% theme_choices as choices %}: the theme switch's options (code, label) for the profile."""

from django import template

from tenantdesk.accounts.models import Theme

register = template.Library()


@register.simple_tag
def theme_choices() -> list[tuple[str, str]]:
    return list(Theme.choices)
