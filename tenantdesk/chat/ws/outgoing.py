"""What the chat broadcasts, encoded once per broadcast, not once per reader.

A socket's frame depends on its reader only through their language (the labels of a
message, a system message's text, a status's name) and, on the inbox, their side (whether
a message counts as unread for them). So the service that stores a change builds the
frame text for each language (or side) once, and every socket sends the text for its
own: no socket decodes, rebuilds or encodes anything per message. Whether a message is
the reader's own the page tells from its author_id.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

from tenantdesk.chat.serializers import message_for_language, status_frame
from tenantdesk.chat.ws.frames import encode
from tenantdesk.chat.ws.protocol import Frame


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def message_frames(data: dict) -> dict[str, str]:
    """{language: the `message` frame's text} for a message's reader-neutral data."""
    frames = {}
    for language in languages():
        with translation.override(language):
            frames[language] = encode(
                {"type": Frame.MESSAGE, "message": message_for_language(data)}
            )
    return frames


def status_frames(data: dict, status: str) -> dict[str, list[str]]:
    """{language: [its system message's frame, the request.status frame]} for a step."""
    frames = {}
    for language in languages():
        with translation.override(language):
            frames[language] = [
                encode({"type": Frame.MESSAGE, "message": message_for_language(data)}),
                encode(status_frame(status)),
            ]
    return frames


def receipt_frames(receipts: list[dict]) -> list[str]:
    """The `receipt` frames of these receipts (the same in every language)."""
    return [encode({"type": Frame.RECEIPT, **receipt}) for receipt in receipts]


def inbox_frames(frame: dict) -> dict[str, str]:
    """{"manager": text, "customer": text} of an inbox frame: a person's message of the
    other side counts as unread for the reader (`other_side`), so the two sides differ."""
    if frame["type"] != Frame.REQUEST_MESSAGE:
        text = encode(frame)
        return {"manager": text, "customer": text}
    person = not frame["system"]
    return {
        "manager": encode({**frame, "other_side": person and not frame["by_manager"]}),
        "customer": encode({**frame, "other_side": person and frame["by_manager"]}),
    }
