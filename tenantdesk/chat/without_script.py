"""The newest page of a conversation for a browser that runs no scripts (the panel's
<noscript>): the classes of the script's own elements (static/chat/js/render.js), the
text as text.

Written in Python rather than as a template loop: every request page carries it, and
50 messages of a dozen template nodes each were a fifth of the page's CPU
(bench/README.md). Which messages are the reader's own is worked out here: the messages'
data is the same for every reader (serializers.message_data). Every text is escaped
with html.escape (the characters Django's escape replaces, at a tenth of format_html's
cost).
"""

from __future__ import annotations

from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from tenantdesk.chat.models import Message


def messages_without_script(messages: list[dict], *, reader_id: int) -> SafeString:
    """<ol> of these messages (message_for_language's dicts), oldest first."""
    words = {
        key: escape(text)
        for key, text in {
            "note": _("Internal note"),
            "you": _("You"),
            "video": _("Video"),
            "photo": _("Photo"),
            "read": _("Read"),
            "delivered": _("Delivered"),
            "sent": _("Sent"),
        }.items()
    }
    items = []
    day = None
    for message in messages:
        if message["day"] != day:
            day = message["day"]
            items.append(
                f'<li class="chat-day"><h3 class="chat-day-label">'
                f"{escape(message['day_label'])}</h3></li>"
            )
        items.append(_message(message, reader_id, words))
    return mark_safe(  # noqa: S308 (every text escaped)
        '<ol class="chat-messages list-unstyled mb-0" '
        f'data-testid="chat-messages-without-script">{"".join(items)}</ol>'
    )


def _message(message: dict, reader_id: int, words: dict[str, str]) -> str:
    system = message["kind"] == Message.Kind.SYSTEM
    mine = not system and message["author_id"] == reader_id
    side = "is-system" if system else "is-mine" if mine else "is-theirs"
    internal = message.get("internal")
    parts = [
        f'<li class="chat-message {side}{" is-note" if internal else ""}" '
        f'data-message-id="{int(message["id"])}"><div class="chat-bubble"><div class="chat-meta">'
    ]
    if internal:
        parts.append(f'<span class="chat-note-label">{words["note"]}</span>')
    author = words["you"] if mine else escape(message["author_label"])
    parts.append(
        f'<span class="chat-author">{author}</span><time class="chat-time" '
        f'datetime="{escape(message["created_at"])}">{escape(message["time_label"])}</time></div>'
    )
    if message["text"]:
        parts.append(f'<div class="chat-text">{escape(message["text"])}</div>')
    if message["attachments"]:
        parts.append('<div class="chat-attachments">')
        for attachment in message["attachments"]:
            kind = words["video"] if attachment["kind"] == "video" else words["photo"]
            parts.append(
                f'<div class="chat-attachment" data-kind="{escape(attachment["kind"])}">'
                f'<a href="{escape(attachment["url"])}">{kind}: {escape(attachment["name"])}</a>'
                "</div>"
            )
        parts.append("</div>")
    if mine and not internal:
        status = message["status"]
        parts.append(
            f'<div class="chat-status" data-status="{escape(status)}">'
            '<span class="chat-status-icon" aria-hidden="true"></span>'
            f"{words.get(status, words['sent'])}</div>"
        )
    parts.append("</div></li>")
    return "".join(parts)
