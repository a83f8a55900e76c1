"""Channel-layer group names come from here and nowhere else."""


def service_request_group(service_request_id: int) -> str:
    # Group names allow ASCII letters, digits, hyphens, underscores and periods.
    return f"request.{int(service_request_id)}"


def user_group(user_id: int) -> str:
    # Every open chat socket of one user: signing out closes them all.
    return f"user.{int(user_id)}"


# --- the live list (chat/inbox.py): who hears about which requests ------------------------


def inbox_managers_group() -> str:
    # Every manager's inbox sockets: managers see every organisation's requests.
    return "inbox.managers"


def inbox_organisation_group(organisation_id: int) -> str:
    # The inbox sockets of one organisation's members: they see its requests only.
    return f"inbox.organisation.{int(organisation_id)}"


def inbox_person_group(user_id: int) -> str:
    # One person's inbox sockets (their reads in another tab). Not user_group: the chat
    # sockets there have no handler for inbox events.
    return f"inbox.person.{int(user_id)}"


def service_request_managers_group(service_request_id: int) -> str:
    # The managers' chat sockets of one request: internal notes go here only, so a
    # customer's socket is never sent one (docs/internal-notes.md).
    return f"request.{int(service_request_id)}.managers"
