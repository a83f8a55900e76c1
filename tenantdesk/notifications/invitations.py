"""The invitation e-mail (people.signals.invitation_sent → a job → this module).

Not an EmailDelivery: that row is one person's e-mail about one request, and an invited
address is nobody's yet. The job names the invitation and the nonce of the link it is
for; a link sent again (new nonce), accepted or revoked meanwhile makes the old job send
nothing. A mail server's failure is retried with the same back-off as the other e-mails.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tenantdesk.core.languages import supported_language
from tenantdesk.notifications.delivery import SMTP_TIMEOUT_SECONDS
from tenantdesk.notifications.emails import OurEmail, absolute
from tenantdesk.people.models import Invitation
from tenantdesk.people.tokens import invitation_token

logger = logging.getLogger(__name__)


def build_invitation_email(invitation: Invitation) -> OurEmail:
    with translation.override(supported_language(invitation.language)):
        inviter = invitation.invited_by.display_name if invitation.invited_by else ""
        if invitation.organisation is None:
            subject = _("%(inviter)s invites you to the management company's team on %(site)s")
        else:
            subject = _("%(inviter)s invites you to %(organisation)s on %(site)s")
        subject %= {
            "inviter": inviter or invitation.joins,
            "organisation": invitation.joins,
            "site": settings.SITE_NAME,
        }
        context = {
            "invitation": invitation,
            "inviter": inviter,
            "accept_url": absolute(
                reverse("people:accept", args=[invitation_token(invitation.nonce)])
            ),
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "subject": subject,
            "language": translation.get_language(),
        }
        text = render_to_string("notifications/email/invitation.txt", context)
        html = render_to_string("notifications/email/invitation.html", context)
    message = OurEmail(
        subject=f"[{settings.SITE_NAME}] {subject}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
        headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
    )
    message.attach_alternative(html, "text/html")
    return message


def invitation_send(*, invitation_id: int, nonce: str) -> str:
    """sent, skipped (the link is no longer the current one), or retry."""
    invitation = (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(pk=invitation_id, nonce=nonce)
        .first()
    )
    if invitation is None or not invitation.is_open:
        return "skipped"
    message = build_invitation_email(invitation)
    try:
        with get_connection(timeout=SMTP_TIMEOUT_SECONDS) as connection:
            message.connection = connection
            message.send()
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("invitation %s not sent: %s", invitation_id, error)
        return "retry"
    return "sent"
