"""Pages and endpoints of the manager's workspace (issue 12): the queues, assignment,
priority. Thin: parse, ask core.permissions, call one service, render."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from tenantdesk.core.errors import Closed, describe, json_error_for, wants_json
from tenantdesk.core.paging import CappedPaginator
from tenantdesk.core.permissions import (
    access_service_request,
    can_assign,
    can_create_for_organisation,
    can_set_priority,
    can_use_workspace,
)
from tenantdesk.service_requests import phone, queues, workspace
from tenantdesk.service_requests.forms_workspace import (
    SORT_CHOICES,
    AssignForm,
    PhoneRequestForm,
    PriorityForm,
    QueueFilterForm,
)
from tenantdesk.service_requests.models import RequestChange, ServiceRequest
from tenantdesk.service_requests.selectors import RequestListFilters

PAGE_SIZE = 25


def _tab_labels() -> dict[str, str]:
    return {
        queues.TAB_MINE: _("Mine"),
        queues.TAB_UNASSIGNED: pgettext("queue tab", "Unassigned"),
        queues.TAB_ACTIVE: _("All active"),
        queues.TAB_OVERDUE: _("Overdue"),
        queues.TAB_CLOSED: pgettext("queue tab", "Closed"),
    }


def manager_list(request, *, page_size: int = PAGE_SIZE):
    """The managers' /request/list: tabs with counts, filters and sorting kept in the URL."""
    if not can_use_workspace(request.user):
        raise PermissionDenied
    form = QueueFilterForm(request.GET)
    filters = form.filters()
    tab, sort = form.chosen_tab(), form.chosen_sort()
    queryset = queues.queue_list(user=request.user, tab=tab, sort=sort, filters=filters)
    counts = queues.queue_counts(user=request.user, filters=filters)
    # The tabs' counts count this tab too (capped as the paginator would): not twice.
    paginator = CappedPaginator(queryset, page_size, known_count=queues.tab_count(counts, tab))
    page = paginator.get_page(request.GET.get("page"))

    # The filters without the tab and page: each tab's link keeps them.
    kept = request.GET.copy()
    for name in ("page", "tab"):
        kept.pop(name, None)
    if kept.get("status") in ("closed", "all"):  # an old link's status is a tab now
        kept.pop("status")
    tabs = []
    for name, label in _tab_labels().items():
        query = kept.copy()
        query["tab"] = name
        tabs.append(
            {
                "name": name,
                "label": label,
                "count": counts[name],
                "url": "?" + query.urlencode(),
                "current": name == tab,
            }
        )
    page_query = request.GET.copy()
    page_query.pop("page", None)
    return render(
        request,
        "service_requests/list_manager.html",
        {
            "page_obj": page,
            "service_requests": page.object_list,
            "filter_form": form,
            "tabs": tabs,
            "tab": tab,
            "sort": sort,
            "sort_choices": SORT_CHOICES,
            "is_filtered": filters != RequestListFilters(),
            "query_string": page_query.urlencode(),
            "tab_query": f"tab={tab}" if tab in queues.TABS else "",
            "can_create_by_phone": can_create_for_organisation(request.user),
        },
    )


# --- the request page -----------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    who: str
    text: str
    reason: str = ""


def _change_text(change: RequestChange) -> str:
    data = change.data or {}
    if change.kind == RequestChange.Kind.ASSIGNED:
        return _("Assigned to %(name)s") % {"name": data.get("assignee") or "?"}
    if change.kind == RequestChange.Kind.PRIORITY:
        labels = dict(ServiceRequest.Priority.choices)
        return _("Priority: %(from)s → %(to)s") % {
            "from": labels.get(data.get("from"), data.get("from")),
            "to": labels.get(data.get("to"), data.get("to")),
        }
    return RequestChange.Kind(change.kind).label if change.kind in RequestChange.Kind else ""


def request_history(service_request: ServiceRequest) -> list[HistoryEntry]:
    """Status changes and other changes (assignment, priority …) together, oldest first."""
    entries = [
        HistoryEntry(
            at=step.changed_at,
            who=step.changed_by.display_name,
            text=_("%(from)s → %(to)s")
            % {"from": step.get_from_status_display(), "to": step.get_to_status_display()},
            reason=step.reason,
        )
        for step in service_request.status_changes.select_related("changed_by")
    ]
    entries += [
        HistoryEntry(at=change.created_at, who=change.actor.display_name, text=_change_text(change))
        for change in service_request.changes.select_related("actor")
    ]
    return sorted(entries, key=lambda entry: entry.at)


def detail_context(user, service_request: ServiceRequest) -> dict:
    """What the request page adds for the workspace: the merged history for everyone, the
    assignment and priority controls for managers."""
    context = {"request_history": request_history(service_request)}
    if can_assign(user, service_request):
        context["assign_form"] = AssignForm(initial={"assignee": service_request.assignee_id})
    if can_set_priority(user, service_request):
        context["priority_form"] = PriorityForm(initial={"priority": service_request.priority})
    context["show_due"] = can_use_workspace(user)
    return context


def _refused(request, service_request, error, *, title: str):
    if wants_json(request):
        return json_error_for(error)
    status, _code, detail = describe(error)
    return render(
        request,
        "service_requests/action_refused.html",
        {"service_request": service_request, "detail": detail, "title": title},
        status=status,
    )


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
        return _refused(request, service_request, error, title=title)
    try:
        workspace.service_request_assign(
            actor=request.user,
            service_request=service_request,
            assignee=form.chosen_assignee(request.user),
        )
    except (ValidationError, Closed) as error:
        return _refused(request, service_request, error, title=title)
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
        return _refused(request, service_request, error, title=title)
    if wants_json(request):
        return JsonResponse({"id": service_request.pk, "priority": service_request.priority})
    messages.success(
        request,
        _("Priority changed: %(priority)s.") % {"priority": service_request.get_priority_display()},
    )
    return redirect(service_request)


# --- requests taken by phone ----------------------------------------------------------------


def create_by_phone(request):
    """/request/new for a manager: a request for an organisation that called. The route
    (and its upload allowance, core.body_limit) is the customers' create page's."""
    if not can_create_for_organisation(request.user):
        raise PermissionDenied
    form = PhoneRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            service_request = phone.service_request_create_by_phone(
                actor=request.user,
                organisation=data["organisation"],
                type=data["type"],
                title=data["title"],
                description=data["description"],
                office=data["office"],
                priority=data["priority"],
                photo=data["photo"],
                submission_key=data["submission_key"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if service_request.was_created:
                messages.success(
                    request,
                    _("Request #%(number)s has been created for %(organisation)s.")
                    % {"number": service_request.pk, "organisation": data["organisation"].name},
                )
            return redirect(service_request)
    return render(
        request,
        "service_requests/create_by_phone.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )
