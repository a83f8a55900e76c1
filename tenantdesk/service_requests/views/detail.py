"""The request's page: its header and actions, its history (RequestEvent), what it offers
about closing, reopening and rating, and its private photos."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from tenantdesk.core.private_files import serve_private_file
from tenantdesk.service_requests import lifecycle, selectors
from tenantdesk.service_requests.access import (
    access_service_request,
    can_assign,
    can_change_status,
    can_follow,
    can_set_location,
    can_set_priority,
    can_use_workspace,
    service_requests_visible_to,
)
from tenantdesk.service_requests.customer_selectors import followed_by
from tenantdesk.service_requests.events import event_text
from tenantdesk.service_requests.forms import RatingForm, ReopenForm
from tenantdesk.service_requests.forms_workspace import AssignForm, PriorityForm
from tenantdesk.service_requests.models import Rating, RequestEvent, RequestPhoto, ServiceRequest
from tenantdesk.service_requests.services import closure

Kind = RequestEvent.Kind


def _page_request(request, pk: int) -> ServiceRequest:
    """The request as its page shows it, after the page's access check (another
    organisation's or a missing request: 404; signed out: the sign-in page)."""
    return access_service_request(
        request.user,
        pk,
        # Whether the viewer follows it, in the same query (issue 21).
        # Its location and the location's building in the same query (issue 22).
        queryset=ServiceRequest.objects.select_related(
            "organisation", "author", "assignee", "location__building"
        ).annotate(viewer_follows=followed_by(request.user)),
    )


def page_context(request, service_request: ServiceRequest) -> dict:
    """What the page's header and details show this viewer: the page and its live
    fragment (`panels`) render the same templates from the same context."""
    may_change_status = can_change_status(request.user, service_request)
    return {
        "service_request": service_request,
        "can_change_status": may_change_status,
        "status_actions": _status_actions(service_request) if may_change_status else [],
        **closure_context(request, service_request),
        **workspace_context(request.user, service_request),
        # A member follows or unfollows; managers have assignment instead.
        "can_follow": can_follow(request.user, service_request),
        "following": service_request.viewer_follows,
    }


@login_required
def detail(request, pk: int):
    service_request = _page_request(request, pk)
    return render(request, "service_requests/detail.html", page_context(request, service_request))


@login_required
@require_GET
def panels(request, pk: int):
    """The page's header and details alone, as the viewer would see them on a reload:
    the page's script swaps them in when a socket frame says the request changed
    (status, assignee, priority, place, incident, rating, reopening). Same access check
    as the page; never cached (it is what the request is now)."""
    service_request = _page_request(request, pk)
    response = render(
        request, "service_requests/_panels.html", page_context(request, service_request)
    )
    response["Cache-Control"] = "no-store"
    return response


def _status_actions(service_request: ServiceRequest) -> list[dict]:
    """The manager's buttons: the transition table's steps out of the current status."""
    return [
        {"status": step.target, "label": lifecycle.Action(step.action).label}
        for step in lifecycle.manager_actions(service_request)
    ]


# --- the history -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    who: str
    text: str
    reason: str = ""


def request_history(service_request: ServiceRequest) -> list[HistoryEntry]:
    """The request's events, oldest first, as its page lists them: its steps, assignment,
    priority and rating; the creation when a manager took it by phone (the page shows
    who opened a request already)."""
    events = selectors.service_request_history(service_request=service_request)
    return [
        HistoryEntry(
            at=event.created_at,
            who=event.actor.display_name if event.actor else "",
            text=event_text(event),
            reason=event.payload.reason if event.kind == Kind.STATUS else "",
        )
        for event in events
        if event.kind != Kind.CREATED or event.payload.channel == "phone"
    ]


def workspace_context(user, service_request: ServiceRequest) -> dict:
    """What the page adds for the workspace: the history for everyone, the assignment and
    priority controls and the link to place the request for managers."""
    context = {"request_history": request_history(service_request)}
    if can_assign(user, service_request):
        context["assign_form"] = AssignForm(initial={"assignee": service_request.assignee_id})
        # The header's assignee menu lists them (one query, as the select did).
        context["assignees"] = list(context["assign_form"].fields["assignee"].queryset)
    if can_set_priority(user, service_request):
        context["priority_form"] = PriorityForm(initial={"priority": service_request.priority})
        context["priorities"] = ServiceRequest.Priority.choices
    context["show_due"] = can_use_workspace(user)
    context["can_set_location"] = can_set_location(user, service_request)
    return context


def closure_context(request, service_request: ServiceRequest) -> dict:
    """What detail.html shows about closing, reopening, rating, photos and follow-ups."""
    rating = (
        Rating.objects.filter(service_request=service_request)
        .select_related("author", "manager")
        .first()
    )
    options = closure.closure_options(
        user=request.user, service_request=service_request, rated=rating is not None
    )
    follow_up_of = None
    if service_request.follow_up_of_id:
        follow_up_of = (
            service_requests_visible_to(request.user)
            .filter(pk=service_request.follow_up_of_id)
            .only("id", "title")
            .first()
        )
    return {
        "closure": options,
        "reopen_form": ReopenForm(prefix="reopen") if options.reopen else None,
        "rating_form": RatingForm(prefix="rating") if options.rate else None,
        "reopen_deadline": closure.reopen_deadline(service_request),
        "reopen_days": settings.REOPEN_DAYS,
        "rating": rating,
        "request_photos": selectors.request_photos(service_request),
        "follow_up_of": follow_up_of,
    }


# --- private photos --------------------------------------------------------------------------


@login_required
def photo(request, pk: int, thumbnail: bool = False):
    """The request's photo (or its thumbnail), after the same access check as the page."""
    service_request = access_service_request(request.user, pk)
    suffix = "-thumb" if thumbnail else ""
    return serve_private_file(
        request,
        service_request.photo_thumbnail if thumbnail else service_request.photo,
        content_type="image/jpeg",
        download_name=f"request-{service_request.pk}{suffix}.jpg",
    )


@login_required
def photo_at(request, pk: int, position: int, thumbnail: bool = False):
    """Photo number `position` of a request (1 is the request's own photo), or its
    thumbnail, after the same access check as the page. Never a public URL."""
    service_request = access_service_request(request.user, pk)
    if position == 1:
        owner = service_request
    else:
        owner = get_object_or_404(
            RequestPhoto.objects.only("photo", "photo_thumbnail"),
            service_request=service_request,
            position=position,
        )
    fieldfile = owner.photo_thumbnail if thumbnail else owner.photo
    if not fieldfile:
        raise Http404
    suffix = "-thumb" if thumbnail else ""
    return serve_private_file(
        request,
        fieldfile,
        content_type="image/jpeg",
        download_name=f"request-{service_request.pk}-{position}{suffix}.jpg",
    )
