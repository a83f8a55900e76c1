"""Reading one raw RFC 5322 message with the standard library (email, policy.default):
its recipients' reply tokens, its sender, whether it is an automatic mail, its new text
and its photos. Nothing here touches the database."""

from __future__ import annotations

import email
import hashlib
from dataclasses import dataclass, field
from email import policy
from email.errors import HeaderParseError, MessageError
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from django.conf import settings

from tenantdesk.notifications.inbound.reply_text import MAX_TEXT, html_to_text, reply_text, unflow

# Recipient headers set by our own mail server (Postfix's pipe flags D and O) name the
# address the mail was delivered to; To and Cc are what the sender's client wrote.
_DELIVERY_HEADERS = ("Delivered-To", "X-Original-To")
_ADDRESSED_HEADERS = ("To", "Cc")
_REPLY_PREFIX = "reply+"
# RFC 3834 and the headers auto-responders (Exchange, vacation scripts) add.
_BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_AUTO_REPLY_HEADERS = ("X-Autoreply", "X-Autorespond")
_BOUNCE_SENDERS = {"mailer-daemon", "postmaster"}


class Unreadable(Exception):
    """The bytes are not a mail message we can read."""


@dataclass(frozen=True)
class Photo:
    name: str
    content_type: str
    data: bytes


@dataclass
class InboundMail:
    message: EmailMessage
    message_id: str
    from_addresses: list[str]
    photos: list[Photo] = field(default_factory=list)
    # Parts left out, for the log: "application/pdf report.pdf".
    ignored: list[str] = field(default_factory=list)


def parse(raw: bytes) -> InboundMail:
    """The message in `raw`, or Unreadable."""
    if not raw or not raw.strip():
        raise Unreadable("empty input")
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
    except (MessageError, ValueError, IndexError) as error:
        raise Unreadable(str(error)) from None
    if not message.keys():
        raise Unreadable("no headers")
    mail = InboundMail(
        message=message,
        message_id=_header(message, "Message-ID").strip(),
        from_addresses=_addresses(message, ("From",)),
    )
    return mail


def _header(message: EmailMessage, name: str) -> str:
    """A header's value as text; "" when it is missing or cannot be parsed."""
    try:
        value = message.get(name)
    except (HeaderParseError, ValueError, IndexError):
        return ""
    return "" if value is None else str(value)


def _addresses(message: EmailMessage, names) -> list[str]:
    """Every address (addr-spec, as written) in the named headers, in order."""
    values = []
    for name in names:
        try:
            values += [str(value) for value in message.get_all(name, [])]
        except (HeaderParseError, ValueError, IndexError):
            continue
    return [address for _name, address in getaddresses(values) if "@" in address]


# --- recipients ---------------------------------------------------------------------------


def reply_token_of(address: str) -> str | None:
    """The token in reply+<token>@REPLY_DOMAIN (domain compared without case), or None."""
    local, at, domain = address.strip().strip("<>").rpartition("@")
    if not at or not settings.REPLY_DOMAIN:
        return None
    if domain.lower() != settings.REPLY_DOMAIN.lower():
        return None
    if not local.lower().startswith(_REPLY_PREFIX):
        return None
    return local[len(_REPLY_PREFIX) :] or None


def reply_tokens(mail: InboundMail, *, envelope_recipient: str | None) -> list[str]:
    """The distinct reply tokens the mail was sent to, from the most trusted source that
    names any: the envelope recipient when given (then nothing else counts), the headers
    our mail server adds, then To and Cc."""
    if envelope_recipient:
        token = reply_token_of(envelope_recipient)
        return [token] if token else []
    for names in (_DELIVERY_HEADERS, _ADDRESSED_HEADERS):
        tokens = []
        for address in _addresses(mail.message, names):
            token = reply_token_of(address)
            if token and token.lower() not in (seen.lower() for seen in tokens):
                tokens.append(token)
        if tokens:
            return tokens
    return []


# --- automatic mail -----------------------------------------------------------------------


def loop_reason(mail: InboundMail) -> str | None:
    """ "auto_reply" or "bounce" for mail no person wrote; None for a person's mail."""
    message = mail.message
    auto_submitted = _header(message, "Auto-Submitted").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return "auto_reply"
    if _header(message, "Precedence").strip().lower() in _BULK_PRECEDENCE:
        return "auto_reply"
    if any(name in message for name in _AUTO_REPLY_HEADERS):
        return "auto_reply"
    if message.get_content_type() == "multipart/report":
        return "bounce"
    try:
        return_paths = [str(value).strip() for value in message.get_all("Return-Path", [])]
    except (HeaderParseError, ValueError, IndexError):
        return_paths = []
    if any(value in ("", "<>") for value in return_paths):
        return "bounce"
    senders = [address.rpartition("@")[0].lower() for address in mail.from_addresses]
    if any(sender in _BOUNCE_SENDERS for sender in senders):
        return "bounce"
    return None


def is_from_us(mail: InboundMail) -> bool:
    """Whether the mail claims to come from our own sending address or reply domain."""
    own = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()
    reply_domain = settings.REPLY_DOMAIN.lower()
    for address in mail.from_addresses:
        address = address.lower()
        if address == own or (reply_domain and address.rpartition("@")[2] == reply_domain):
            return True
    return False


# --- content ------------------------------------------------------------------------------


def new_text(mail: InboundMail) -> str:
    """The reply's new text: the text/plain body (the text/html one when there is none)
    without quoted history and signature."""
    body = mail.message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    try:
        content = body.get_content()
    except (LookupError, ValueError, AssertionError):
        return ""
    if not isinstance(content, str):
        return ""
    if body.get_content_subtype() == "html":
        # Markup takes room: ten times the text's bound still holds far more than the chat
        # keeps, and the new text is at the top.
        return reply_text(html_to_text(content[: 10 * MAX_TEXT]))
    content = content[:MAX_TEXT]
    if body.get_param("format", "").lower() == "flowed":
        content = unflow(content, delsp=body.get_param("delsp", "").lower() == "yes")
    return reply_text(content)


def collect_parts(mail: InboundMail) -> None:
    """Fill mail.photos (image parts attached to the mail) and mail.ignored (every other
    part that is not the body). Images inside multipart/related are pictures of an HTML
    body (logos in signatures, pasted images) and are left out with the rest."""
    body = mail.message.get_body(preferencelist=("plain", "html"))
    alternatives = _alternatives_of(mail.message, body)
    for part, inside_related in _leaves(mail.message, inside_related=False):
        if part is body or part in alternatives:
            continue
        content_type = part.get_content_type()
        name = part.get_filename() or ""
        if part.get_content_maintype() == "image" and not inside_related:
            data = part.get_payload(decode=True) or b""
            number = len(mail.photos) + 1
            mail.photos.append(
                Photo(
                    name=name or f"photo-{number}.{part.get_content_subtype()}",
                    content_type=content_type,
                    data=data,
                )
            )
        else:
            mail.ignored.append(f"{content_type} {name}".strip())


def _alternatives_of(message: EmailMessage, body) -> list:
    """The other renderings of the body (the HTML twin of a text/plain body)."""
    found = []
    for part in message.walk():
        if part.get_content_type() == "multipart/alternative":
            for child in part.iter_parts():
                if child.get_content_maintype() == "text":
                    found.append(child)
                elif child.get_content_type() == "multipart/related":
                    found += [
                        grandchild
                        for grandchild in child.iter_parts()
                        if grandchild.get_content_maintype() == "text"
                    ]
    return [part for part in found if part is not body]


def _leaves(part, *, inside_related: bool):
    if part.get_content_type() == "message/rfc822" or not part.is_multipart():
        yield part, inside_related
        return
    related = inside_related or part.get_content_type() == "multipart/related"
    for child in part.iter_parts():
        yield from _leaves(child, inside_related=related)


def fallback_id(mail: InboundMail, text: str) -> str:
    """A stand-in for a missing Message-ID: the same mail delivered twice gives the same."""
    message = mail.message
    parts = [_header(message, name) for name in ("From", "Date", "Subject")] + [text]
    return "sha256:" + hashlib.sha256("\n".join(parts).encode("utf-8", "replace")).hexdigest()
