"""The new text of a reply: what the person wrote above the quoted history, without the
history and without a signature.

Quote headers ("On … wrote:", Outlook's "From: … Sent: …" block, "-----Original
Message-----") are found by mail-parser-reply (mailparser_reply), in English: it knows no
Russian. Our own rules cover what it misses, each with a test:

- Russian attribution lines: Thunderbird's "27.11.2026 14:05, Имя пишет:", Apple Mail's
  "… <addr> написал(а):", "В … пользователь … написал:";
- attribution lines that end with "<address>:" after a date, in any language: Gmail in
  Russian ("пт, 27 нояб. 2026 г. в 14:05, Имя <addr>:"), Yandex ("27.11.2026, 14:05,
  "Имя" <addr>:") and Mail.ru ("Пятница, 27 ноября 2026, 14:05 +03:00 от Имя <addr>:");
- Outlook's Russian header block ("От: … Отправлено: … Кому: … Тема: …") and Russian
  separators ("-----Исходное сообщение-----");
- lines quoted with ">" are never new text (bottom-posted and interleaved quotes);
- signatures: the RFC 3676 delimiter "-- ", "Sent from my iPhone"-style lines (English and
  Russian) and a sign-off standing alone on its line ("Best regards," "С уважением,") near
  the end. The library's own signature rule is not used: it cuts at any line that starts
  with "Thanks," or "- ", which throws away sentences such as "Thanks, the plumber came."

The text/html part, when there is no text/plain one, is turned into text first
(html_to_text): quoted blocks (<blockquote>) become ">" lines and go the same way.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from mailparser_reply import EmailMessage

# Languages of the library's header rules. Russian is ours (below); the library has none.
LIBRARY_LANGUAGES = ["en"]

_QUOTED = re.compile(r"^\s*>")
_DIGIT = re.compile(r"\d")
# An attribution line ends with the quoted author's address and a colon (its "<" may be
# on the line before, where Gmail wrapped it) …
_ADDRESS_TOKEN = re.compile(r"<?[^<>\s@]+@[^<>\s@]+>")
# … or with the Russian "wrote:" of Thunderbird, Apple Mail and Gmail's older wording.
_ENDS_WITH_RU_WROTE = re.compile(r"(?:написал(?:\(а\)|а)?|пишет)\s*:\s*$", re.IGNORECASE)
_ENDS_A_SENTENCE = re.compile(r"[.!?]\s*$")
# Outlook's Russian header block: "От:" and then at least one more of its fields.
_RU_HEADER_FIELD = re.compile(r"^[>* ]*(?:От|Отправлено|Дата|Кому|Копия|Тема)\s*:", re.IGNORECASE)
_RU_FROM_FIELD = re.compile(r"^[>* ]*От\s*:", re.IGNORECASE)
_SEPARATOR = re.compile(
    r"^[>* ]*[-_=]{2,}\s*(?:Исходное сообщение|Пересылаемое сообщение|Forwarded message)"
    r"\s*[-_=]{2,}\s*$",
    re.IGNORECASE,
)
_SIGNATURE_DELIMITER = re.compile(r"^--\s*$")
_SENT_FROM = re.compile(
    r"^(?:Sent from (?:my |Mail for |Outlook|Yahoo|Yandex|Gmail)|Get Outlook for|"
    r"Отправлено (?:с|со|из) )",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^(?:best regards|kind regards|warm regards|regards|best wishes|yours sincerely|"
    r"с уважением|с наилучшими пожеланиями|всего доброго|всего хорошего)\s*[,.!]?\s*$",
    re.IGNORECASE,
)
# A sign-off is a signature only when little follows it (a name, a title, a phone).
_SIGN_OFF_TAIL_LINES = 6
# "Sent from my iPhone" is a signature only among the last few lines.
_SENT_FROM_TAIL_LINES = 3
_DECORATION = re.compile(r"^[-_=*~\s]+$")


# Bounds for the regular expressions, whose backtracking grows with the square of a line's
# length (the library's "On … wrote:" rule too): a reply longer than this is cut to the
# chat's limit anyway, and no client writes a quote header this long.
MAX_TEXT = 100_000
MAX_HEADER_LINE = 300


def reply_text(body: str) -> str:
    """The new text of a reply's plain-text body (see the module's docstring)."""
    # The library strips every line and unifies line ends; its header rules expect that.
    message = EmailMessage(text=body[:MAX_TEXT], languages=list(LIBRARY_LANGUAGES))
    text = message.text
    # Header rules run on a copy where longer lines are blanked out, same length.
    probe = "\n".join(
        line if len(line) <= MAX_HEADER_LINE else "x" * len(line) for line in text.split("\n")
    )
    header = _first_quote_header(probe, message.HEADER_REGEX)
    if header is not None:
        start, end = header
        before, after = text[:start], text[end:]
        # Replied below the quote (Thunderbird's default): nothing above the attribution,
        # and the quote under it is ">"-quoted, so the person's text is what is not.
        text = after if not before.strip() and _starts_quoted(after) else before
    lines = [line for line in text.split("\n") if not _QUOTED.match(line)]
    lines = _without_signature(lines)
    return _tidy(lines)


def _starts_quoted(text: str) -> bool:
    first = next((line for line in text.split("\n") if line.strip()), "")
    return bool(_QUOTED.match(first))


def _first_quote_header(text: str, library_headers) -> tuple[int, int] | None:
    """(start, end) of the first quote header in `text`: the library's or one of ours."""
    found = library_headers.search(text)
    first = (found.start(), found.end()) if found else None
    own = _own_header(text[: found.start()] if found else text)
    return own or first


def _own_header(text: str) -> tuple[int, int] | None:
    """(start, end) of the first quote header of our own rules in `text`, if any."""
    lines = text.split("\n")
    offsets, position = [], 0
    for line in lines:
        offsets.append(position)
        position += len(line) + 1
    for index, line in enumerate(lines):
        if len(line) > MAX_HEADER_LINE:
            continue
        start = _attribution_start(lines, index)
        if start is not None:
            return offsets[start], offsets[index] + len(line)
        if _is_ru_header_block(lines, index) or _SEPARATOR.match(line):
            # Outlook-style blocks quote without ">": nothing below them is new.
            return offsets[index], len(text)
    return None


def _attribution_start(lines: list[str], index: int) -> int | None:
    """The first line of an attribution ending on lines[index]: that line when it carries a
    date, or the line before when the client wrapped a long one (Gmail wraps at 78)."""
    line = lines[index]
    ending = _address_ending(line)
    if ending is None:
        wrote = _ENDS_WITH_RU_WROTE.search(line)
        ending = wrote.start() if wrote else None
    if ending is None:
        return None
    if _DIGIT.search(line[:ending]):  # the date, not digits of the address
        return index
    previous = lines[index - 1] if index else ""
    if previous and _DIGIT.search(previous) and not _ENDS_A_SENTENCE.search(previous):
        return index - 1
    return None


def _address_ending(line: str) -> int | None:
    """Where "<address>:" starts when the line ends with one. Looked for from the end,
    without a regular expression over the whole line (that backtracks on long lines)."""
    body = line.rstrip()
    if not body.endswith(":"):
        return None
    body = body[:-1].rstrip()
    if not body.endswith(">"):
        return None
    start = max(body.rfind(" "), body.rfind("\t")) + 1
    return start if _ADDRESS_TOKEN.fullmatch(body[start:]) else None


def _is_ru_header_block(lines: list[str], index: int) -> bool:
    following = lines[index + 1] if index + 1 < len(lines) else ""
    return bool(_RU_FROM_FIELD.match(lines[index]) and _RU_HEADER_FIELD.match(following))


def _without_signature(lines: list[str]) -> list[str]:
    content = [i for i, line in enumerate(lines) if line.strip()]
    for position, index in enumerate(content):
        line = lines[index].strip()
        left = len(content) - position  # this line and the non-empty ones after it
        if _SIGNATURE_DELIMITER.match(line):
            return lines[:index]
        if position and _SENT_FROM.match(line) and left <= _SENT_FROM_TAIL_LINES:
            return lines[:index]
        if position and _SIGN_OFF.match(line) and left <= _SIGN_OFF_TAIL_LINES:
            return lines[:index]
    return lines


def _tidy(lines: list[str]) -> str:
    while lines and (not lines[-1].strip() or _DECORATION.match(lines[-1])):
        lines.pop()
    text = "\n".join(line.rstrip() for line in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# --- format=flowed (RFC 3676) ------------------------------------------------------------


def unflow(text: str, *, delsp: bool) -> str:
    """Join the soft line breaks of a format=flowed body (Thunderbird, Apple Mail send it):
    a line ending with a space continues on the next line of the same quote depth."""
    out: list[str] = []
    paragraph: list[str] = []
    depth = 0

    def flush():
        if paragraph:
            out.append(">" * depth + (" " if depth else "") + "".join(paragraph))
            paragraph.clear()

    for raw in text.replace("\r\n", "\n").split("\n"):
        line_depth = len(raw) - len(raw.lstrip(">"))
        line = raw[line_depth:]
        if line.startswith(" "):  # space-stuffing
            line = line[1:]
        if line_depth != depth:
            flush()
            depth = line_depth
        if line == "-- ":  # the signature delimiter is never a soft break
            flush()
            out.append(">" * depth + (" " if depth else "") + line)
            continue
        if line.endswith(" "):
            paragraph.append(line[:-1] if delsp else line)
            continue
        paragraph.append(line)
        flush()
    flush()
    return "\n".join(out)


# --- HTML ---------------------------------------------------------------------------------

_BLOCK_TAGS = {
    "address", "article", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul",
}  # fmt: skip
_HIDDEN_TAGS = {"head", "script", "style", "template", "title"}
# Signature containers of Gmail, Thunderbird and Outlook on the web.
_SIGNATURE_CLASSES = {"gmail_signature", "moz-signature"}
_SIGNATURE_IDS = {"signature"}
_VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
              "source", "track", "wbr"}  # fmt: skip


class _TextExtractor(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.quote_depth = 0
        self.line_depth = 0
        self.pre = 0
        self.skip_tag: str | None = None
        self.skip_nesting = 0

    def _break(self, explicit: bool = False):
        """End the current line. An empty one is kept only for an explicit <br> (two in a
        row are a blank line); block edges alone never make blank lines."""
        text = "".join(self.current).strip() if not self.pre else "".join(self.current)
        if text or (explicit and self.lines and self.lines[-1]):
            prefix = "> " * self.line_depth
            self.lines.append(prefix + text if text else "")
        self.current = []
        self.line_depth = self.quote_depth

    def handle_starttag(self, tag, attrs):
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_nesting += 1
            return
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        hidden = tag in _HIDDEN_TAGS or classes & _SIGNATURE_CLASSES
        if hidden or (attributes.get("id") or "").lower() in _SIGNATURE_IDS:
            if tag not in _VOID_TAGS:
                self.skip_tag, self.skip_nesting = tag, 1
            return
        if tag in _BLOCK_TAGS:
            self._break(explicit=tag == "br")
        if tag == "blockquote":
            self.quote_depth += 1
            self.line_depth = self.quote_depth
        elif tag == "pre":
            self.pre += 1

    def handle_endtag(self, tag):
        if self.skip_tag is not None:
            if tag == self.skip_tag:
                self.skip_nesting -= 1
                if not self.skip_nesting:
                    self.skip_tag = None
            return
        if tag in _BLOCK_TAGS:
            self._break()
        if tag == "blockquote" and self.quote_depth:
            self.quote_depth -= 1
            self.line_depth = self.quote_depth
        elif tag == "pre" and self.pre:
            self.pre -= 1

    def handle_data(self, data):
        if self.skip_tag is not None:
            return
        if self.pre:
            parts = data.split("\n")
            for part in parts[:-1]:
                self.current.append(part)
                self._break()
            self.current.append(parts[-1])
            return
        collapsed = re.sub(r"\s+", " ", data)
        if not self.current:
            self.line_depth = self.quote_depth
            collapsed = collapsed.lstrip()
        self.current.append(collapsed)


def html_to_text(html: str) -> str:
    """The visible text of an HTML body, one line per block; quoted blocks as "> " lines,
    signature blocks (Gmail, Thunderbird, Outlook) left out."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    extractor._break()
    return "\n".join(extractor.lines).strip()
