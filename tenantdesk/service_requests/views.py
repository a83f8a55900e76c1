"""Pages and endpoints of service requests: parse, ask core.permissions, call a service, render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tenantdesk.core.body_limit import body_limit
from tenantdesk.core.errors import Closed, describe, json_error_for, wants_json
from tenantdesk.core.permissions import (
    access_service_request,
    can_change_status,
    can_create_service_request,
    is_manager,
)
from tenantdesk.core.private_files import serve_private_file
from tenantdesk.service_requests import (
    photos,
    selectors,
    services,
    views_closure,
    views_workspace,
)
from tenantdesk.service_requests.forms import (
    ServiceRequestForm,
    StatusChangeForm,
)
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.photos import MAX_PHOTOS

PAGE_SIZE = 25


def _cannot_create(request):
    if is_manager(request.user):
        reason = _(
            "Managers answer requests; they do not open them. Requests are created by the "
            "members of tenant organisations."
        )
    else:
        reason = _(
            "Your account does not belong to an organisation, and a request is always opened "
            "on behalf of one. Ask your organisation's administrator to add you, or register "
            "your organisation."
        )
    return render(request, "service_requests/cannot_create.html", {"reason": reason}, status=403)


def _photo_upload_bytes() -> int:
    # Up to MAX_PHOTOS photos of IMAGE_MAX_BYTES each; the form's fields ride on the
    # REQUEST_BODY_MAX_BYTES every route gets (core/body_limit.py).
    return MAX_PHOTOS * settings.IMAGE_MAX_BYTES


@body_limit(upload_bytes=_photo_upload_bytes)
@login_required
@require_http_methods(["GET", "POST"])
def create(request):
    if is_manager(request.user):  # a request taken by phone, for an organisation
        return views_workspace.create_by_phone(request)
    if not can_create_service_request(request.user):
        return _cannot_create(request)
    follow_up = views_closure.follow_up_source(request)  # ?follow_up=<id>: 404 if not theirs
    form = ServiceRequestForm(
        request.POST or None,
        request.FILES or None,
        initial=views_closure.follow_up_initial(follow_up) if follow_up else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            service_request = photos.service_request_create_with_photos(
                author=request.user,
                type=data["type"],
                title=data["title"],
                description=data["description"],
                office=data["office"],
                photos=data["photo"],
                submission_key=data["submission_key"],
                follow_up_of_id=follow_up.pk if follow_up else None,
                priority=form.priority(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if service_request.was_created:
                messages.success(
                    request,
                    _("Request #%(number)s has been created.") % {"number": service_request.pk},
                )
            return redirect(service_request)
    status = 400 if form.is_bound else 200
    return render(
        request,
        "service_requests/create.html",
        {"form": form, "follow_up": follow_up},
        status=status,
    )


@login_required
def active_list(request):
    # Managers get the queues (tabs, sorting, due times); customers their organisation's
    # requests in Active and Closed tabs (issue 12).
    if is_manager(request.user):
        return views_workspace.manager_list(request, page_size=PAGE_SIZE)
    return views_closure.customer_list(request, page_size=PAGE_SIZE)


def _status_actions(service_request: ServiceRequest) -> list[dict]:
    labels = {
        ServiceRequest.Status.IN_PROGRESS: _("Take into work"),
        ServiceRequest.Status.CLOSED: _("Close the request"),
    }
    return [
        {"status": status, "label": labels.get(status, ServiceRequest.Status(status).label)}
        for status in services.allowed_transitions(service_request)
    ]


@login_required
def detail(request, pk: int):
    service_request = access_service_request(
        request.user,
        pk,
        queryset=ServiceRequest.objects.select_related("organisation", "author", "assignee"),
    )
    may_change_status = can_change_status(request.user, service_request)
    return render(
        request,
        "service_requests/detail.html",
        {
            "service_request": service_request,
            "can_change_status": may_change_status,
            "status_actions": _status_actions(service_request) if may_change_status else [],
            "status_history": selectors.service_request_history(service_request=service_request),
            **views_closure.closure_context(request, service_request),
            **views_workspace.detail_context(request.user, service_request),
        },
    )


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
        services.service_request_change_status(
            actor=request.user, service_request=service_request, status=form.cleaned_data["status"]
        )
    except (ValidationError, Closed) as error:
        if wants_json(request):
            return json_error_for(error)
        status, _code, detail = describe(error)
        return render(
            request,
            "service_requests/status_refused.html",
            {"service_request": service_request, "detail": detail},
            status=status,
        )
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
