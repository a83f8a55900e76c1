"""What notifications does when the lower apps announce something.

Receivers only enqueue (a row in the database); the worker sends. Nothing here sends
mail or talks to another server (a page's request or a socket's thread runs them).
"""

from django.dispatch import receiver

from tenantdesk.announcements.models import Announcement
from tenantdesk.announcements.signals import announcement_published
from tenantdesk.chat.announcements import message_posted
from tenantdesk.chat.models import Message
from tenantdesk.notifications.announcements import notify_announcement
from tenantdesk.notifications.digests import (
    due_at,
    recipient_side,
    remember_waiting,
    waiting_early_enough,
)
from tenantdesk.notifications.tasks import (
    digest_schedule,
    notify_new_request,
    notify_request_closed,
    notify_request_reopened,
    send_invitation,
)
from tenantdesk.people.models import Invitation
from tenantdesk.people.signals import invitation_sent
from tenantdesk.service_requests.models import RequestEvent, ServiceRequest
from tenantdesk.service_requests.signals import request_event


@receiver(message_posted, dispatch_uid="notifications_digest_on_message")
def _schedule_digest(sender, message, **kwargs):
    # Status changes (system messages) never make a digest due by themselves: they are
    # listed in the digest a person message brings. Nothing when this process has seen a
    # digest of this request and side waiting early enough (the next messages of a busy
    # chat), one query to look, two inserts when none is.
    if message.kind != Message.Kind.USER or message.internal:
        return  # an internal note is never mailed to anyone (docs/internal-notes.md)
    side = recipient_side(message)
    when = due_at(message)
    if waiting_early_enough(service_request_id=message.service_request_id, side=side, when=when):
        return
    digest_schedule(service_request_id=message.service_request_id, side=side, due_at=when)
    remember_waiting(service_request_id=message.service_request_id, side=side, due_at=when)


@receiver(request_event, dispatch_uid="notifications_email_on_request_event")
def _email_on_request_event(sender, event, **kwargs):
    # Sent inside the event's transaction: the job's row commits (or rolls back) with it.
    if event.kind == RequestEvent.Kind.CREATED:
        notify_new_request.enqueue(event.service_request_id, event.pk)
    elif event.kind == RequestEvent.Kind.STATUS:
        step = event.payload
        if step.to_status == ServiceRequest.Status.CLOSED:
            notify_request_closed.enqueue(event.pk)
        elif step.from_status == ServiceRequest.Status.CLOSED:
            # A customer reopened a closed request: tell the manager side at once.
            notify_request_reopened.enqueue(event.pk)


@receiver(invitation_sent, sender=Invitation, dispatch_uid="notifications_invitation_email")
def _email_invitation(sender, invitation_id, nonce, **kwargs):
    send_invitation.enqueue(invitation_id, nonce)


@receiver(
    announcement_published, sender=Announcement, dispatch_uid="notifications_announcement_email"
)
def _email_announcement(sender, announcement_id, revision, **kwargs):
    # Sent inside the announcement's transaction: the job commits (or rolls back) with it,
    # and the worker sends; never the page's request.
    notify_announcement.enqueue(announcement_id, revision)
