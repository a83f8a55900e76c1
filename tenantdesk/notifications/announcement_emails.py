"""The announcement e-mail: asked again just before sending, then built in the person's
language (delivery.py claims and sends it like every other EmailDelivery).

Not about a request: no chat link, no reply address, its own thread per announcement.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tenantdesk.accounts.roles import is_manager
from tenantdesk.announcements.selectors import audience
from tenantdesk.core.one_line import one_line
from tenantdesk.notifications.emails import (
    BuiltEmail,
    OurEmail,
    absolute,
    language_of,
    mail_domain,
    unsubscribe_link,
)
from tenantdesk.notifications.models import EmailDelivery
from tenantdesk.notifications.preferences import wants
from tenantdesk.notifications.recipients import ANNOUNCEMENTS


def announcement_still_wanted(delivery: EmailDelivery) -> bool:
    """Still an active member with a confirmed address, of an organisation leasing now in
    one of its buildings, who wants announcements; and the announcement has not ended (an
    e-mail about something over is noise)."""
    user, announcement = delivery.user, delivery.announcement
    if not user.is_active or not user.email or user.email_confirmed_at is None:
        return False
    if announcement is None or announcement.ends_at <= timezone.now() or is_manager(user):
        return False
    if not audience(announcement.pk).filter(pk=user.pk).exists():
        return False
    return wants(user=user, kind=ANNOUNCEMENTS)


def build_announcement_email(delivery: EmailDelivery) -> BuiltEmail:
    user, announcement = delivery.user, delivery.announcement
    language = language_of(user)
    with translation.override(language):
        title = announcement.title_in(language)
        subject = _("Announcement: %(title)s") % {"title": title}
        unsubscribe_url = unsubscribe_link(user, ANNOUNCEMENTS)
        context = {
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "user": user,
            "title": title,
            "text": announcement.text_in(language),
            "starts_at": announcement.starts_at,
            "ends_at": announcement.ends_at,
            "time_zone": announcement.time_zone,
            "buildings": ", ".join(b.name for b in announcement.buildings.all()),
            "chat_url": absolute(reverse("home")),
            "unsubscribe_url": unsubscribe_url,
            "preferences_url": absolute(reverse("notifications:preferences")),
            "subject": subject,
            "language": language,
        }
        text = render_to_string("notifications/email/announcement.txt", context)
        html = render_to_string("notifications/email/announcement.html", context)
    domain = mail_domain()
    digest = hashlib.sha256(delivery.key.encode()).hexdigest()[:16]
    thread = f"<tenantdesk.announcement.{announcement.pk}@{domain}>"
    message = OurEmail(
        subject=" ".join(one_line(f"[{settings.SITE_NAME}] {subject}").split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={
            "Message-ID": f"<tenantdesk.{delivery.pk}.{digest}@{domain}>",
            "References": thread,
            "In-Reply-To": thread,
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        },
    )
    message.attach_alternative(html, "text/html")
    return BuiltEmail(message=message)
