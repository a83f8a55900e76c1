"""What a person does to a request from its page: change its status, assign it, set its
priority, reopen and rate it, follow and unfollow it. Each asks service_requests.access
(404 before 403), calls one service and answers a refusal with common.refused."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tenantdesk.core.errors import Closed, wants_json
from tenantdesk.service_requests.access import (
    access_service_request,
    can_assign,
    can_change_status,
    can_rate,
    can_reopen,
    can_set_priority,
)
from tenantdesk.service_requests.forms import RatingForm, ReopenForm, StatusChangeForm
from tenantdesk.service_requests.forms_workspace import AssignForm, PriorityForm
from tenantdesk.service_requests.models import Rating
from tenantdesk.service_requests.services import closure, following, workspace
from tenantdesk.service_requests.services.status import service_request_change_status
from tenantdesk.service_requests.views.common import refused


@login_required
@require_POST
def change_status(request, pk: int):
    service_request = access_service_request(request.user, pk)  # 404 before 403
    if not can_change_status(request.user, service_request):
        raise PermissionDenied
    form = StatusChangeForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Unknown status."), code="unknown_status")
        service_request_change_status(
            actor=request.user, service_request=service_request, status=form.cleaned_data["status"]
        )
    except (ValidationError, Closed) as error:
        return refused(request, service_request, error, title=_("Status not changed"))
    if wants_json(request):
        return JsonResponse({"id": service_request.pk, "status": service_request.status})
    messages.success(
        request,
        _("Status changed: %(status)s.") % {"status": service_request.get_status_display()},
    )
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect(service_request)


@login_required
@require_POST
def assign(request, pk: int):
    service_request = access_service_request(request.user, pk)  # 404 before 403
    if not can_assign(request.user, service_request):
        raise PermissionDenied
    form = AssignForm(request.POST)
    title = _("Assignment not changed")
    if not form.is_valid():
        errors = [message for messages_ in form.errors.values() for message in messages_]
        error = ValidationError(errors[0] if errors else _("Invalid input."), code="invalid")
        return refused(request, service_request, error, title=title)
    try:
        workspace.service_request_assign(
            actor=request.user,
            service_request=service_request,
            assignee=form.chosen_assignee(request.user),
        )
    except (ValidationError, Closed) as error:
        return refused(request, service_request, error, title=title)
    assignee = service_request.assignee
    if wants_json(request):
        assignee_id = assignee.pk if assignee is not None else None
        return JsonResponse({"id": service_request.pk, "assignee_id": assignee_id})
    if assignee is None:
        messages.success(request, _("The request is no longer assigned."))
    else:
        messages.success(request, _("Assigned to %(name)s.") % {"name": assignee.display_name})
    return redirect(service_request)


@login_required
@require_POST
def set_priority(request, pk: int):
    service_request = access_service_request(request.user, pk)
    if not can_set_priority(request.user, service_request):
        raise PermissionDenied
    form = PriorityForm(request.POST)
    title = _("Priority not changed")
    try:
        if not form.is_valid():
            raise ValidationError(_("Unknown priority."), code="unknown_priority")
        workspace.service_request_set_priority(
            actor=request.user,
            service_request=service_request,
            priority=form.cleaned_data["priority"],
        )
    except (ValidationError, Closed) as error:
        return refused(request, service_request, error, title=title)
    if wants_json(request):
        return JsonResponse({"id": service_request.pk, "priority": service_request.priority})
    messages.success(
        request,
        _("Priority changed: %(priority)s.") % {"priority": service_request.get_priority_display()},
    )
    return redirect(service_request)


def _closure_form(request, service_request, *, form, title, act, done, not_now, template):
    """A form of the closure loop (reopen, rate) and its answer: `act(cleaned_data)` calls
    the service; a refusal of a field goes back to the form, any other to the refused page;
    a GET of a form the request does not offer now (`not_now()` says why) is refused too."""
    if request.method == "POST" and form.is_valid():
        try:
            act(form.cleaned_data)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return refused(request, service_request, error, title=title)
            form.add_error(None, error)
        else:
            messages.success(request, done)
            return redirect(service_request)
    reason = not_now() if request.method == "GET" else None
    if reason:
        return refused(request, service_request, ValidationError(reason), title=title)
    return render(
        request,
        template,
        {"service_request": service_request, "form": form},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def reopen(request, pk: int):
    """The reopen form (also shown on the request's page) and its answer."""
    service_request = access_service_request(request.user, pk)  # 404 before 403
    title = _("Request not reopened")
    if not can_reopen(request.user, service_request):
        return refused(
            request,
            service_request,
            PermissionDenied(
                _("Managers cannot reopen requests; a member of the organisation can.")
            ),
            title=title,
        )

    def not_now():
        if not closure.reopen_window_open(service_request):
            return _("This request cannot be reopened now.")
        return None

    return _closure_form(
        request,
        service_request,
        form=ReopenForm(request.POST if request.method == "POST" else None, prefix="reopen"),
        title=title,
        act=lambda data: closure.service_request_reopen(
            actor=request.user, service_request=service_request, reason=data["reason"]
        ),
        done=_("The request has been reopened."),
        not_now=not_now,
        template="service_requests/reopen.html",
    )


# --- rating ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def rate(request, pk: int):
    """The rating form (also shown in the chat area of a closed request) and its answer."""
    service_request = access_service_request(request.user, pk)
    title = _("Rating not saved")
    if not can_rate(request.user, service_request):
        return refused(
            request,
            service_request,
            PermissionDenied(_("Managers cannot rate requests; a member of the organisation can.")),
            title=title,
        )

    def not_now():
        rated = Rating.objects.filter(service_request=service_request).exists()
        if not service_request.is_closed or rated:
            return _("This request cannot be rated now.")
        return None

    return _closure_form(
        request,
        service_request,
        form=RatingForm(request.POST if request.method == "POST" else None, prefix="rating"),
        title=title,
        act=lambda data: closure.service_request_rate(
            actor=request.user,
            service_request=service_request,
            score=data["score"],
            comment=data["comment"],
        ),
        done=_("Thank you for your rating."),
        not_now=not_now,
        template="service_requests/rate.html",
    )


# --- following (issue 21) ----------------------------------------------------------------------


def _following_changed(request, pk: int, *, follow: bool):
    service_request = access_service_request(request.user, pk)  # 404 before 403
    title = _("Notifications not changed")
    change = following.service_request_follow if follow else following.service_request_unfollow
    try:
        change(user=request.user, service_request=service_request)
    except PermissionDenied as error:
        # A manager: they have assignment, not following.
        return refused(request, service_request, error, title=title)
    if wants_json(request):
        return JsonResponse({"id": service_request.pk, "following": follow})
    if follow:
        messages.success(request, _("You follow this request: you get its notifications."))
    else:
        messages.success(request, _("You no longer follow this request."))
    return redirect(service_request)


@login_required
@require_POST
def follow(request, pk: int):
    """Follow the request (its notifications reach the member), from its page."""
    return _following_changed(request, pk, follow=True)


@login_required
@require_POST
def unfollow(request, pk: int):
    """Stop following the request."""
    return _following_changed(request, pk, follow=False)
