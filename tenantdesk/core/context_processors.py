from tenantdesk.core.permissions import can_create_service_request, is_manager


def roles(request):
    """Lets every template ask the permissions module instead of deciding roles itself."""
    user = getattr(request, "user", None)
    return {
        "user_is_manager": is_manager(user) if user is not None else False,
        "user_can_create_request": can_create_service_request(user) if user else False,
    }
