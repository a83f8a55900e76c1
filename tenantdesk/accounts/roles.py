"""What a person is: a manager of the company or a member of a tenant organisation.

The role questions every access check starts from (service_requests/access.py asks them
for requests and their chats; accounts asks them where a person lands after signing in).
"""

from __future__ import annotations

from tenantdesk.accounts.models import OrganisationRole

MANAGER_GROUP = "manager"


def is_manager(user) -> bool:
    """True for a member of the `manager` group and for superusers.

    The answer is cached on the user object: a request asks several times.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    cached = getattr(user, "_is_manager_cache", None)
    if cached is None:
        cached = user.is_superuser or user.groups.filter(name=MANAGER_GROUP).exists()
        user._is_manager_cache = cached
    return cached


def remember_role(user, *, manager: bool) -> None:
    """Give is_manager its answer for this user object, read with the user (one joined
    query: accounts.sessions.user_with_role) instead of one more query later."""
    user._is_manager_cache = manager


def is_customer(user) -> bool:
    """A signed-in member of an organisation who is not a manager."""
    return (
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.organisation_id is not None
        and not is_manager(user)
    )


def is_organisation_admin(user) -> bool:
    """A customer who manages their organisation's people and details."""
    return is_customer(user) and user.organisation_role == OrganisationRole.ADMIN


def is_company_admin(user) -> bool:
    """A manager who manages the company's team (a superuser always is)."""
    return is_manager(user) and (user.is_superuser or user.company_admin)
