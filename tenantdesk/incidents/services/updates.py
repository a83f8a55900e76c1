"""An update on an incident: written once, then put into every linked active chat as the
manager's own message, through the chat's one send service (broadcast live to each chat,
counted for unread and the digests like any manager's message).

The messages' client ids are derived from the update and the request (uuid5), and the
update from the form's key: a resubmitted form finds its update and sends again, which
stores nothing twice and completes whatever a failed attempt left out. It all runs in one
transaction as well, so a failure leaves neither the update nor any of its messages.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tenantdesk.chat.services.send import message_send
from tenantdesk.core.errors import Closed
from tenantdesk.incidents.access import access_incident
from tenantdesk.incidents.models import Incident, IncidentUpdate
from tenantdesk.incidents.services.links import incident_open_or_refuse
from tenantdesk.service_requests.models import ServiceRequest

# uuid5's namespace for the chat messages of incident updates (a fixed, random UUID).
MESSAGE_NAMESPACE = uuid.UUID("6d1f3a4e-2b8c-4f0a-9e57-1c2d3b4a5f60")


def message_client_id(update: IncidentUpdate, service_request_id: int) -> uuid.UUID:
    """The chat message's client id for this update in this request: the same every time."""
    return uuid.uuid5(MESSAGE_NAMESPACE, f"incident-update:{update.pk}:{service_request_id}")


def _refused(message: str, code: str) -> ValidationError:
    return ValidationError({"text": ValidationError(message, code=code)})


def _clean_text(text) -> str:
    text = (text or "").strip() if isinstance(text, str) else ""
    if not text:
        raise _refused(_("Write the update."), "required")
    if "\x00" in text:
        raise _refused(
            _("The update contains characters that cannot be stored (such as NUL)."),
            "invalid_text",
        )
    if len(text) > settings.CHAT_MESSAGE_MAX_LENGTH:
        raise _refused(
            _("The update is too long (%(length)s characters); the limit is %(max)s.")
            % {"length": len(text), "max": settings.CHAT_MESSAGE_MAX_LENGTH},
            "too_long",
        )
    return text


@transaction.atomic
def incident_update_post(
    *, actor, incident: Incident, text: str, client_id: uuid.UUID | None = None
) -> IncidentUpdate:
    """Post an update on an open incident and put it into every linked active chat as
    `actor`'s message. Returns the update (`sent`: how many chats got it now).

    PermissionDenied for anyone but a manager; ValidationError for an empty or too long
    text or a closed incident (nothing stored). `client_id` (the form's key) makes a
    second submission of the same form return the first update, completing its messages.
    """
    incident = access_incident(actor, incident.pk, lock=True)
    incident_open_or_refuse(incident)
    text = _clean_text(text)
    update = None
    if client_id is not None:
        update = IncidentUpdate.objects.filter(incident=incident, client_id=client_id).first()
    if update is None:
        try:
            with transaction.atomic():
                update = IncidentUpdate.objects.create(
                    incident=incident,
                    author=actor,
                    text=text,
                    client_id=client_id,
                    created_at=timezone.now(),
                )
        except IntegrityError:  # the same form at once: the first one is the update
            update = IncidentUpdate.objects.get(incident=incident, client_id=client_id)
    requests = ServiceRequest.objects.filter(
        incident_link__incident=incident, status__in=ServiceRequest.ACTIVE_STATUSES
    ).order_by("pk")
    sent = 0
    for service_request in requests:
        try:
            message = message_send(
                author=actor,
                service_request=service_request,
                text=update.text,
                client_id=message_client_id(update, service_request.pk),
            )
        except Closed:  # closed since the list was read: its chat is read-only
            continue
        sent += message.was_created
    update.sent = sent
    return update
