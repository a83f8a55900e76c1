"""/request/new: a member's form, or for a manager a request taken by phone; both end in
the one creation service (services/create.py).

A member's form lists the places their organisation may report about (one query);
`?place=<token>` (a printed QR code) chooses one of them. A token of a place the member's
organisation may not report at, or a rotated or unknown one, is ignored without a word:
the page says nothing about the place it names (docs/request-location.md)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tenantdesk.accounts.roles import is_manager
from tenantdesk.core.body_limit import body_limit
from tenantdesk.places.models import Premises
from tenantdesk.places.selectors import places_for
from tenantdesk.service_requests.access import (
    access_service_request,
    can_create_for_organisation,
    can_create_service_request,
)
from tenantdesk.service_requests.forms import ServiceRequestForm
from tenantdesk.service_requests.forms_workspace import PhoneRequestForm
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services.create import MAX_PHOTOS, service_request_create


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
        return _create_by_phone(request)
    if not can_create_service_request(request.user):
        return _cannot_create(request)
    follow_up = follow_up_source(request)  # ?follow_up=<id>: 404 if not theirs
    places = list(places_for(request.user.organisation_id))
    qr_place = qr_place_of(request, places)
    initial = follow_up_initial(follow_up, places) if follow_up else {}
    if qr_place is not None:
        initial["location"] = qr_place.pk
    form = ServiceRequestForm(
        request.POST or None, request.FILES or None, initial=initial or None, places=places
    )
    return _create_page(
        request,
        form,
        lambda data: {
            "photos": data["photo"],
            "follow_up_of_id": follow_up.pk if follow_up else None,
            "priority": form.priority(),
        },
        template="service_requests/create.html",
        context={
            "follow_up": follow_up,
            # "Reporting for: …" while the form still has the scanned place chosen.
            "qr_place": qr_place if qr_place and form.place_chosen(qr_place) else None,
        },
        created=lambda sr, data: _("Request #%(number)s has been created.") % {"number": sr.pk},
    )


def _create_by_phone(request):
    """/request/new for a manager: a request for an organisation that called. The route
    (and its upload allowance, core.body_limit) is the customers' create page's."""
    if not can_create_for_organisation(request.user):
        raise PermissionDenied
    return _create_page(
        request,
        PhoneRequestForm(request.POST or None, request.FILES or None),
        lambda data: {
            "organisation": data["organisation"],
            "priority": data["priority"],
            "photos": [data["photo"]] if data["photo"] else [],
        },
        template="service_requests/create_by_phone.html",
        context={},
        created=lambda sr, data: (
            _("Request #%(number)s has been created for %(organisation)s.")
            % {"number": sr.pk, "organisation": data["organisation"].name}
        ),
    )


def _create_page(request, form, extra, *, template, context, created):
    """Either create form and its answer: the one creation service with the form's common
    fields and `extra(cleaned_data)`; on success the request's page (with `created`'s
    message the first time), else the form with its errors (400)."""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            service_request = service_request_create(
                author=request.user,
                type=data["type"],
                title=data["title"],
                description=data["description"],
                office=data["office"],
                location=data.get("location"),
                submission_key=data["submission_key"],
                **extra(data),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if service_request.was_created:
                messages.success(request, created(service_request, data))
            return redirect(service_request)
    return render(
        request, template, {"form": form, **context}, status=400 if form.is_bound else 200
    )


# --- a follow-up of a request that can no longer be reopened --------------------------------


def follow_up_source(request) -> ServiceRequest | None:
    """The request named by ?follow_up=<id> on the create page, if any; Http404 for one
    the person may not see (service_requests.access), like every other page."""
    raw = request.GET.get("follow_up")
    if not raw:
        return None
    return access_service_request(request.user, raw)


def follow_up_initial(source: ServiceRequest, places=()) -> dict:
    """The create form pre-filled from the old request: type, office, "Follow-up: …", and
    its location while it is still one of the organisation's `places`."""
    title_max = ServiceRequest._meta.get_field("title").max_length
    title = _("Follow-up: %(title)s") % {"title": source.title}
    if len(title) > title_max:
        title = title[: title_max - 1].rstrip() + "…"
    initial = {"type": source.type, "office": source.office, "title": title}
    if source.location_id and any(place.pk == source.location_id for place in places):
        initial["location"] = source.location_id
    return initial


# --- a place scanned from a printed QR code -------------------------------------------------


def qr_place_of(request, places: list[Premises]) -> Premises | None:
    """The place `?place=<token>` names if it is one of `places` (what the member's
    organisation may report about now), else None: another organisation's premises, a
    building where it leases nothing, a rotated or made-up token all read as no token.
    Looked up among the places the form lists already, so it costs no query."""
    token = request.GET.get("place", "").strip()
    if not token:
        return None
    return next((place for place in places if place.qr_token == token), None)
