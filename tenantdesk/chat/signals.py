"""The chat's answers to what accounts and requests announce: sockets follow their user's
sign-in, status changes become system messages, and the live lists hear what changed."""

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from tenantdesk.accounts.revocation import user_access_changed
from tenantdesk.chat import inbox
from tenantdesk.chat.announcements import message_posted, messages_read
from tenantdesk.chat.services.sockets import user_sockets_disconnect, user_sockets_recheck
from tenantdesk.chat.services.system_messages import request_event_message_post
from tenantdesk.service_requests.models import RequestEvent
from tenantdesk.service_requests.signals import request_event


@receiver(user_logged_out, dispatch_uid="chat_close_sockets_on_sign_out")
def _close_sockets_on_sign_out(sender, request, user, **kwargs):
    # Sent before the session is flushed, so its key still names the sockets to close.
    if user is None:
        return
    session = getattr(request, "session", None)
    user_sockets_disconnect(
        user_id=user.pk, session_key=getattr(session, "session_key", None) if session else None
    )


@receiver(user_access_changed, dispatch_uid="chat_recheck_sockets_on_access_change")
def _recheck_sockets(sender, user_ids, **kwargs):
    # A password change, deactivation or a new role (of one user, or of many in bulk):
    # every socket of theirs checks its session and access again, on whichever worker.
    user_sockets_recheck(user_ids=user_ids)


@receiver(request_event, dispatch_uid="chat_request_event_as_system_message")
def _post_request_event(sender, event, **kwargs):
    # Inside the event's transaction: the system message exists exactly when the change does.
    request_event_message_post(event=event)


# --- the live list (chat/inbox.py) ---------------------------------------------------------


@receiver(message_posted, dispatch_uid="chat_inbox_message_posted")
def _inbox_message(sender, message, **kwargs):
    inbox.message_announce(message=message)


@receiver(messages_read, dispatch_uid="chat_inbox_messages_read")
def _inbox_read(sender, reader, service_request_id, last_read_id, **kwargs):
    inbox.read_announce(
        reader_id=reader.pk, service_request_id=service_request_id, last_read_id=last_read_id
    )


@receiver(request_event, dispatch_uid="chat_inbox_request_event")
def _inbox_request_event(sender, event, **kwargs):
    # Inside the event's transaction: inbox sends through after_commit, so a rolled-back
    # change is never announced.
    if event.kind == RequestEvent.Kind.CREATED:
        inbox.request_created_announce(service_request=event.service_request)
    elif event.kind == RequestEvent.Kind.STATUS:
        inbox.status_announce(service_request=event.service_request, status=event.payload.to_status)
