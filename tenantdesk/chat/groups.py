"""Channel-layer group names come from here and nowhere else."""


def service_request_group(service_request_id: int) -> str:
    # Group names allow ASCII letters, digits, hyphens, underscores and periods.
    return f"request.{int(service_request_id)}"


def user_group(user_id: int) -> str:
    # Every open chat socket of one user: signing out closes them all.
    return f"user.{int(user_id)}"
