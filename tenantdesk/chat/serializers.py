"""The JSON a chat client receives for a message.

Two steps, because one broadcast reaches many readers: `message_data` turns a stored
message into language- and reader-neutral data (done once, where the database is);
`message_for_language` adds what depends on the reader's language, without touching the
database, once per language (chat/ws/outgoing.py). Whether a message is the reader's own
the page tells from `author_id`.
"""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tenantdesk.chat.models import Attachment, Message
from tenantdesk.core.date_labels import day_label, time_label
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.services.closure import reopened_text


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def attachment_data(attachment: Attachment) -> dict:
    return {
        "id": attachment.pk,
        "kind": attachment.kind,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "width": attachment.width,
        "height": attachment.height,
        "name": attachment.original_name,
        "url": reverse("chat:attachment", args=[attachment.pk]),
        "thumbnail_url": (
            reverse("chat:attachment_thumbnail", args=[attachment.pk])
            if attachment.thumbnail
            else None
        ),
    }


def initials(name: str) -> str:
    """Up to two letters of a name's first words, upper-case: "anna ivanova" → "AI"."""
    letters = [word[0] for word in name.split() if word and word[0].isalnum()]
    return "".join(letters[:2]).upper()


def message_status(message: Message) -> str:
    """Where the sender's mark stands: sent → delivered → read (by the other side)."""
    if message.read_at:
        return "read"
    return "delivered" if message.delivered_at else "sent"


def message_data(message: Message, *, attachments=None) -> dict:
    """Reader-neutral data; expects author__organisation selected and the attachments given
    (a message just written knows them), or loaded by the selectors (attachment_list),
    or else prefetched."""
    if attachments is None:
        attachments = getattr(message, "attachment_list", None)
    author = message.author
    return {
        "id": message.pk,
        "service_request_id": message.service_request_id,
        "client_id": str(message.client_id) if message.client_id else None,
        "kind": message.kind,
        "text": message.text,
        "event": message.event,
        "created_at": _iso(message.created_at),
        "delivered_at": _iso(message.delivered_at),
        "read_at": _iso(message.read_at),
        "status": message_status(message),
        "author_id": message.author_id,
        "by_manager": message.by_manager,
        # A manager's internal note (issue 12): only managers are ever sent one.
        "internal": message.internal,
        "organisation": (
            author.organisation.name if author is not None and author.organisation_id else None
        ),
        "author_name": author.display_name if author is not None else None,
        "author_former": author is not None and not author.is_active,
        # The chat's avatar: "Anna Ivanova" → "AI" (one rule, here, for the page and the
        # script alike).
        "author_initials": initials(author.display_name) if author is not None else None,
        "attachments": [
            attachment_data(a)
            for a in (message.attachments.all() if attachments is None else attachments)
        ],
    }


def system_text(event: dict | None, fallback: str) -> str:
    """A system message in the active language, built from its event data."""
    if event and event.get("type") in _CHANGE_TEXTS:
        return _CHANGE_TEXTS[event["type"]](event)
    if not event or event.get("type") != "status":
        return fallback
    if event.get("action") == "incident_close":
        return _incident_closed_text(event)
    if event.get("from") == ServiceRequest.Status.CLOSED:
        # The one step out of "closed": a customer reopening the request, with a reason.
        return reopened_text(actor=event.get("actor"), reason=event.get("reason"))
    labels = dict(ServiceRequest.Status.choices)
    return _("Status changed from “%(from)s” to “%(to)s” by %(actor)s.") % {
        "from": labels.get(event.get("from"), event.get("from")),
        "to": labels.get(event.get("to"), event.get("to")),
        "actor": event.get("actor") or _("a manager"),
    }


# --- the manager's workspace (issue 12): assignment and priority events ---------------------


def _assigned_text(event: dict) -> str:
    return _("Assigned to %(name)s") % {"name": event.get("assignee") or _("a manager")}


def _unassigned_text(event: dict) -> str:
    return _("Unassigned")


def _priority_text(event: dict) -> str:
    labels = dict(ServiceRequest.Priority.choices)
    return _("Priority changed from “%(from)s” to “%(to)s”") % {
        "from": labels.get(event.get("from"), event.get("from")),
        "to": labels.get(event.get("to"), event.get("to")),
    }


def _located_text(event: dict) -> str:
    # The place as it read when it was set ("Building A, 204"), kept in the event.
    return _("Location: %(place)s") % {"place": event.get("location") or "?"}


# --- incidents (issue 22): one cause, many requests --------------------------------------


def _incident_linked_text(event: dict) -> str:
    return _("Linked to incident: %(incident)s") % {"incident": event.get("incident") or "?"}


def _incident_unlinked_text(event: dict) -> str:
    return _("Unlinked from incident: %(incident)s") % {"incident": event.get("incident") or "?"}


def _incident_closed_text(event: dict) -> str:
    # The incident's title is the step's reason (service_request_incident_close).
    return _("Closed with incident “%(incident)s” by %(actor)s.") % {
        "incident": event.get("reason") or "?",
        "actor": event.get("actor") or _("a manager"),
    }


# The "type" of such a system message is its RequestEvent's kind.
_CHANGE_TEXTS = {
    "assigned": _assigned_text,
    "unassigned": _unassigned_text,
    "priority": _priority_text,
    "located": _located_text,
    "incident_linked": _incident_linked_text,
    "incident_unlinked": _incident_unlinked_text,
}


def _when(iso: str) -> dict:
    """The time and day of a message in the site's time zone, written in the active
    language's formats (tenantdesk/formats), so the page never formats dates itself."""
    moment = timezone.localtime(datetime.fromisoformat(iso))
    day = moment.date()
    return {
        "time_label": time_label(moment),
        "day": day.isoformat(),
        "day_label": day_label(day),
    }


def message_for_language(data: dict) -> dict:
    """The neutral data completed for a reader of the active language."""
    payload = dict(data)
    payload.update(_when(data["created_at"]))
    if data["kind"] == Message.Kind.SYSTEM:
        payload["author_label"] = _("System")
        payload["text"] = system_text(data.get("event"), data["text"])
        return payload
    # The person, then which side they speak for: "Anna Ivanova · Manager"; someone who has
    # left since keeps their name, marked: "Nina Volkova (former member) · Rainbow Ltd".
    side = _("Manager") if data["by_manager"] else data["organisation"]
    name = data["author_name"]
    if name and data.get("author_former"):
        name = _("%(name)s (former member)") % {"name": name}
    payload["author_label"] = " · ".join(part for part in (name, side) if part)
    return payload


def status_frame(status: str) -> dict:
    """The request.status frame that follows a status change's system message, in the
    active language."""
    return {
        "type": "request.status",
        "status": status,
        "status_label": str(ServiceRequest.Status(status).label),
        "closed": status == ServiceRequest.Status.CLOSED,
    }
