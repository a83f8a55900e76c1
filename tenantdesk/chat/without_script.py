"""The newest page of a conversation for a browser that runs no scripts (the panel's
<noscript>), in exactly the markup the script builds (static/chat/js/render.js and
grouping.js): the same elements, classes, grouping and day titles.
tests/e2e/test_chat_panel_browser.py renders one conversation both ways and compares them.

The grouping rule is `continues` below and `continues` in grouping.js: a person's message
continues their previous one (one header, one avatar for both) when nothing stands
between them, on the same day, of the same kind (note or not), at most GROUP_SECONDS
apart. The script gets GROUP_SECONDS from the page (panel.py).

Written in Python rather than as a template loop: every request page carries it, and
50 messages of a dozen template nodes each were a fifth of the page's CPU
(bench/README.md). Which messages are the reader's own is worked out here: the messages'
data is the same for every reader (serializers.message_data). Every text is escaped
with html.escape (the characters Django's escape replaces, at a tenth of format_html's
cost).
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from django.utils.safestring import SafeString, mark_safe

from tenantdesk.chat.models import Message

GROUP_SECONDS = 5 * 60


def continues(previous: dict | None, message: dict) -> bool:
    """Whether `message` goes under `previous`'s header (grouping.js: the same rule)."""
    if previous is None or previous["kind"] != Message.Kind.USER:
        return False
    if message["kind"] != Message.Kind.USER or previous["author_id"] != message["author_id"]:
        return False
    if bool(previous.get("internal")) != bool(message.get("internal")):
        return False
    if previous["day"] != message["day"]:
        return False
    gap = datetime.fromisoformat(message["created_at"]) - datetime.fromisoformat(
        previous["created_at"]
    )
    return 0 <= gap.total_seconds() <= GROUP_SECONDS


def day_title(message: dict, *, today: str, yesterday: str, words: dict) -> str:
    """ "Today", "Yesterday" or the server's date (grouping.js: dayTitle)."""
    if message["day"] == today:
        return words["today"]
    if message["day"] == yesterday:
        return words["yesterday"]
    return message["day_label"]


def messages_without_script(
    messages: list[dict], *, reader_id: int, today: str, yesterday: str, words: dict
) -> SafeString:
    """<ol> of these messages (message_for_language's dicts), oldest first; `words` are
    the page's strings (panel.py's config)."""
    escaped = {key: escape(str(text)) for key, text in words.items()}
    items = []
    previous = None
    for message in messages:
        if previous is None or message["day"] != previous["day"]:
            title = day_title(message, today=today, yesterday=yesterday, words=words)
            items.append(
                f'<li class="chat-day" data-day="{escape(message["day"])}">'
                f'<h3 class="chat-day-label">{escape(title)}</h3></li>'
            )
        items.append(_message(message, reader_id, escaped, continued=continues(previous, message)))
        previous = message
    return mark_safe(  # noqa: S308 (every text escaped)
        '<ol class="chat-messages" '
        f'data-testid="chat-messages-without-script">{"".join(items)}</ol>'
    )


def _classes(message: dict, mine: bool, continued: bool) -> str:
    system = message["kind"] == Message.Kind.SYSTEM
    classes = ["chat-message", "is-system" if system else "is-mine" if mine else "is-theirs"]
    if not system and message["by_manager"]:
        classes.append("is-by-manager")
    if message.get("internal"):
        classes.append("is-note")
    if continued:
        classes.append("is-continued")
    return " ".join(classes)


def _message(message: dict, reader_id: int, words: dict[str, str], *, continued: bool) -> str:
    system = message["kind"] == Message.Kind.SYSTEM
    mine = not system and message["author_id"] == reader_id
    internal = message.get("internal")
    parts = [
        f'<li class="{_classes(message, mine, continued)}" data-message-id="{int(message["id"])}">'
    ]
    if not system:
        initials = escape(message.get("author_initials") or "")
        parts.append(f'<span class="chat-avatar" aria-hidden="true">{initials}</span>')
    parts.append('<div class="chat-bubble"><div class="chat-meta">')
    if internal:
        parts.append(f'<span class="chat-note-label">{words["internalNote"]}</span>')
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
