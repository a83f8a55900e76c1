"""Who may do what with buildings, premises and leases (every rule of the places app).

Company admins edit the company's places; a manager may place a request anywhere (a
request taken by phone); a member only where their organisation may report now.
"""

from __future__ import annotations

from tenantdesk.accounts.roles import is_company_admin, is_customer, is_manager
from tenantdesk.places import selectors
from tenantdesk.places.models import Premises


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
