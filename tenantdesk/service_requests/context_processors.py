"""What every page's layout asks about the person: their role, and whether they may open a
request (service_requests.access answers; templates never decide roles themselves)."""

from tenantdesk.accounts.roles import is_manager
from tenantdesk.service_requests.access import can_create_service_request


def roles(request):
    """Lets every template ask the permissions module instead of deciding roles itself."""
    user = getattr(request, "user", None)
    return {
        "user_is_manager": is_manager(user) if user is not None else False,
        "user_can_create_request": can_create_service_request(user) if user else False,
    }
