"""/request/list: the customers' Active and Closed tabs (of their own requests or their
organisation's), the managers' queues (tabs with counts, filters and sorting kept in the
URL). Reads only: selectors and queues."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tenantdesk.accounts.roles import is_manager
from tenantdesk.core.paging import CappedPaginator
from tenantdesk.service_requests import customer_selectors, queues, selectors
from tenantdesk.service_requests.access import can_create_for_organisation, can_use_workspace
from tenantdesk.service_requests.forms_workspace import SORT_CHOICES, QueueFilterForm
from tenantdesk.service_requests.list_menus import filter_menus
from tenantdesk.service_requests.selectors import STATUS_ACTIVE, STATUS_ALL, RequestListFilters
from tenantdesk.service_requests.views import common


@login_required
def active_list(request):
    # Managers get the queues (tabs, sorting, due times); customers their organisation's
    # requests in Active and Closed tabs (issue 12).
    if is_manager(request.user):
        return manager_list(request, page_size=common.PAGE_SIZE)
    return customer_list(request, page_size=common.PAGE_SIZE)


# ?pane=1: the same list (same person, filters, tab and page) as a fragment of compact rows
# with no page around it, for the list pane beside an open chat on a wide screen
# (service_requests/static/service_requests/list-pane.js). Same view, same access.
PANE_PARAMETER = "pane"


def _template(request, page_template: str) -> str:
    return (
        "service_requests/list_pane.html"
        if request.GET.get(PANE_PARAMETER) == "1"
        else page_template
    )


def _tab_labels() -> dict[str, str]:
    return {
        queues.TAB_MINE: _("Mine"),
        queues.TAB_MY_BUILDINGS: _("My buildings"),
        queues.TAB_UNASSIGNED: pgettext("queue tab", "Unassigned"),
        queues.TAB_ACTIVE: _("All active"),
        queues.TAB_OVERDUE: _("Overdue"),
        queues.TAB_CLOSED: pgettext("queue tab", "Closed"),
    }


def manager_list(request, *, page_size: int):
    """The managers' /request/list: tabs with counts, filters and sorting kept in the URL."""
    if not can_use_workspace(request.user):
        raise PermissionDenied
    # The menus (organisations, buildings) and the manager's own buildings: one query.
    menus = filter_menus(request.user)
    form = QueueFilterForm(request.GET, menus=menus)
    filters = form.filters()
    tab, sort = form.chosen_tab(), form.chosen_sort()
    queryset = queues.queue_list(user=request.user, tab=tab, sort=sort, filters=filters)
    counts = queues.queue_counts(user=request.user, filters=filters)
    # The tabs' counts count this tab too (capped as the paginator would): not twice.
    paginator = CappedPaginator(queryset, page_size, known_count=queues.tab_count(counts, tab))
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = selectors.page_with_place(page.object_list)

    # The filters without the tab and page: each tab's link keeps them.
    kept = request.GET.copy()
    for name in ("page", "tab", PANE_PARAMETER):
        kept.pop(name, None)
    if kept.get("status") in ("closed", "all"):  # an old link's status is a tab now
        kept.pop("status")
    tabs = []
    for name, label in _tab_labels().items():
        # "My buildings" is a tab of the managers who look after a building (or who
        # followed a link to it): for the others it would only ever say 0.
        if name == queues.TAB_MY_BUILDINGS and not menus.my_building_ids and tab != name:
            continue
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
    page_query.pop(PANE_PARAMETER, None)
    return render(
        request,
        _template(request, "service_requests/list_manager.html"),
        {
            "page_obj": page,
            "is_manager_list": True,
            "service_requests": page.object_list,
            "filter_form": form,
            "tabs": tabs,
            "tab": tab,
            "sort": sort,
            "sort_choices": SORT_CHOICES,
            "is_filtered": filters != RequestListFilters(),
            # What the phone's "Filters" button counts: the fields in its sheet that narrow.
            "active_filters": sum(
                bool(value)
                for value in (
                    filters.type,
                    filters.organisation_id,
                    filters.building_id,
                    filters.status not in (STATUS_ACTIVE, STATUS_ALL, "closed"),
                )
            ),
            "query_string": page_query.urlencode(),
            "tab_query": f"tab={tab}" if tab in queues.TABS else "",
            "can_create_by_phone": can_create_for_organisation(request.user),
        },
    )


def _chosen_building(value, buildings) -> int | None:
    """The ?building= of a customer's list when it names one of the buildings their
    organisation's requests are in; anything else is no filter."""
    if value and str(value).isdigit() and len(str(value)) < 18:
        building_id = int(value)
        if any(pk == building_id for pk, _name in buildings):
            return building_id
    return None


def customer_list(request, *, page_size: int):
    """/request/list for a customer: the Active or the Closed tab (?tab=closed), of the
    member's own requests or the organisation's (?scope=mine / ?scope=organisation; the
    default: customer_selectors.customer_scope), of every building or one (?building=),
    paginated."""
    tab = customer_selectors.customer_tab(request.GET.get("tab"))
    # One query counts every tab of both scopes, tells whether the member is alone in
    # their organisation, which the default scope needs, and which buildings the
    # organisation's requests are in (the building menu): it runs before the rows.
    building_id = request.GET.get("building")
    counts = customer_selectors.customer_tab_counts(
        user=request.user, building_id=int(building_id) if str(building_id).isdigit() else None
    )
    building_id = _chosen_building(building_id, counts["buildings"])
    alone = counts["alone"]
    totals = counts["totals"][customer_selectors.SCOPE_MINE]
    has_own = bool(totals["active"] or totals["closed"])
    scope = customer_selectors.customer_scope(
        request.GET.get("scope"), alone=alone, has_own=has_own
    )
    queryset = customer_selectors.customer_request_list(
        user=request.user, tab=tab, scope=scope, building_id=building_id
    )
    tab_counts = counts[scope]
    # The counts also count this tab: the paginator need not.
    paginator = CappedPaginator(queryset, page_size, known_count=tab_counts[tab])
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = selectors.page_with_place(page.object_list)
    # Every link keeps the other choice and the page's other parameters; a default
    # (Active; this member's default scope; every building) needs no parameter.
    default_scope = customer_selectors.customer_scope(None, alone=alone, has_own=has_own)
    kept = request.GET.copy()
    for name in ("page", "tab", "scope", "building", PANE_PARAMETER):
        kept.pop(name, None)
    if building_id:
        kept["building"] = str(building_id)

    def query(*, to_tab: str, to_scope: str) -> str:
        chosen = kept.copy()
        if to_tab != customer_selectors.TAB_ACTIVE:
            chosen["tab"] = to_tab
        if to_scope != default_scope:
            chosen["scope"] = to_scope
        return chosen.urlencode()

    list_url = reverse("service_requests:list")

    def link(*, to_tab: str, to_scope: str) -> str:
        chosen = query(to_tab=to_tab, to_scope=to_scope)
        return f"{list_url}?{chosen}" if chosen else list_url

    scopes = [
        {
            "name": name,
            "label": label,
            "count": counts[name][tab],
            "url": link(to_tab=tab, to_scope=name),
            "current": name == scope,
        }
        for name, label in (
            (customer_selectors.SCOPE_MINE, _("Mine")),
            (customer_selectors.SCOPE_ORGANISATION, pgettext("list scope", "Organisation")),
        )
    ]
    return render(
        request,
        _template(request, "service_requests/list_customer.html"),
        {
            "page_obj": page,
            "service_requests": page.object_list,
            "tab": tab,
            "scope": scope,
            "scopes": scopes,
            "tab_counts": tab_counts,
            "tab_urls": {
                name: link(to_tab=name, to_scope=scope) for name in customer_selectors.TABS
            },
            "query_string": query(to_tab=tab, to_scope=scope),
            # The building menu, when the organisation's requests are in more than one
            # building (or one is chosen): the other choices ride along as hidden fields.
            "buildings": counts["buildings"],
            "building_id": building_id,
            "show_buildings": len(counts["buildings"]) > 1 or bool(building_id),
            "building_kept": [
                (name, value)
                for name, value in (("tab", tab), ("scope", scope))
                if value != (customer_selectors.TAB_ACTIVE if name == "tab" else default_scope)
            ],
        },
    )
