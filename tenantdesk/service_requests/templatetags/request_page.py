"""{% load request_page %}: small helpers of the request's page (issue 23)."""

from html import escape

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def initials(name) -> str:
    """ "Anna Ivanova" → "AI"; one word → its first letter; nothing → "?" (an avatar)."""
    words = str(name or "").split()
    return "".join(word[0] for word in words[:2]).upper() or "?"


# One choice of the header's assignee menu (_workspace_menus.html): a form per manager, 40
# on the bench's data, so written here once rather than through the template engine per
# manager (about 8 variables and a condition each). The markup is the template's was,
# byte for byte: tests/unit/service_requests/test_assignee_choices.py renders both.
_ASSIGNEE_CHOICE = (
    '\n      <form method="post" action="{url}" role="none">\n'
    '        <input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
    '<input type="hidden" name="action" value="assign">'
    '<input type="hidden" name="assignee" value="{pk}">\n'
    '        <button type="submit" role="menuitemradio" aria-checked="{checked}" '
    'class="rq-menu-item" data-testid="assign-to-{pk}"><span class="td-avatar" '
    'aria-hidden="true">{initials}</span>{name}</button>\n'
    "      </form>\n    "
)


@register.simple_tag
def assignee_choices(assignees, service_request, assign_url, csrf_token) -> str:
    """The assignee menu's choice of each manager, one form each, the current assignee's
    checked (every text escaped here)."""
    url, csrf = escape(str(assign_url)), escape(str(csrf_token))
    current = service_request.assignee_id
    choices = []
    for manager in assignees:
        name = manager.display_name
        choices.append(
            _ASSIGNEE_CHOICE.format(
                url=url,
                csrf=csrf,
                pk=int(manager.pk),
                checked="true" if manager.pk == current else "false",
                initials=escape(initials(name)),
                name=escape(name),
            )
        )
    return mark_safe("".join(choices))  # noqa: S308 (every text escaped above)
