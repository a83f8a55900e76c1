"""Who may do what with buildings, premises and leases (every rule of the places app).

Company admins edit the company's places; a manager may place a request anywhere (a
request taken by phone); a member only where their organisation may report now.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from tenantdesk.accounts.roles import is_company_admin, is_customer, is_manager
from tenantdesk.places import selectors
from tenantdesk.places.models import Building, Premises


def can_edit_places(user) -> bool:
    return is_company_admin(user)


def can_view_places(user) -> bool:
    """Managers read the buildings (to assign, to print a QR sheet); admins edit them."""
    return is_manager(user)


def can_place_request_at(user, premises: Premises, *, organisation_id: int | None = None) -> bool:
    """A manager: anywhere (by phone, or placing a request later). A member: a place their
    organisation leases now, or a common area of a building where it leases now."""
    if is_manager(user):
        return True
    if not is_customer(user):
        return False
    return selectors.may_report_at(organisation_id or user.organisation_id, premises)


# --- The company's pages (/company/buildings, the QR sheets) --------------------------------
# Buildings are the company's own records, not a tenant's: every manager reads them (403 for
# anyone else signed in), only a company admin changes them (403 for a manager's POST).


def places_reader_or_403(user) -> None:
    if not can_view_places(user):
        raise PermissionDenied


def places_editor_or_403(user) -> None:
    if not can_edit_places(user):
        raise PermissionDenied


def access_building(user, building_id, *, edit: bool = False) -> Building:
    """A building for the company's pages: 403 before 404, so a customer learns nothing."""
    (places_editor_or_403 if edit else places_reader_or_403)(user)
    try:
        return Building.objects.get(pk=int(building_id))
    except (TypeError, ValueError, Building.DoesNotExist):
        raise Http404 from None


def access_premises(user, premises_id, *, edit: bool = False) -> Premises:
    (places_editor_or_403 if edit else places_reader_or_403)(user)
    try:
        return Premises.objects.select_related("building").get(pk=int(premises_id))
    except (TypeError, ValueError, Premises.DoesNotExist):
        raise Http404 from None
