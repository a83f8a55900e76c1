"""/incidents/<id>/join: the "Add us to it" button inside a member's create form
(formaction), so what they typed (title, description, photos, place) arrives here and
becomes their request, linked to the incident (services/join.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tenantdesk.core.body_limit import body_limit
from tenantdesk.incidents.access import joinable_incident
from tenantdesk.incidents.services.join import incident_join
from tenantdesk.places.selectors import places_for
from tenantdesk.service_requests.forms import ServiceRequestForm
from tenantdesk.service_requests.views import create as create_views

# The button's name (and a hidden field the page's script fills, since a button disabled
# by submit-once.js is not sent): a page this view rendered again (a form with errors)
# posts its plain "Create request" here too, and that is then the create page's business.
JOIN_FIELD = "incident_join"


def _create_form(request, data) -> ServiceRequestForm:
    """The create page's own form, with the organisation's places as the create view gives
    them, so the join validates exactly what that page does."""
    places = list(places_for(request.user.organisation_id))
    return ServiceRequestForm(data, request.FILES, places=places)


@body_limit(upload_bytes=create_views._photo_upload_bytes)
@login_required
@require_POST
def join(request, pk: int):
    if not any(request.POST.getlist(JOIN_FIELD)):
        return create_views.create(request)
    incident = joinable_incident(request.user, pk)  # 403 for a non-member, 404 not theirs
    data = request.POST.copy()
    # The request joins the incident: its type is the incident's, whatever was picked.
    data["type"] = incident.type
    form = _create_form(request, data)
    if form.is_valid():
        cleaned = form.cleaned_data
        extra = {}
        if cleaned.get("location") is not None:  # the create form's place, when it has one
            extra["location"] = cleaned["location"]
        try:
            service_request = incident_join(
                author=request.user,
                incident_id=incident.pk,
                title=cleaned["title"],
                description=cleaned["description"],
                office=cleaned["office"],
                submission_key=cleaned["submission_key"],
                photos=cleaned["photo"],
                priority=form.priority(),
                **extra,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if service_request.was_created:
                messages.success(
                    request,
                    _("Request #%(number)s has been created and added to “%(incident)s”.")
                    % {"number": service_request.pk, "incident": incident.title},
                )
            return redirect(service_request)
    return render(request, "service_requests/create.html", {"form": form}, status=400)
