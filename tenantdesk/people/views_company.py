"""A company admin's pages: the team (/company/team) and the log of every organisation's
and the team's memberships (/company/activity). Thin, like views.py."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenantdesk.core.errors import RateLimited, describe
from tenantdesk.people import team
from tenantdesk.people.access import (
    access_team_invitation,
    access_team_member,
    company_admin_or_403,
    membership_log_visible_to,
)
from tenantdesk.people.forms import ManagerInviteForm
from tenantdesk.people.models import Invitation
from tenantdesk.people.views import LOG_PAGE_SIZE, invitation_step, refused


def _team_page(request, invite_form=None, status=200):
    company_admin_or_403(request.user)
    managers = (
        team.team()
        .annotate(
            gone=Case(
                When(is_active=True, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
            open_assigned=Count("assigned_requests", filter=~Q(assigned_requests__status="closed")),
        )
        .order_by("gone", "-company_admin", "first_name", "username")
    )
    invitations = Invitation.objects.filter(
        organisation=None, accepted_at=None, revoked_at=None
    ).select_related("invited_by")
    if invite_form is None:
        invite_form = ManagerInviteForm(initial={"language": translation.get_language()})
    return render(
        request,
        "people/team.html",
        {
            "managers": managers,
            "invitations": invitations,
            "invite_form": invite_form,
            "active_admins": sum(1 for m in managers if m.is_active and m.company_admin),
        },
        status=status,
    )


@login_required
def team_page(request):
    return _team_page(request)


@login_required
@require_POST
def team_invite(request):
    company_admin_or_403(request.user)
    form = ManagerInviteForm(request.POST)
    if not form.is_valid():
        return _team_page(request, form, status=400)
    data = form.cleaned_data
    try:
        team.manager_invitation_create(
            actor=request.user, email=data["email"], language=data["language"]
        )
    except (ValidationError, RateLimited) as error:
        status, _code, detail = describe(error)
        form.add_error("email", detail)
        return _team_page(request, form, status=status)
    messages.success(request, _("Invitation sent to %(email)s.") % {"email": data["email"]})
    return redirect("people:team")


@login_required
@require_POST
def team_invitation_resend(request, pk: int):
    invitation = access_team_invitation(request.user, pk)
    return invitation_step(
        request, invitation, kind="resend", step=team.manager_invitation_resend, back="people:team"
    )


@login_required
@require_POST
def team_invitation_revoke(request, pk: int):
    invitation = access_team_invitation(request.user, pk)
    return invitation_step(
        request, invitation, kind="revoke", step=team.manager_invitation_revoke, back="people:team"
    )


@login_required
@require_POST
def team_admin(request, pk: int):
    manager = access_team_member(request.user, pk)
    make = request.POST.get("admin") == "on"
    try:
        team.manager_set_company_admin(actor=request.user, manager=manager, admin=make)
    except ValidationError as error:
        return refused(request, error, title=_("Role not changed"))
    if make:
        text = _("%(name)s is now a company admin.")
    else:
        text = _("%(name)s is no longer a company admin.")
    messages.success(request, text % {"name": manager.display_name})
    return redirect("people:team")


@login_required
def team_deactivate(request, pk: int):
    manager = access_team_member(request.user, pk)
    if request.method != "POST":
        return render(request, "people/deactivate_confirm.html", {"manager": manager})
    try:
        team.manager_deactivate(actor=request.user, manager=manager)
    except ValidationError as error:
        return refused(request, error, title=_("Not deactivated"))
    messages.success(
        request,
        _("%(name)s was deactivated; their open requests are unassigned.")
        % {"name": manager.display_name},
    )
    return redirect("people:team")


@login_required
def company_activity(request):
    company_admin_or_403(request.user)
    events = membership_log_visible_to(request.user).select_related("subject", "organisation")
    page = Paginator(events, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/activity.html", {"page": page, "company": True})
