from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from tenantdesk.chat.services import user_sockets_disconnect


@receiver(user_logged_out, dispatch_uid="chat_close_sockets_on_sign_out")
def _close_sockets_on_sign_out(sender, request, user, **kwargs):
    # Sent before the session is flushed, so its key still names the sockets to close.
    if user is None:
        return
    session = getattr(request, "session", None)
    user_sockets_disconnect(
        user_id=user.pk, session_key=getattr(session, "session_key", None) if session else None
    )
