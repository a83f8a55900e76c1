"""An organisation admin's pages (/org/…) and the invitation link (/accounts/invite/<token>).

Thin: ask people.access, call one service, render. A refused action is one page with the
refusal's status (core.errors.describe); a refused form is the form again with its errors
at their fields, status 400 (429 over the invitation limit)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tenantdesk.accounts.roles import is_organisation_admin
from tenantdesk.core.errors import RateLimited, describe
from tenantdesk.people import accepting, services
from tenantdesk.people.access import (
    access_invitation,
    access_member,
    managed_organisation,
    members_of,
    membership_log_visible_to,
)
from tenantdesk.people.forms import AcceptForm, InviteForm, OrganisationForm, RoleForm
from tenantdesk.people.models import Invitation

PEOPLE_BACKEND = "tenantdesk.accounts.backends.PeopleBackend"
LOG_PAGE_SIZE = 50


def refused(request, error, *, title: str):
    status, _code, detail = describe(error)
    return render(request, "people/refused.html", {"title": title, "detail": detail}, status=status)


# What resending and revoking say when done, and when refused.
INVITATION_STEP_WORDS = {
    "resend": (
        gettext_lazy("Invitation sent again to %(email)s."),
        gettext_lazy("Invitation not sent"),
    ),
    "revoke": (
        gettext_lazy("Invitation to %(email)s revoked."),
        gettext_lazy("Invitation not revoked"),
    ),
}


def invitation_step(request, invitation, *, kind: str, step, back: str):
    """The end of resending or revoking an invitation, an organisation's or the company
    team's alike (each view has checked access first): run the service `step`, then say
    how it went and go back to the list `back`."""
    done, not_done = INVITATION_STEP_WORDS[kind]
    try:
        step(actor=request.user, invitation=invitation)
    except (ValidationError, RateLimited) as error:
        return refused(request, error, title=str(not_done))
    messages.success(request, done % {"email": invitation.email})
    return redirect(back)


def _members_page(request, invite_form=None, status=200):
    organisation = managed_organisation(request.user)
    members = (
        members_of(organisation)
        .annotate(
            # Active people first, admins first among them, then by name.
            gone=Case(
                When(is_active=True, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("gone", "organisation_role", "first_name", "username")
    )
    invitations = Invitation.objects.filter(
        organisation=organisation, accepted_at=None, revoked_at=None
    ).select_related("invited_by")
    if invite_form is None:
        invite_form = InviteForm(initial={"language": translation.get_language()})
    return render(
        request,
        "people/members.html",
        {
            "organisation": organisation,
            "members": members,
            # Stepping down is offered only when another admin stays.
            "active_admins": sum(
                1 for m in members if m.is_active and m.organisation_role == "admin"
            ),
            "invitations": invitations,
            "invite_form": invite_form,
            "role_form": RoleForm(),
            "now": timezone.now(),
        },
        status=status,
    )


@login_required
def members(request):
    return _members_page(request)


@login_required
@require_POST
def invite(request):
    managed_organisation(request.user)  # 403 before reading the form
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _members_page(request, form, status=400)
    data = form.cleaned_data
    try:
        services.invitation_create(
            actor=request.user, email=data["email"], role=data["role"], language=data["language"]
        )
    except (ValidationError, RateLimited) as error:
        status, _code, detail = describe(error)
        form.add_error("email", detail)
        return _members_page(request, form, status=status)
    messages.success(request, _("Invitation sent to %(email)s.") % {"email": data["email"]})
    return redirect("people:members")


@login_required
@require_POST
def invitation_resend(request, pk: int):
    invitation = access_invitation(request.user, pk)
    return invitation_step(
        request, invitation, kind="resend", step=services.invitation_resend, back="people:members"
    )


@login_required
@require_POST
def invitation_revoke(request, pk: int):
    invitation = access_invitation(request.user, pk)
    return invitation_step(
        request, invitation, kind="revoke", step=services.invitation_revoke, back="people:members"
    )


@login_required
@require_POST
def member_role(request, pk: int):
    member = access_member(request.user, pk)
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Unknown role."), code="unknown_role")
        member = services.member_set_role(
            actor=request.user, member=member, role=form.cleaned_data["role"]
        )
    except ValidationError as error:
        return refused(request, error, title=_("Role not changed"))
    messages.success(
        request,
        _("%(name)s is now: %(role)s.")
        % {"name": member.display_name, "role": member.get_organisation_role_display()},
    )
    return redirect("people:members")


@login_required
def member_remove(request, pk: int):
    member = access_member(request.user, pk)
    if request.method != "POST":
        return render(request, "people/remove_confirm.html", {"member": member})
    try:
        services.member_remove(actor=request.user, member=member)
    except ValidationError as error:
        return refused(request, error, title=_("Not removed"))
    messages.success(
        request,
        _("%(name)s was removed and can no longer sign in.") % {"name": member.display_name},
    )
    return redirect("people:members")


@login_required
def details(request):
    organisation = managed_organisation(request.user)
    if request.method != "POST":
        form = OrganisationForm(
            initial={
                "name": organisation.name,
                "address": organisation.address,
                "phone": organisation.phone,
            }
        )
        return render(request, "people/details.html", {"form": form})
    form = OrganisationForm(request.POST)
    if not form.is_valid():
        return render(request, "people/details.html", {"form": form}, status=400)
    services.organisation_update(actor=request.user, **form.cleaned_data)
    messages.success(request, _("The organisation's details are saved."))
    return redirect("people:details")


@login_required
def activity(request):
    if not is_organisation_admin(request.user):
        raise PermissionDenied
    events = membership_log_visible_to(request.user).select_related("subject")
    page = Paginator(events, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/activity.html", {"page": page})


def accept(request, token: str):
    """The link from the invitation e-mail: who is invited where, and the way in."""
    invitation = accepting.invitation_by_token(token)
    if invitation is None:
        return render(request, "people/invitation_invalid.html", status=404)
    user = request.user
    context = {"invitation": invitation, "token": token}
    if user.is_authenticated:
        if request.method == "POST":
            try:
                accepting.invitation_accept_signed_in(token=token, user=user)
            except (ValidationError, PermissionDenied) as error:
                return refused(request, error, title=_("Invitation not accepted"))
            messages.success(request, _("You joined %(name)s.") % {"name": invitation.joins})
            return redirect("home")
        return render(request, "people/accept_signed_in.html", context)
    account = accepting.account_of(invitation)
    if account is not None and account.is_active:
        context["login_url"] = f"{reverse('accounts:login')}?next={request.path}"
        # A newcomer's form posted for such an address is refused with the same advice.
        status = 400 if request.method == "POST" else 200
        return render(request, "people/accept_sign_in_first.html", context, status=status)
    with translation.override(invitation.language):
        form = AcceptForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                new_user = accepting.invitation_accept_new(
                    token=token, name=data["name"], password=data["password1"]
                )
            except ValidationError as error:
                if getattr(error, "code", None) in ("account_exists", "invalid_invitation"):
                    return refused(request, error, title=_("Invitation not accepted"))
                form.add_error("password1", error)
            else:
                login(request, new_user, backend=PEOPLE_BACKEND)
                messages.success(
                    request,
                    _("Welcome to %(name)s. You sign in as %(login)s.")
                    % {"name": invitation.joins, "login": new_user.username},
                )
                return redirect("home")
        context["form"] = form
        status = 400 if request.method == "POST" else 200
        return render(request, "people/accept.html", context, status=status)
