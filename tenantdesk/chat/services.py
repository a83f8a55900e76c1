"""The only code that writes chat messages. Each write broadcasts after commit."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils.translation import gettext_noop

from tenantdesk.chat.groups import service_request_group
from tenantdesk.chat.models import Message


def _broadcast_on_commit(service_request_id: int, event: dict) -> None:
    """Send an event to everyone watching the request, once the data is committed."""

    def send():
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(service_request_group(service_request_id), event)

    transaction.on_commit(send)


@transaction.atomic
def request_status_message_post(*, service_request, status_change) -> Message:
    """Record a status change as a system message and tell open chats about both.

    Called by service_requests.services.service_request_change_status inside its
    transaction, so the message exists exactly when the change does.
    """
    message = Message.objects.create(
        service_request=service_request,
        kind=Message.Kind.SYSTEM,
        # Stored untranslated; each reader sees it in their own language.
        text=gettext_noop("Status changed: %(status)s"),
        created_at=status_change.changed_at,
    )
    _broadcast_on_commit(
        service_request.pk,
        {
            "type": "request.status",
            "service_request_id": service_request.pk,
            "status": status_change.to_status,
            "message_id": message.pk,
        },
    )
    return message
