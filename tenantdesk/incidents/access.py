"""Who may do what with incidents: every rule of the incidents app (docs/incidents.md).

Managers run incidents (create, link, post updates, close); a customer asking for any of
their pages or posting to them is refused with 403, a signed-out visitor is sent to sign
in (the views' login_required). A member of an organisation sees the open incidents of the
buildings where it leases now, as known issues on /request/new, and may join one there.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from tenantdesk.accounts.roles import is_customer, is_manager
from tenantdesk.incidents.models import Incident
from tenantdesk.places.selectors import buildings_of


def can_manage_incidents(user) -> bool:
    return is_manager(user)


def manager_or_403(user) -> None:
    """The incidents' pages and their forms are the managers' (PermissionDenied else)."""
    if not can_manage_incidents(user):
        raise PermissionDenied


def access_incident(user, incident_id, *, lock: bool = False) -> Incident:
    """The incident with this id for a manager: 403 for anyone else (before looking, so a
    customer learns nothing of which exist), 404 for a missing one. `lock=True` (inside a
    transaction) locks its row: closing, linking and joining take turns on it."""
    manager_or_403(user)
    try:
        pk = int(incident_id)
    except (TypeError, ValueError):
        raise Http404 from None
    qs = Incident.objects.select_related("building")
    if lock:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=pk)
    except Incident.DoesNotExist:
        raise Http404 from None


def may_see_known_issues(user) -> bool:
    """Members of an organisation see their buildings' open incidents on /request/new."""
    return is_customer(user)


def joinable_incident(user, incident_id, *, lock: bool = False) -> Incident:
    """An incident a member may join: one of a building where their organisation leases
    now. 404 for any other (missing and not theirs look the same); 403 for a person who
    is no member (a manager links requests on the incident's page instead). Whether it is
    still open is the join service's question, asked on the locked row."""
    if not may_see_known_issues(user):
        raise PermissionDenied
    try:
        pk = int(incident_id)
    except (TypeError, ValueError):
        raise Http404 from None
    qs = Incident.objects.select_related("building").filter(
        building__in=buildings_of(user.organisation_id)
    )
    if lock:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=pk)
    except Incident.DoesNotExist:
        raise Http404 from None
