"""Text that must stay on one line (a request's title): the rule and the form field.

A title is shown in lists, page headings, push notifications and e-mail subjects, where a
line break either breaks the layout or, in a mail header, is refused (or would start a new
header). Pasted text brings them in (a line copied with its end, a cell of a spreadsheet),
so every way a title is stored applies this rule: the form field below, and the model's
clean_fields (which the services and the admin site run).
"""

from __future__ import annotations

import re
import unicodedata

from django import forms

# A run of line ends separates words: one space. CR, LF, CRLF and blank lines, and
# Unicode's line and paragraph separators (U+2028, U+2029), which are line ends too: dropped
# outright they would glue the words on either side together ("туалете\u2028тоже").
# A tab (a pasted spreadsheet cell) separates words as well.
_BREAKS = re.compile(r"[\r\n\t\u2028\u2029]+")
# Dropped: every other control character (NUL, ESC, DEL, NEL, …: category Cc), and any
# other line or paragraph separator Unicode may add (categories Zl, Zp).
_DROPPED = {"Cc", "Zl", "Zp"}


def one_line(text: str) -> str:
    """The text as typed, on one line: each run of line ends (CR, LF, U+2028, U+2029) and
    tabs becomes one space, other control characters are dropped, the ends are trimmed."""
    text = _BREAKS.sub(" ", text)
    if not text.isprintable():  # the common case (nothing to drop) skips the loop
        text = "".join(ch for ch in text if unicodedata.category(ch) not in _DROPPED)
    return text.strip()


class OneLineCharField(forms.CharField):
    """A CharField whose value is made one line (one_line) before it is validated, so the
    length limit counts what will be stored."""

    def to_python(self, value):
        value = super().to_python(value)
        return one_line(value) if isinstance(value, str) else value
