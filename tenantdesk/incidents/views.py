"""The managers' incident pages: the list, a new incident, one incident (its requests,
updates, links and closing). Thin: incidents.access decides, one service acts, a refusal
re-renders the page with the reason (400) and stores nothing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from tenantdesk.incidents import selectors
from tenantdesk.incidents.access import access_incident, manager_or_403
from tenantdesk.incidents.forms import IncidentForm, LinkForm, UpdateForm
from tenantdesk.incidents.models import Incident
from tenantdesk.incidents.services.close import incident_close
from tenantdesk.incidents.services.create import incident_create
from tenantdesk.incidents.services.links import incident_link_request, incident_unlink_request
from tenantdesk.incidents.services.updates import incident_update_post
from tenantdesk.service_requests.access import access_service_request


@login_required
def incident_list(request):
    manager_or_403(request.user)
    return render(
        request,
        "incidents/list.html",
        {
            "open_incidents": selectors.incident_list(status=Incident.Status.OPEN),
            "closed_incidents": selectors.incident_list(status=Incident.Status.CLOSED)[:50],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_new(request):
    manager_or_403(request.user)
    source = None
    raw = request.POST.get("from_request") or request.GET.get("from_request")
    if raw:
        source = access_service_request(request.user, raw)  # 404 for a missing one
    initial = {}
    if source is not None:
        initial = {"from_request": source.pk, "type": source.type, "title": source.title}
        if source.location_id:
            initial["building"] = source.location.building_id
    form = IncidentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = incident_create(
                actor=request.user,
                title=data["title"],
                building=data["building"],
                type=data["type"],
                from_request_id=data["from_request"],
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("The incident has been created."))
            return redirect(incident)
    return render(
        request,
        "incidents/new.html",
        {"form": form, "source": source},
        status=400 if form.is_bound else 200,
    )


def _errors_to_form(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _detail_page(request, incident, *, update_form=None, link_form=None, error=None, status=200):
    links = list(selectors.incident_links(incident))
    active = sum(1 for link in links if not link.service_request.is_closed)
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            "links": links,
            "active_count": active,
            "updates": selectors.incident_updates(incident),
            "update_form": update_form or UpdateForm(),
            "link_form": link_form or LinkForm(),
            "error": error,
        },
        status=status,
    )


@login_required
def incident_detail(request, pk: int):
    return _detail_page(request, access_incident(request.user, pk))


@login_required
@require_POST
def incident_update(request, pk: int):
    incident = access_incident(request.user, pk)
    form = UpdateForm(request.POST)
    if form.is_valid():
        try:
            update = incident_update_post(
                actor=request.user,
                incident=incident,
                text=form.cleaned_data["text"],
                client_id=form.cleaned_data["client_id"],
            )
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "The update has been posted in %(count)s chat.",
                    "The update has been posted in %(count)s chats.",
                    update.sent,
                )
                % {"count": update.sent},
            )
            return redirect(incident)
    return _detail_page(request, incident, update_form=form, status=400)


@login_required
@require_POST
def incident_link(request, pk: int):
    incident = access_incident(request.user, pk)
    form = LinkForm(request.POST)
    if form.is_valid():
        number = form.cleaned_data["number"]
        try:
            incident_link_request(actor=request.user, incident=incident, service_request_id=number)
        except Http404:
            form.add_error("number", _("There is no request #%(number)s.") % {"number": number})
        except ValidationError as error:
            form.add_error("number", error)
        else:
            messages.success(
                request, _("Request #%(number)s has been linked.") % {"number": number}
            )
            if request.POST.get("back") == "request":  # linked from the request's panel
                return redirect("service_requests:detail", pk=number)
            return redirect(incident)
    return _detail_page(request, incident, link_form=form, status=400)


@login_required
@require_POST
def incident_unlink(request, pk: int, request_pk: int):
    incident = access_incident(request.user, pk)
    try:
        incident_unlink_request(
            actor=request.user, incident=incident, service_request_id=request_pk
        )
    except ValidationError as error:
        return _detail_page(request, incident, error=" ".join(error.messages), status=400)
    messages.success(request, _("Request #%(number)s has been unlinked.") % {"number": request_pk})
    return redirect(incident)


@login_required
@require_POST
def incident_close_view(request, pk: int):
    incident = access_incident(request.user, pk)
    try:
        closed = incident_close(actor=request.user, incident=incident)
    except ValidationError as error:
        return _detail_page(request, incident, error=" ".join(error.messages), status=400)
    messages.success(
        request,
        ngettext(
            "The incident has been closed, and %(count)s request with it.",
            "The incident has been closed, and %(count)s requests with it.",
            closed,
        )
        % {"count": closed},
    )
    return redirect(incident)
