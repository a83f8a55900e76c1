"""The person's theme (System / Light / Dark), chosen on the profile page and written on
every page's <html data-theme> by base.html (docs/look.md)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenantdesk.accounts.models import Theme, User
from tenantdesk.accounts.views import profile_page


@transaction.atomic
def user_theme_set(*, user: User, theme: str) -> User:
    """Save the person's theme; ValueError for anything but one of Theme's codes."""
    if theme not in Theme.values:
        raise ValueError(theme)
    user.theme = theme
    user.save(update_fields=["theme"])
    return user


@login_required
@require_POST
def profile_theme(request):
    try:
        user_theme_set(user=request.user, theme=request.POST.get("theme", ""))
    except ValueError:
        messages.error(request, _("Choose a theme: as the system, light or dark."))
        return profile_page(request, status=400)
    messages.success(request, _("The theme is saved."))
    return redirect("accounts:profile")
