"""The managers' pages (/announcements, /announcements/new, /announcements/<id>/edit, end
now, delete) and the members' dismiss button. Thin: access.py decides, services.py
changes, selectors.py reads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tenantdesk.announcements import access, selectors, services
from tenantdesk.announcements.forms import AnnouncementForm
from tenantdesk.core.errors import json_error, wants_json


@login_required
@require_http_methods(["GET"])
def announcement_list(request):
    access.require_manager(request.user)
    return render(request, "announcements/list.html", selectors.for_managers())


@login_required
@require_http_methods(["GET", "POST"])
def announcement_new(request):
    access.require_manager(request.user)
    if request.method != "POST":
        return render(request, "announcements/form.html", {"form": AnnouncementForm()})
    form = AnnouncementForm(request.POST)
    if not form.is_valid():
        return render(request, "announcements/form.html", {"form": form}, status=400)
    announcement = services.announcement_create(author=request.user, **form.values())
    messages.success(
        request,
        _("Announcement “%(title)s” posted; the tenants will get it by e-mail.")
        % {"title": announcement.title_in(request.LANGUAGE_CODE)},
    )
    return redirect("announcements:list")


@login_required
@require_http_methods(["GET", "POST"])
def announcement_edit(request, pk: int):
    announcement = access.access_announcement(request.user, pk)
    context = {"announcement": announcement}
    if request.method != "POST":
        form = AnnouncementForm(instance=announcement)
        return render(request, "announcements/form.html", {**context, "form": form})
    form = AnnouncementForm(request.POST, instance=announcement)
    if not form.is_valid():
        return render(request, "announcements/form.html", {**context, "form": form}, status=400)
    email_again = form.cleaned_data["email_again"]
    announcement = services.announcement_update(
        announcement=announcement, email_again=email_again, **form.values()
    )
    title = announcement.title_in(request.LANGUAGE_CODE)
    if email_again:
        text = _("Announcement “%(title)s” saved; the tenants will get it by e-mail again.")
    else:
        text = _("Announcement “%(title)s” saved (no e-mail sent).")
    messages.success(request, text % {"title": title})
    return redirect("announcements:list")


@login_required
@require_POST
def announcement_end(request, pk: int):
    announcement = access.access_announcement(request.user, pk)
    title = announcement.title_in(request.LANGUAGE_CODE)
    if services.announcement_end_now(announcement=announcement):
        messages.success(request, _("Announcement “%(title)s” ended.") % {"title": title})
    else:
        messages.warning(
            request,
            _("Announcement “%(title)s” is not current: only a current one can be ended.")
            % {"title": title},
        )
    return redirect("announcements:list")


@login_required
@require_POST
def announcement_delete(request, pk: int):
    announcement = access.access_announcement(request.user, pk)
    title = announcement.title_in(request.LANGUAGE_CODE)
    services.announcement_delete(announcement=announcement)
    messages.success(request, _("Announcement “%(title)s” deleted.") % {"title": title})
    return redirect("announcements:list")


@require_POST
def announcement_dismiss(request, pk: int):
    """The banner's close button: a form post without JavaScript (back to the page), or
    the banner's script asking for JSON (204, nothing to reload)."""
    if not request.user.is_authenticated:
        if wants_json(request):
            return json_error(401, "signed_out", _("Sign in again to continue."))
        return redirect_to_login(request.POST.get("next") or "/")
    announcement = access.access_announcement_to_dismiss(request.user, pk)
    services.announcement_dismiss(user=request.user, announcement=announcement)
    if wants_json(request):
        return HttpResponse(status=204)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = "/"
    return redirect(back)
