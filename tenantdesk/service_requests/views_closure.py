"""Pages of the tenant's closure loop: the customers' Active/Closed list, reopening, rating,
a request's further photos, and what the request's page shows about all of it.

Thin as the other views: core.permissions decides access (404 before 403), the services in
closure.py decide the rest; a refusal renders a page that says why, with the right status.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tenantdesk.core.errors import describe
from tenantdesk.core.paging import CappedPaginator
from tenantdesk.core.permissions import (
    access_service_request,
    can_rate,
    can_reopen,
    service_requests_visible_to,
)
from tenantdesk.core.private_files import serve_private_file
from tenantdesk.service_requests import closure, customer_selectors
from tenantdesk.service_requests.forms import RatingForm, ReopenForm
from tenantdesk.service_requests.models import Rating, RequestPhoto, ServiceRequest
from tenantdesk.service_requests.photos import request_photos

# --- the customers' list ---------------------------------------------------------------------


def customer_list(request, *, page_size: int):
    """/request/list for a customer: the Active or the Closed tab (?tab=closed), paginated."""
    tab = customer_selectors.customer_tab(request.GET.get("tab"))
    queryset = customer_selectors.customer_request_list(user=request.user, tab=tab)
    tab_counts = customer_selectors.customer_tab_counts(user=request.user)
    # The one query for both tabs' counts also counts this tab: the paginator need not.
    paginator = CappedPaginator(queryset, page_size, known_count=tab_counts[tab])
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    if tab == customer_selectors.TAB_ACTIVE:
        query.pop("tab", None)  # the default needs no parameter
    else:
        query["tab"] = tab
    return render(
        request,
        "service_requests/list_customer.html",
        {
            "page_obj": page,
            "service_requests": page.object_list,
            "tab": tab,
            "tab_counts": tab_counts,
            "query_string": query.urlencode(),
        },
    )


# --- the request's page ----------------------------------------------------------------------


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
        "request_photos": request_photos(service_request),
        "follow_up_of": follow_up_of,
    }


def _refused(request, service_request, error, *, title: str):
    status, _code, detail = describe(error)
    return render(
        request,
        "service_requests/action_refused.html",
        {"service_request": service_request, "detail": detail, "title": title},
        status=status,
    )


# --- reopening -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def reopen(request, pk: int):
    """The reopen form (also shown on the request's page) and its answer."""
    service_request = access_service_request(request.user, pk)  # 404 before 403
    title = _("Request not reopened")
    if not can_reopen(request.user, service_request):
        return _refused(
            request,
            service_request,
            PermissionDenied(
                _("Managers cannot reopen requests; a member of the organisation can.")
            ),
            title=title,
        )
    form = ReopenForm(request.POST if request.method == "POST" else None, prefix="reopen")
    if request.method == "POST" and form.is_valid():
        try:
            closure.service_request_reopen(
                actor=request.user,
                service_request=service_request,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                form.add_error(None, error)
            else:
                return _refused(request, service_request, error, title=title)
        else:
            messages.success(request, _("The request has been reopened."))
            return redirect(service_request)
    if request.method == "GET" and not closure.reopen_window_open(service_request):
        return _refused(
            request,
            service_request,
            ValidationError(_("This request cannot be reopened now.")),
            title=title,
        )
    return render(
        request,
        "service_requests/reopen.html",
        {"service_request": service_request, "form": form},
        status=400 if form.is_bound else 200,
    )


# --- rating ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def rate(request, pk: int):
    """The rating form (also shown in the chat area of a closed request) and its answer."""
    service_request = access_service_request(request.user, pk)
    title = _("Rating not saved")
    if not can_rate(request.user, service_request):
        return _refused(
            request,
            service_request,
            PermissionDenied(_("Managers cannot rate requests; a member of the organisation can.")),
            title=title,
        )
    form = RatingForm(request.POST if request.method == "POST" else None, prefix="rating")
    if request.method == "POST" and form.is_valid():
        try:
            closure.service_request_rate(
                actor=request.user,
                service_request=service_request,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                form.add_error(None, error)
            else:
                return _refused(request, service_request, error, title=title)
        else:
            messages.success(request, _("Thank you for your rating."))
            return redirect(service_request)
    if request.method == "GET" and (
        not service_request.is_closed
        or Rating.objects.filter(service_request=service_request).exists()
    ):
        return _refused(
            request,
            service_request,
            ValidationError(_("This request cannot be rated now.")),
            title=title,
        )
    return render(
        request,
        "service_requests/rate.html",
        {"service_request": service_request, "form": form},
        status=400 if form.is_bound else 200,
    )


# --- photos ----------------------------------------------------------------------------------


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


# --- a follow-up of a request that can no longer be reopened --------------------------------


def follow_up_source(request) -> ServiceRequest | None:
    """The request named by ?follow_up=<id> on the create page, if any; Http404 for one
    the person may not see (core.permissions), like every other page."""
    raw = request.GET.get("follow_up")
    if not raw:
        return None
    return access_service_request(request.user, raw)


def follow_up_initial(source: ServiceRequest) -> dict:
    """The create form pre-filled from the old request: type, office, "Follow-up: …"."""
    title_max = ServiceRequest._meta.get_field("title").max_length
    title = _("Follow-up: %(title)s") % {"title": source.title}
    if len(title) > title_max:
        title = title[: title_max - 1].rstrip() + "…"
    return {"type": source.type, "office": source.office, "title": title}
