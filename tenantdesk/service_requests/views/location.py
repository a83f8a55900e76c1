"""/request/<id>/location: a manager places a request, or moves it (any premises).

Its own page rather than a picker on the request's page: the list holds every premises of
every building (hundreds), which the request's page should not load on every visit.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tenantdesk.core.errors import Closed
from tenantdesk.service_requests.access import access_service_request, can_set_location
from tenantdesk.service_requests.forms_workspace import LocationForm
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services.location import service_request_set_location
from tenantdesk.service_requests.views.common import refused


@login_required
@require_http_methods(["GET", "POST"])
def set_location(request, pk: int):
    service_request = access_service_request(  # 404 before 403
        request.user,
        pk,
        queryset=ServiceRequest.objects.select_related("organisation", "location__building"),
    )
    if not can_set_location(request.user, service_request):
        raise PermissionDenied
    title = _("Location not changed")
    if service_request.is_closed:
        error = Closed(_("This request is closed and can no longer be changed."))
        return refused(request, service_request, error, title=title)
    form = LocationForm(
        request.POST if request.method == "POST" else None,
        initial={"location": service_request.location_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            service_request_set_location(
                actor=request.user,
                service_request=service_request,
                location=form.cleaned_data["location"],
            )
        except Closed as error:
            return refused(request, service_request, error, title=title)
        except ValidationError as error:  # the place it is at already
            form.add_error("location", error)
        else:
            messages.success(
                request, _("Location set: %(place)s.") % {"place": service_request.location}
            )
            return redirect(service_request)
    return render(
        request,
        "service_requests/set_location.html",
        {"service_request": service_request, "form": form},
        status=400 if form.is_bound else 200,
    )
