"""Reply by e-mail: one raw message in, a chat message of its person out, or a refusal
with a reason that is logged (and stores nothing).

Both entry points call inbound_email_receive: `manage.py receive_email` (Postfix's pipe
transport) and POST /email/inbound (providers that post inbound mail). docs/reply-by-email.md
says what is refused and why.
"""

from __future__ import annotations

import logging
import math
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from tenantdesk.accounts.models import User
from tenantdesk.chat.models import Message
from tenantdesk.chat.services.send import message_send
from tenantdesk.core.errors import Closed
from tenantdesk.notifications.inbound import mail as mail_reading
from tenantdesk.notifications.tokens import ReplyTarget, read_reply_token
from tenantdesk.service_requests.access import access_service_request, can_post_message

logger = logging.getLogger(__name__)

# client_id = uuid5(this, Message-ID + person): a mail delivered twice (a provider's retry,
# a second MX) is stored once, by the chat's own unique constraint.
_CLIENT_ID_NAMESPACE = uuid.UUID("5b0f3c52-6a3e-4f57-9a57-0c1f2e7d9a41")
_ELLIPSIS = "…"
_MiB = 1024 * 1024


def message_max_bytes() -> int:
    """The largest raw message taken: CHAT_MAX_ATTACHMENTS photos of IMAGE_MAX_BYTES each
    in base64 (4/3, plus a line break every 76 characters) and 1 MiB for the text and
    headers, in whole MiB (nginx's client_max_body_size repeats it)."""
    photos = settings.CHAT_MAX_ATTACHMENTS * settings.IMAGE_MAX_BYTES
    encoded = math.ceil(photos * 4 / 3 * 78 / 76)
    return math.ceil((encoded + _MiB) / _MiB) * _MiB


@dataclass
class Outcome:
    """What became of one mail. `code`: "stored", "duplicate" (stored before, by an
    earlier delivery) or the reason it was refused."""

    code: str
    detail: str = ""
    message: Message | None = None
    target: ReplyTarget | None = None
    message_id: str = ""
    log: dict = field(default_factory=dict)

    @property
    def stored(self) -> bool:
        return self.code in ("stored", "duplicate")


class _Refused(Exception):
    def __init__(self, code: str, detail: str, **log):
        super().__init__(detail)
        self.code, self.detail, self.log = code, detail, log


def inbound_email_receive(*, raw: bytes, recipient: str | None = None) -> Outcome:
    """Post the reply in `raw` (one RFC 5322 message) into its request's chat as its person.

    `recipient`: the envelope recipient when the caller knows it (Postfix's ${recipient});
    then it alone names the reply address. Refusals are returned (and logged), never
    raised; a database outage is raised, so the caller can ask for the mail again later.
    """
    outcome = Outcome(code="refused")
    try:
        _receive(raw, recipient, outcome)
    except _Refused as refusal:
        outcome.code, outcome.detail = refusal.code, refusal.detail
        outcome.log.update(refusal.log)
    _log(outcome)
    return outcome


def _receive(raw: bytes, recipient: str | None, outcome: Outcome) -> None:
    if len(raw) > message_max_bytes():
        raise _Refused("too_large", f"the message has {len(raw)} bytes")
    if not settings.REPLY_DOMAIN:
        raise _Refused("not_configured", "REPLY_DOMAIN is not set")
    try:
        mail = mail_reading.parse(raw)
    except mail_reading.Unreadable as error:
        raise _Refused("unreadable", str(error)) from None
    outcome.message_id = mail.message_id
    loop = mail_reading.loop_reason(mail)
    if loop:
        raise _Refused(loop, "automatic mail (auto-reply or bounce) is never posted")
    if mail_reading.is_from_us(mail):
        raise _Refused("own_address", "the mail comes from our own address")

    target = _target(mail, recipient)
    outcome.target = target
    person = _person(target)
    _check_sender(mail, person)
    service_request = _service_request(person, target)

    text = mail_reading.new_text(mail)
    mail_reading.collect_parts(mail)
    if mail.ignored:
        outcome.log["ignored_parts"] = mail.ignored
    if not text and not mail.photos:
        raise _Refused("empty", "no new text and no photo")
    text = _fit(text, outcome)
    client_id = _client_id(mail.message_id or mail_reading.fallback_id(mail, text), person)
    uploads = [
        SimpleUploadedFile(photo.name, photo.data, content_type=photo.content_type)
        for photo in mail.photos
    ]
    try:
        message = message_send(
            author=person,
            service_request=service_request,
            text=text,
            client_id=client_id,
            attachments=uploads,
            access_checked=True,
        )
    except Closed:
        raise _Refused("closed", "the request is closed") from None
    except Http404:
        raise _Refused("no_access", "the person may not see the request") from None
    except ValidationError as error:
        raise _Refused(error.code or "invalid", error.messages[0]) from None
    outcome.message = message
    if message.was_created:
        outcome.code, outcome.detail = "stored", "posted into the chat"
    else:
        outcome.code, outcome.detail = "duplicate", "stored before, by an earlier delivery"
    outcome.log["photos"] = len(uploads)


def _target(mail: mail_reading.InboundMail, recipient: str | None) -> ReplyTarget:
    tokens = mail_reading.reply_tokens(mail, envelope_recipient=recipient)
    if not tokens:
        raise _Refused("no_token", "no reply address among the recipients")
    if len(tokens) > 1:
        raise _Refused("ambiguous_token", "several reply addresses among the recipients")
    target = read_reply_token(tokens[0])
    if target is None:
        raise _Refused("bad_token", "the reply address is malformed, forged or expired")
    return target


def _person(target: ReplyTarget) -> User:
    person = User.objects.select_related("organisation").filter(pk=target.user_id).first()
    if person is None:
        raise _Refused("unknown_person", "the person of the reply address does not exist")
    if not person.is_active:
        raise _Refused("inactive", "the person of the reply address is deactivated")
    return person


def _check_sender(mail: mail_reading.InboundMail, person: User) -> None:
    # The reply address is the key; the From address is a second check against a digest
    # forwarded to someone else (whose reply would otherwise speak for the person). It is
    # not proof (From can be forged): the signed, expiring token is.
    own = (person.email or "").strip().lower()
    senders = {address.lower() for address in mail.from_addresses}
    if not own or senders != {own}:
        raise _Refused("from_mismatch", "the sender is not the person of the reply address")


def _service_request(person: User, target: ReplyTarget):
    try:
        service_request = access_service_request(person, target.service_request_id)
    except Http404:
        raise _Refused("no_access", "the person may not see the request") from None
    if not can_post_message(person, service_request):
        raise _Refused("closed", "the request is closed")
    return service_request


def _fit(text: str, outcome: Outcome) -> str:
    """Text over CHAT_MESSAGE_MAX_LENGTH is cut (at a word, marked with "…"), not refused:
    the sender hears nothing back from us, and the top of a reply is what they wrote."""
    limit = settings.CHAT_MESSAGE_MAX_LENGTH
    if len(text) <= limit:
        return text
    cut = text[: limit - len(_ELLIPSIS)]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    outcome.log["truncated_from"] = len(text)
    return cut.rstrip() + _ELLIPSIS


def _client_id(message_id: str, person: User) -> uuid.UUID:
    return uuid.uuid5(_CLIENT_ID_NAMESPACE, f"{message_id}\n{person.pk}")


def _log(outcome: Outcome) -> None:
    target = outcome.target
    fields = {
        "reason": outcome.code,
        "message_id": outcome.message_id,
        "user_id": target.user_id if target else None,
        "service_request_id": target.service_request_id if target else None,
        **outcome.log,
    }
    if outcome.message is not None:
        fields["chat_message_id"] = outcome.message.pk
    verb = "stored" if outcome.stored else "refused"
    logger.info(
        "inbound e-mail %s: %s (%s) message-id=%s user=%s request=%s",
        verb,
        outcome.code,
        outcome.detail,
        fields["message_id"] or "-",
        fields["user_id"],
        fields["service_request_id"],
        extra={"inbound_email": fields},
    )
