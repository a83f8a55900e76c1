from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

# Every role a membership log line can name.
ROLE_LABELS = {
    "member": _("Member"),
    "admin": _("Organisation admin"),
    "manager": _("Manager"),
    "company_admin": _("Company admin"),
}


@register.filter
def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)
