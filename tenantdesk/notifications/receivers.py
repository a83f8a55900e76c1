"""What notifications does when the lower apps announce something.

Receivers only enqueue (a row in the database); the worker sends. Nothing here sends
mail or talks to another server (a page's request or a socket's thread runs them).
"""

from django.dispatch import receiver

from tenantdesk.chat.announcements import message_posted
from tenantdesk.chat.models import Message
from tenantdesk.notifications.digests import due_at, recipient_side, waiting_early_enough
from tenantdesk.notifications.tasks import (
    digest_schedule,
    notify_new_request,
    notify_request_closed,
    notify_request_reopened,
)
from tenantdesk.service_requests.models import ServiceRequest
from tenantdesk.service_requests.signals import service_request_created, status_changed


@receiver(message_posted, dispatch_uid="notifications_digest_on_message")
def _schedule_digest(sender, message, **kwargs):
    # Status changes (system messages) never make a digest due by themselves: they are
    # listed in the digest a person message brings. One query when a digest of this
    # request and side is already waiting early enough; else two inserts.
    if message.kind != Message.Kind.USER or message.internal:
        return  # an internal note is never mailed to anyone (docs/internal-notes.md)
    side = recipient_side(message)
    when = due_at(message)
    if waiting_early_enough(service_request_id=message.service_request_id, side=side, when=when):
        return
    digest_schedule(service_request_id=message.service_request_id, side=side, due_at=when)


@receiver(status_changed, dispatch_uid="notifications_email_on_closing")
def _email_closing(sender, status_change, **kwargs):
    # Sent inside the change's transaction: the job's row commits (or rolls back) with it.
    if status_change.to_status == ServiceRequest.Status.CLOSED:
        notify_request_closed.enqueue(status_change.pk)


@receiver(status_changed, dispatch_uid="notifications_email_on_reopening")
def _email_reopening(sender, status_change, **kwargs):
    # A customer reopened a closed request (service_requests.closure): tell the manager
    # side at once. In the change's transaction, like the closing's job.
    if (
        status_change.from_status == ServiceRequest.Status.CLOSED
        and status_change.to_status == ServiceRequest.Status.PENDING
    ):
        notify_request_reopened.enqueue(status_change.pk)


@receiver(service_request_created, dispatch_uid="notifications_email_on_new_request")
def _email_new_request(sender, service_request, **kwargs):
    notify_new_request.enqueue(service_request.pk)
