"""A buildings file as rows: CSV (the csv module) or XLSX (openpyxl, read-only).

Each row is a dict of the known columns with its line number in the file, so every later
complaint can name the line a person sees in their spreadsheet. A file that cannot be read
as a whole (not CSV or XLSX, wrong or missing columns, too many rows) is one FileRefused
with one clear message."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from dataclasses import dataclass

import openpyxl
from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.utils.exceptions import InvalidFileException

COLUMNS = (
    "building",
    "address",
    "time_zone",
    "unit",
    "floor",
    "kind",
    "organisation",
    "lease_start",
    "lease_end",
)
REQUIRED = COLUMNS[:6]
MAX_COLUMNS = 64
# "organisation" as many write it; the file's header is matched case-insensitively.
ALIASES = {"organization": "organisation"}


class FileRefused(Exception):
    """The file as a whole cannot be imported; str(error) says why, for people."""


@dataclass(frozen=True)
class Row:
    line: int
    values: dict


def _header(cells) -> list[str]:
    names = [str(cell or "").strip().lower().replace(" ", "_") for cell in cells]
    names = [ALIASES.get(name, name) for name in names]
    while names and not names[-1]:
        names.pop()  # a spreadsheet's empty trailing columns
    unknown = [name or _("(an empty heading)") for name in names if name not in COLUMNS]
    missing = [name for name in REQUIRED if name not in names]
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    problems = []
    if missing:
        problems.append(_("missing: %(names)s") % {"names": ", ".join(missing)})
    if unknown:
        problems.append(_("unknown: %(names)s") % {"names": ", ".join(unknown)})
    if repeated:
        problems.append(_("repeated: %(names)s") % {"names": ", ".join(repeated)})
    if problems:
        raise FileRefused(
            _("The first row must name the columns %(expected)s (%(problems)s).")
            % {"expected": ", ".join(COLUMNS), "problems": "; ".join(problems)}
        )
    return names


def _cell(value):
    """A cell as the checks take it: text stripped, dates as dates, 204.0 as "204"."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _rows(numbered, names: list[str]) -> list[Row]:
    rows = []
    for line, cells in numbered:
        values = {name: _cell(cell) for name, cell in zip(names, cells, strict=False) if name}
        if not any(value != "" for value in values.values()):
            continue  # a blank line
        if len(rows) >= settings.PLACES_IMPORT_MAX_ROWS:
            raise FileRefused(
                _("The file has more than %(count)s rows; split it into smaller files.")
                % {"count": settings.PLACES_IMPORT_MAX_ROWS}
            )
        rows.append(Row(line, {name: values.get(name, "") for name in COLUMNS}))
    if not rows:
        raise FileRefused(_("The file has a heading but no rows."))
    return rows


def _decode(data: bytes) -> str:
    # UTF-8 (with or without Excel's byte-order mark); a Russian Excel saves Windows-1251.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1251")
        except UnicodeDecodeError:
            raise FileRefused(_("The file is not text in UTF-8 or Windows-1251.")) from None


def read_csv(data: bytes) -> list[Row]:
    text = _decode(data)
    first = text.split("\n", 1)[0]
    # Excel writes ";" where the decimal separator is a comma (Russian settings).
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            raise FileRefused(_("The file is empty."))
        names = _header(header)

        def numbered():
            for cells in reader:
                yield reader.line_num, cells

        return _rows(numbered(), names)
    except csv.Error as error:
        raise FileRefused(
            _("Line %(line)s is not valid CSV: %(error)s")
            % {"line": reader.line_num, "error": error}
        ) from None


def read_xlsx(data: bytes) -> list[Row]:
    try:
        # read_only streams the sheet's XML instead of building the whole workbook.
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise FileRefused(_("The file is not a readable XLSX workbook.")) from None
    try:
        sheet = book.worksheets[0]
        # At most MAX_COLUMNS: a sheet claiming a million columns is not read that wide.
        cells = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
        header = next(cells, None)
        if header is None:
            raise FileRefused(_("The file is empty."))
        names = _header(header)
        return _rows(enumerate(cells, start=2), names)
    finally:
        book.close()


def read(name: str, data: bytes) -> list[Row]:
    """The rows of an uploaded file, by its content (a ZIP is XLSX) and name."""
    lower = name.lower()
    if lower.endswith(".xls") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRefused(_("Old Excel files (.xls) are not read; save it as XLSX or CSV."))
    if data.startswith(b"PK\x03\x04") or lower.endswith(".xlsx"):
        return read_xlsx(data)
    if b"\x00" in data[:4096]:
        raise FileRefused(_("The file is neither CSV nor XLSX."))
    return read_csv(data)
