"""Message ids from outside (JSON frames, query strings, form fields): one parser.

Ids are 64-bit database integers; anything else is not an id of ours (and a larger number
would crash the SQLite driver or the query). 0 stands for "before the first message".
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_MESSAGE_ID = 2**63 - 1
# The most ids one report (delivered, receipts wanted) may name.
MAX_IDS = 500


def is_message_id(value) -> bool:
    """A whole number a message id can be (an int, not a bool, in range)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_MESSAGE_ID


def parse_message_id(value, *, name: str = "id") -> int:
    """An id given as a JSON number or as a string of digits; ValidationError otherwise."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        value = int(value)
    if not is_message_id(value):
        raise ValidationError(_("%(name)s must be a message id.") % {"name": name}, code="invalid")
    return value


def parse_message_ids(values: Iterable) -> list[int]:
    """A list of ids (each as parse_message_id takes it), at most MAX_IDS of them."""
    ids = []
    for value in values:
        try:
            ids.append(parse_message_id(value))
        except ValidationError:
            raise ValidationError(_("Message ids must be numbers."), code="invalid_ids") from None
        if len(ids) > MAX_IDS:
            raise ValidationError(_("Too many message ids at once."), code="invalid_ids")
    return ids
