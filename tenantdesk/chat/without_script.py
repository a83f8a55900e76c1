"""The newest page of a conversation for a browser that runs no scripts (the panel's
<noscript>): the classes of the script's own elements (static/chat/js/render.js), the
text as text.

Written in Python rather than as a template loop: every request page carries it, and
50 messages of a dozen template nodes each were a fifth of the page's CPU
(bench/README.md). Which messages are the reader's own is worked out here: the messages'
data is the same for every reader (serializers.message_data).
"""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from tenantdesk.chat.models import Message

_MESSAGE = (
    '<li class="chat-message {side}{note_class}" data-message-id="{id}">'
    '<div class="chat-bubble"><div class="chat-meta">{note_label}'
    '<span class="chat-author">{author}</span>'
    '<time class="chat-time" datetime="{created_at}">{time_label}</time></div>'
    "{text}{attachments}{status}</div></li>"
)


def messages_without_script(messages: list[dict], *, reader_id: int) -> SafeString:
    """<ol> of these messages (message_for_language's dicts), oldest first."""
    words = {
        "note": _("Internal note"),
        "you": _("You"),
        "video": _("Video"),
        "photo": _("Photo"),
        "read": _("Read"),
        "delivered": _("Delivered"),
        "sent": _("Sent"),
    }
    items = []
    day = None
    for message in messages:
        if message["day"] != day:
            day = message["day"]
            items.append(
                format_html(
                    '<li class="chat-day"><h3 class="chat-day-label">{}</h3></li>',
                    message["day_label"],
                )
            )
        items.append(_message(message, reader_id, words))
    return format_html(
        '<ol class="chat-messages list-unstyled mb-0" '
        'data-testid="chat-messages-without-script">{}</ol>',
        mark_safe("".join(items)),  # noqa: S308 (each item escaped by format_html)
    )


def _message(message: dict, reader_id: int, words: dict[str, str]) -> SafeString:
    system = message["kind"] == Message.Kind.SYSTEM
    mine = not system and message["author_id"] == reader_id
    side = "is-system" if system else "is-mine" if mine else "is-theirs"
    internal = message.get("internal")
    attachments = ""
    if message["attachments"]:
        attachments = format_html(
            '<div class="chat-attachments">{}</div>',
            format_html_join(
                "",
                '<div class="chat-attachment" data-kind="{}"><a href="{}">{}: {}</a></div>',
                (
                    (
                        a["kind"],
                        a["url"],
                        words["video"] if a["kind"] == "video" else words["photo"],
                        a["name"],
                    )
                    for a in message["attachments"]
                ),
            ),
        )
    status = ""
    if mine and not internal:
        status = format_html(
            '<div class="chat-status" data-status="{}">'
            '<span class="chat-status-icon" aria-hidden="true"></span>{}</div>',
            message["status"],
            words.get(message["status"], words["sent"]),
        )
    return format_html(
        _MESSAGE,
        side=side,
        note_class=" is-note" if internal else "",
        id=message["id"],
        note_label=(
            format_html('<span class="chat-note-label">{}</span>', words["note"])
            if internal
            else ""
        ),
        author=words["you"] if mine else message["author_label"],
        created_at=message["created_at"],
        time_label=message["time_label"],
        text=format_html('<div class="chat-text">{}</div>', message["text"])
        if message["text"]
        else "",
        attachments=attachments,
        status=status,
    )
