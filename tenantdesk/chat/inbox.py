"""The live list's events: what the inbox sockets (/ws/inbox/, chat/ws/inbox_socket.py) hear.

Every signed-in page keeps one inbox socket; it tells the page that its list, navigation
badge or tab title may have changed, and carries what a browser notification shows. The
page then asks the server for the new state over HTTP (the list's own HTML, the badge's
JSON), so these events say *what* happened, never a person's counts.

Who hears what follows service_requests.access: managers see every organisation's requests, a
customer their organisation's only. So a request's events go to the managers' group and
to its organisation's group, and reads (one person's state) to that person's group only.
Everything is sent after commit (chat.broadcast.after_commit): nothing is announced that
could still be rolled back.
"""

from __future__ import annotations

from tenantdesk.accounts.roles import is_customer, is_manager
from tenantdesk.chat.broadcast import after_commit
from tenantdesk.chat.groups import (
    inbox_managers_group,
    inbox_organisation_group,
    inbox_person_group,
)
from tenantdesk.chat.models import Message
from tenantdesk.chat.ws.outgoing import inbox_frames
from tenantdesk.chat.ws.protocol import Frame
from tenantdesk.service_requests.models import ServiceRequest

# The channel layer event every inbox socket handles (InboxConsumer.inbox_event).
EVENT_TYPE = "inbox.event"
PREVIEW_CHARS = 140


def audience_of(user) -> tuple[bool, int | None] | None:
    """(is a manager, organisation id) deciding which requests' events a person hears;
    None: none at all. Built on service_requests.access, like service_requests_visible_to."""
    if is_manager(user):
        return (True, None)
    if is_customer(user):
        return (False, user.organisation_id)
    return None


def groups_of(*, user_id: int, audience) -> list[str]:
    """The inbox groups a socket of this person joins."""
    groups = [inbox_person_group(user_id)]
    if audience is not None:
        manager, organisation_id = audience
        groups.append(
            inbox_managers_group() if manager else inbox_organisation_group(organisation_id)
        )
    return groups


def may_hear(audience, organisation_id: int | None) -> bool:
    """Whether a socket with this audience may hear about a request of this organisation
    (None: a person's own event, sent to their group only). Checked again on every event,
    so a socket whose group membership were stale still hears nothing foreign."""
    if organisation_id is None:
        return True
    if audience is None:
        return False
    manager, own_organisation_id = audience
    return manager or own_organisation_id == organisation_id


def _to_request_audience(organisation_id: int, frame: dict, **extra) -> None:
    event = {
        "type": EVENT_TYPE,
        "organisation_id": organisation_id,
        "frames": inbox_frames(frame),
        **extra,
    }
    for group in (inbox_managers_group(), inbox_organisation_group(organisation_id)):
        after_commit(group, event)


def preview(text: str) -> str:
    """A message's first non-empty line, cut to PREVIEW_CHARS (a notification's body)."""
    for line in text.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= PREVIEW_CHARS else line[: PREVIEW_CHARS - 1] + "…"
    return ""


def message_announce(*, message: Message) -> None:
    """A message was stored: its request moves up in the lists; a person's message counts
    as unread for the other side (the socket works out which side its reader is on).

    An internal note is announced to nobody: it must not reach a customer's list or
    notification, it is never unread for a manager, and it does not move the request
    up the lists (docs/internal-notes.md)."""
    if message.internal:
        return
    service_request = message.service_request  # the sender's object: no query on a send
    data = getattr(message, "data", None) or {}
    _to_request_audience(
        service_request.organisation_id,
        {
            "type": Frame.REQUEST_MESSAGE,
            "service_request_id": service_request.pk,
            "title": service_request.title,
            "message_id": message.pk,
            "system": message.kind != Message.Kind.USER,
            "by_manager": message.by_manager,
            "author_id": message.author_id,
            "preview": preview(message.text),
            "attachments": len(data.get("attachments", ())),
        },
        # A person's message the other side's inbox sockets may acknowledge as delivered
        # (ws/inbox_socket.py); system messages have no receipts.
        deliverable=(
            {"id": message.pk, "by_manager": message.by_manager}
            if message.kind == Message.Kind.USER
            else None
        ),
    )


def read_announce(*, reader_id: int, service_request_id: int, last_read_id: int) -> None:
    """A person's read position moved: their other tabs lower their counts."""
    after_commit(
        inbox_person_group(reader_id),
        {
            "type": EVENT_TYPE,
            "organisation_id": None,
            "frames": inbox_frames(
                {
                    "type": Frame.REQUEST_READ,
                    "service_request_id": service_request_id,
                    "last_read_id": last_read_id,
                }
            ),
        },
    )


def request_created_announce(*, service_request: ServiceRequest) -> None:
    """A new request: it appears at the top of the managers' lists (and its organisation's)."""
    _to_request_audience(
        service_request.organisation_id,
        {
            "type": Frame.REQUEST_NEW,
            "service_request_id": service_request.pk,
            "title": service_request.title,
        },
    )


def status_announce(*, service_request: ServiceRequest, status: str) -> None:
    """A status change (sent once its transaction commits): lists show it, and a closed
    request leaves the active lists and the unread total."""
    _to_request_audience(
        service_request.organisation_id,
        {
            "type": Frame.REQUEST_STATUS,
            "service_request_id": service_request.pk,
            "status": status,
            "closed": status == ServiceRequest.Status.CLOSED,
        },
    )
