"""The e-mail preferences page and the one-click unsubscribe link."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from tenantdesk.accounts.roles import is_manager
from tenantdesk.notifications.forms import EmailPreferencesForm
from tenantdesk.notifications.preferences import (
    email_kind_unsubscribe,
    email_preferences_get,
    email_preferences_update,
)
from tenantdesk.notifications.recipients import PREFERENCE_KINDS
from tenantdesk.notifications.tokens import read_unsubscribe_token


def _kind_labels() -> dict[str, str]:
    # The names the preferences page gives them.
    fields = EmailPreferencesForm.base_fields
    return {kind: str(fields[kind].label) for kind in PREFERENCE_KINDS}


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request):
    manager = is_manager(request.user)
    current = email_preferences_get(user=request.user)
    initial = {kind: getattr(current, kind) for kind in PREFERENCE_KINDS}
    if request.method == "POST":
        form = EmailPreferencesForm(request.POST, initial=initial, manager=manager)
        if form.is_valid():
            email_preferences_update(user=request.user, **form.choices())
            messages.success(request, _("Your e-mail preferences are saved."))
            return redirect("notifications:preferences")
    else:
        form = EmailPreferencesForm(initial=initial, manager=manager)
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "has_email": bool(request.user.email)},
    )


# No CSRF token: RFC 8058's one-click POST comes from the mail client, without a session
# or a form of ours. The signed, expiring token in the URL is the authorisation, and all
# it can do is turn one kind of e-mail off.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    target = read_unsubscribe_token(token)
    kind_label = _kind_labels().get(target[1]) if target else None
    if target is None or kind_label is None:
        return render(request, "notifications/unsubscribe_invalid.html", status=400)
    user_id, kind = target
    if request.method == "GET":
        # A link opened (or prefetched by a mail scanner) changes nothing: it asks.
        return render(
            request, "notifications/unsubscribe.html", {"kind_label": kind_label, "done": False}
        )
    if email_kind_unsubscribe(user_id=user_id, kind=kind) is None:
        return render(request, "notifications/unsubscribe_invalid.html", status=400)
    return render(
        request, "notifications/unsubscribe.html", {"kind_label": kind_label, "done": True}
    )
