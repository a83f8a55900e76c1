"""The e-mails themselves: subject, text and HTML parts, headers, in the recipient's language.

Nothing here sends: delivery.py claims, sends and records. Every link points at
SITE_URL; there are no images at all (no remote ones, no tracking pixel), and nothing
in an e-mail says whether it was opened.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.header import Header
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tenantdesk.accounts.models import User
from tenantdesk.chat.models import Message
from tenantdesk.chat.serializers import system_text
from tenantdesk.core.languages import supported_language
from tenantdesk.core.one_line import one_line
from tenantdesk.notifications.digests import writers_are_managers
from tenantdesk.notifications.models import EmailDelivery
from tenantdesk.notifications.recipients import (
    ANNOUNCEMENTS,
    MISSED_MESSAGES,
    NEW_REQUESTS,
    STATUS_CHANGES,
)
from tenantdesk.notifications.tokens import reply_address, unsubscribe_token
from tenantdesk.service_requests.models import RequestEvent, ServiceRequest

# A digest lists at most this many items; the rest are "and N more in the chat".
DIGEST_MAX_ITEMS = 50

PREFERENCE_OF_KIND = {
    EmailDelivery.Kind.DIGEST: MISSED_MESSAGES,
    EmailDelivery.Kind.CLOSED: STATUS_CHANGES,
    EmailDelivery.Kind.NEW_REQUEST: NEW_REQUESTS,
    EmailDelivery.Kind.REOPENED: STATUS_CHANGES,
    EmailDelivery.Kind.ANNOUNCEMENT: ANNOUNCEMENTS,
}

# The reopening's reason in the subject is cut to this many characters (the e-mail has
# all of it).
SUBJECT_REASON_CHARS = 100


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def unsubscribe_link(user: User, kind: str) -> str:
    """The one-click link that turns this kind of e-mail off for the person (signed)."""
    return absolute(
        reverse("notifications:unsubscribe", args=[unsubscribe_token(user_id=user.pk, kind=kind)])
    )


def mail_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or urlsplit(settings.SITE_URL).hostname or "localhost"


def language_of(user: User) -> str:
    return supported_language(user.language or settings.LANGUAGE_CODE)


@dataclass(frozen=True)
class DigestItem:
    pk: int
    created_at: object
    is_system: bool
    author: str
    text: str
    attachments: tuple[tuple[str, str], ...]  # (label, absolute URL)


def _author_label(message: Message) -> str:
    author = message.author
    name = author.display_name if author else ""
    if message.by_manager:
        side = _("Manager")
    else:
        side = author.organisation.name if author and author.organisation_id else ""
    return " · ".join(part for part in (name, side) if part)


def _attachment_label(attachment) -> str:
    if attachment.original_name:
        return attachment.original_name
    return _("Video") if attachment.kind == "video" else _("Photo")


def digest_messages(*, user: User, service_request: ServiceRequest, side: str) -> list[Message]:
    """What a person has not read in a request: the other side's messages and the status
    changes after their read position, oldest first (two queries)."""
    read_up_to = (
        user.read_cursors.filter(service_request=service_request)
        .values_list("last_read_id", flat=True)
        .first()
        or 0
    )
    others = Message.objects.filter(
        kind=Message.Kind.USER, by_manager=writers_are_managers(side), internal=False
    ) | Message.objects.filter(kind=Message.Kind.SYSTEM)  # never an internal note
    newest = (
        others.filter(service_request=service_request, pk__gt=read_up_to)
        .select_related("author__organisation")
        .prefetch_related("attachments")
        .order_by("-pk")[: DIGEST_MAX_ITEMS + 1]
    )
    return list(reversed(newest))


def _digest_item(message: Message) -> DigestItem:
    if message.kind == Message.Kind.SYSTEM:
        return DigestItem(
            pk=message.pk,
            created_at=message.created_at,
            is_system=True,
            author=_("System"),
            text=system_text(message.event, message.text),
            attachments=(),
        )
    return DigestItem(
        pk=message.pk,
        created_at=message.created_at,
        is_system=False,
        author=_author_label(message),
        text=message.text,
        attachments=tuple(
            (_attachment_label(a), absolute(reverse("chat:attachment", args=[a.pk])))
            for a in message.attachments.all()
        ),
    )


class OurEmail(EmailMultiAlternatives):
    """An e-mail whose Subject header starts on the header's own line.

    Django 5.2 encodes a subject (RFC 2047) without counting the "Subject: " in front of
    it, and the compat32 generator then folds that before the first encoded word when it
    does not fit after the name: `Subject:` followed by an empty line, which some spam
    filters score and some clients show as an empty subject. Encoded with the name
    counted, the first word fits and the folds come only between words."""

    def message(self, **kwargs):
        message = super().message(**kwargs)
        # super() has refused a subject with a line break (BadHeaderError): one line here.
        charset = "us-ascii" if self.subject.isascii() else "utf-8"
        # replace_header keeps the header's place and stores the Header object as it is
        # (Django's own __setitem__ would turn it back into a string and re-encode it).
        message.replace_header("Subject", Header(self.subject, charset, header_name="Subject"))
        return message


@dataclass
class BuiltEmail:
    message: EmailMultiAlternatives
    # A digest: the newest message it lists.
    up_to_message_id: int = 0


def _compose(
    *,
    delivery: EmailDelivery,
    template: str,
    subject: str,
    context: dict,
    unsubscribe_kind: str,
    reply_to: str | None = None,
) -> EmailMultiAlternatives:
    user = delivery.user
    service_request = delivery.service_request
    unsubscribe_url = unsubscribe_link(user, unsubscribe_kind)
    context = {
        **context,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "user": user,
        "service_request": service_request,
        "chat_url": absolute(service_request.get_absolute_url()),
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": absolute(reverse("notifications:preferences")),
        "subject": subject,
        "language": translation.get_language(),
    }
    text = render_to_string(f"notifications/email/{template}.txt", context)
    html = render_to_string(f"notifications/email/{template}.html", context)
    domain = mail_domain()
    digest = hashlib.sha256(delivery.key.encode()).hexdigest()[:16]
    thread = f"<tenantdesk.request.{service_request.pk}@{domain}>"
    # A header is one line whatever got stored (a title saved before titles were made one
    # line, a reason): the title's own rule, then runs of spaces made one.
    subject = " ".join(one_line(f"[{settings.SITE_NAME}] {subject}").split())
    message = OurEmail(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        reply_to=[reply_to] if reply_to else None,
        headers={
            # The same e-mail always has the same id: were it ever sent twice, mail
            # clients would show it once.
            "Message-ID": f"<tenantdesk.{delivery.pk}.{digest}@{domain}>",
            # Every e-mail about one request in one thread of the mail client.
            "References": thread,
            "In-Reply-To": thread,
            # RFC 8058 one-click unsubscribe (the mail client POSTs to the link).
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            # RFC 3834: no auto-replies (holiday notices) to a machine's e-mail, so a
            # reply address never receives a loop.
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


def _digest(delivery: EmailDelivery, side: str) -> BuiltEmail | None:
    messages = digest_messages(
        user=delivery.user, service_request=delivery.service_request, side=side
    )
    if not any(m.kind == Message.Kind.USER for m in messages):
        return None  # read in time
    more = len(messages) > DIGEST_MAX_ITEMS
    messages = messages[-DIGEST_MAX_ITEMS:]
    items = [_digest_item(m) for m in messages]
    unread = sum(1 for item in items if not item.is_system)
    service_request = delivery.service_request
    subject = ngettext(
        "%(count)d unread message in request #%(number)d “%(title)s”",
        "%(count)d unread messages in request #%(number)d “%(title)s”",
        unread,
    ) % {"count": unread, "number": service_request.pk, "title": service_request.title}
    message = _compose(
        delivery=delivery,
        template="digest",
        subject=subject,
        context={"items": items, "unread": unread, "more": more},
        unsubscribe_kind=MISSED_MESSAGES,
        reply_to=reply_address(user_id=delivery.user_id, service_request_id=service_request.pk),
    )
    return BuiltEmail(message=message, up_to_message_id=messages[-1].pk)


def _step(delivery: EmailDelivery, **payload) -> RequestEvent | None:
    """The status step an e-mail tells about: the event it points at, or (an e-mail
    claimed before deliveries pointed at events) the newest step of its request like it."""
    events = RequestEvent.objects.filter(
        service_request=delivery.service_request, kind=RequestEvent.Kind.STATUS
    ).select_related("actor__organisation")
    if delivery.event_id is not None:
        return events.filter(pk=delivery.event_id).first()
    return next(
        (
            e
            for e in events.order_by("-pk")
            if all(getattr(e.payload, k) == v for k, v in payload.items())
        ),
        None,
    )


def _closed(delivery: EmailDelivery) -> BuiltEmail:
    service_request = delivery.service_request
    change = _step(delivery, to_status=ServiceRequest.Status.CLOSED)
    subject = _("Request #%(number)d “%(title)s” is closed") % {
        "number": service_request.pk,
        "title": service_request.title,
    }
    message = _compose(
        delivery=delivery,
        template="closed",
        subject=subject,
        context={"change": change},
        unsubscribe_kind=STATUS_CHANGES,
    )
    return BuiltEmail(message=message)


def _new_request(delivery: EmailDelivery) -> BuiltEmail:
    service_request = delivery.service_request
    subject = _("New request #%(number)d “%(title)s” from %(organisation)s") % {
        "number": service_request.pk,
        "title": service_request.title,
        "organisation": service_request.organisation.name,
    }
    message = _compose(
        delivery=delivery,
        template="new_request",
        subject=subject,
        context={"organisation": service_request.organisation},
        unsubscribe_kind=NEW_REQUESTS,
    )
    return BuiltEmail(message=message)


def _reopened(delivery: EmailDelivery) -> BuiltEmail:
    service_request = delivery.service_request
    # The e-mail names its reopening (its event; before deliveries pointed at events, the
    # key's last part): a request reopened twice gets two e-mails, each with its reason.
    if delivery.event_id is None:
        delivery.event_id = int(delivery.key.rsplit(":", 1)[1])
    change = _step(delivery)
    reason = " ".join(change.payload.reason.split())
    subject = _("Request #%(number)d was reopened: %(reason)s") % {
        "number": service_request.pk,
        "reason": Truncator(reason).chars(SUBJECT_REASON_CHARS),
    }
    message = _compose(
        delivery=delivery,
        template="reopened",
        subject=subject,
        context={
            "change": change,
            "reopened_by": change.actor,
            "assigned_to_you": service_request.assignee_id == delivery.user_id,
        },
        unsubscribe_kind=STATUS_CHANGES,
    )
    return BuiltEmail(message=message)


def build_email(delivery: EmailDelivery, *, side: str) -> BuiltEmail | None:
    """The e-mail for a claimed delivery, in the recipient's language; None when there is
    nothing to say any more (a digest whose messages have been read)."""
    with translation.override(language_of(delivery.user)):
        if delivery.kind == EmailDelivery.Kind.DIGEST:
            return _digest(delivery, side)
        if delivery.kind == EmailDelivery.Kind.CLOSED:
            return _closed(delivery)
        if delivery.kind == EmailDelivery.Kind.REOPENED:
            return _reopened(delivery)
        return _new_request(delivery)
