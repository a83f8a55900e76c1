"""A request's events as the chat's system messages: the one place that turns an event
into a chat line (its text in each reader's language is serializers.system_text)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import translation

from tenantdesk.chat.models import Message
from tenantdesk.chat.serializers import message_data, system_text
from tenantdesk.chat.services.common import (
    announce_on_commit,
    broadcast_on_commit,
)
from tenantdesk.chat.ws.frames import encode
from tenantdesk.chat.ws.outgoing import message_frames, status_frames
from tenantdesk.chat.ws.protocol import Frame
from tenantdesk.service_requests.models import RequestEvent

# The kinds of RequestEvent the chat reports, each as a system message everyone in the chat
# sees, customers included; the others (the creation, a rating) have pages of their own.
CHAT_REPORTED_EVENTS = (
    RequestEvent.Kind.STATUS,
    RequestEvent.Kind.ASSIGNED,
    RequestEvent.Kind.UNASSIGNED,
    RequestEvent.Kind.PRIORITY,
    RequestEvent.Kind.LOCATED,  # a manager placed or moved the request (issue 22)
    RequestEvent.Kind.INCIDENT_LINKED,
    RequestEvent.Kind.INCIDENT_UNLINKED,
)


def system_event_data(event: RequestEvent) -> dict:
    """What a system message keeps of a request's event (Message.event): the payload's
    data with its kind as "type" and who did it, so each reader gets the text in their own
    language (serializers.system_text). A status step keeps from, to, a reason given and
    its action (an incident's close reads differently from a manager's)."""
    data = dict(event.data)
    if event.kind == RequestEvent.Kind.STATUS:
        data = {key: data[key] for key in ("from", "to", "reason", "action") if data.get(key)}
    actor = event.actor
    return {
        **data,
        "type": event.kind,
        "actor": actor.display_name if actor else None,
        "actor_id": actor.pk if actor else None,
    }


@transaction.atomic
def request_event_message_post(*, event: RequestEvent) -> Message | None:
    """Post a request's event as a system message and tell the open chats after commit (a
    status step also as `request.status`, which moves the page's status and controls).

    Called (through service_requests.signals.request_event) inside the event's
    transaction, so the message exists exactly when the change does. Kinds the chat does
    not report return None.
    """
    if event.kind == RequestEvent.Kind.RATED:
        # No chat line, but the open pages show the rating (and drop the form): a frame
        # that says so, the same in every language (issue 23).
        frame = encode({"type": Frame.REQUEST_CHANGED, "kind": event.kind})
        broadcast_on_commit(event.service_request_id, {"type": "request.changed", "text": frame})
        return None
    if event.kind not in CHAT_REPORTED_EVENTS:
        return None
    data = system_event_data(event)
    with translation.override(settings.LANGUAGE_CODE):
        # Kept for the admin site and exports; readers get the text in their own language.
        text = system_text(data, "")
    message = Message.objects.create(
        service_request_id=event.service_request_id,
        kind=Message.Kind.SYSTEM,
        text=text,
        event=data,
        created_at=event.created_at,
    )
    # A system message has no author or attachments: its data needs no reading back.
    message.author = None
    message.data = message_data(message, attachments=[])
    announce_on_commit(message)
    if event.kind == RequestEvent.Kind.STATUS:
        frame = {
            "type": "request.status",
            "id": message.pk,
            "frames": status_frames(message.data, event.payload.to_status),
        }
    else:
        frame = {
            "type": "chat.message",
            "id": message.pk,
            "internal": False,
            "frames": message_frames(message.data),
        }
    broadcast_on_commit(event.service_request_id, frame)
    return message
