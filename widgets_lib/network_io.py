"""Reading and writing network files: two CSV files, one workbook, or JSON (README, "Network files").

Files come from real users: Excel's "CSV" may be Windows-1252 or semicolon-delimited,
headings may be capitalised, rows may be blank. Every problem is one :class:`NetworkError`
whose message a school leader can act on: it names the file, the row (as a spreadsheet
shows it: the header is row 1) and the column.

Exports neutralise cells a spreadsheet would run as a formula (OWASP "CSV injection"):
a text starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets one leading
``'``. Importers take exactly that quote off again, so export → import gives back the same
network. (A text that already starts with quotes before such a character gets one more
quote, so it round-trips too.)

The JSON shape, with the same column names as the files::

    {"title": "…",
     "columns": {"schools": ["name", "kind", "phase", "locality", …extras],
                 "links": ["from", "to", "level", "origin", "flows", "directed", "trust", …extras]},
     "schools": [{"name": "Oak Primary", "kind": "school", "phase": "", "locality": "", …extras}],
     "links": [{"from": "Oak Primary", "to": "Ash High", "level": 3, "origin": "funding",
                "flows": ["information", "staff"], "directed": false, "trust": null, …extras}]}

``level`` and ``trust`` are numbers or null, ``origin`` a text or null, ``flows`` a list,
``directed`` true or false; extra columns are texts and appear in every object. ``title``
and ``columns`` are optional on import (``columns`` keeps the order of extra columns even
when there are no rows); only ``schools`` is required. When some link was merged from rows
that repeat a pair, every link also has ``reported_by_both`` (true or false) and
``other_report`` (a text such as ``"level: 1; trust: 4"``; see :data:`REPORT_COLUMNS`).
When the schools have places on the drawing (issue 17), every school also has ``x`` and ``y``
(numbers in the drawing's units, or null; see :data:`POSITION_COLUMNS`).

Rows that name the same pair of schools are merged into one link, not refused (:func:`_merge`
says how), and the readers add one line saying which rows and how to their ``notes`` list; so
does the reader of Kumu's export (:func:`_read_kumu`) for what it assumed and left out.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import json
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from . import CourseError
from .network import (
    FIELD_WORDS,
    FLOW_LABELS,
    FLOWS,
    KIND_LABELS,
    KINDS,
    MAX_COLUMN_NAME,
    MAX_EXTRA_COLUMNS,
    MAX_EXTRA_VALUE,
    MAX_FIELD,
    MAX_NAME,
    ORIGIN_LABELS,
    ORIGINS,
    REPORTED_FIELDS,
    Link,
    Network,
    School,
    reported_value,
    too_long,
)

__all__ = [
    "LINK_COLUMNS",
    "MAX_COORDINATE",
    "MAX_DRAWN",
    "MAX_FILE_BYTES",
    "MAX_LINKS",
    "MAX_NETWORK_CHARS",
    "MAX_SCHOOLS",
    "MAX_UNPACKED_BYTES",
    "MAX_UPLOAD_BYTES",
    "SCHOOL_COLUMNS",
    "POSITION_COLUMNS",
    "REPORT_COLUMNS",
    "NetworkError",
    "parse_network",
    "read_any",
    "read_csv_text",
    "read_json",
    "read_network",
    "read_workbook",
    "to_csv",
    "to_gexf",
    "to_graphml",
    "to_json",
    "to_workbook",
    "too_big",
    "too_much",
]

MAX_FILE_BYTES = 20_000_000
MAX_SCHOOLS = 20_000
MAX_LINKS = 100_000
MAX_DRAWN = 1000  # the view draws at most this many schools; beyond it, a table and a summary
# The most one import sends at once (two CSV files). The files travel in one message over the
# page's websocket, which the server sizes from this (serve.py); the page refuses more before
# sending (course.js), since a bigger message closes the connection and the upload is lost.
MAX_UPLOAD_BYTES = 2 * MAX_FILE_BYTES
# The most text one network may hold once read: the course saves it as JSON, in which every
# heading is repeated in every row, so 30 extra columns in 20,000 rows of an 1 MB file would make
# a network of tens of MB (and each save of it, history included). Real networks of 1,000 schools
# are under 1 MB; the biggest the row limits allow with usual texts are about 15 MB.
MAX_NETWORK_CHARS = 20_000_000
# A workbook is a zip of XML parts: what it unpacks to is checked before openpyxl opens it (issue 15:
# a 200 KB file whose shared strings unpack to 200 MB took 400 MB of a kernel's memory). A workbook
# of 100,000 links and 20,000 schools as Excel or openpyxl writes it unpacks to about 35 MB; its
# shared strings (every distinct text once, kept in memory by openpyxl) to under 10 MB. XML parts
# compress 5 to 30 times; a part over 1 MB compressed more than 200 times is made to unpack.
MAX_UNPACKED_BYTES = 80_000_000
MAX_SHARED_STRINGS_BYTES = 25_000_000
MAX_PARTS = 500
MAX_RATIO = 200

SCHOOL_COLUMNS = ("name", "kind", "phase", "locality")
LINK_COLUMNS = ("from", "to", "level", "origin", "flows", "directed", "trust")
# Written after LINK_COLUMNS only when some link was reported twice (its rows merged on import):
# yes when both schools reported it, and what the other report said where the two differ
# ("level: 1; trust: 4"). A file without them holds links reported once.
REPORT_COLUMNS = ("reported_by_both", "other_report")
# Written after SCHOOL_COLUMNS only when some school has a place on the drawing (issue 17): where
# it is drawn, across and down, in the drawing's units (widgets_lib.layout). Optional on import: a
# file without them, or a row with both empty, gets a place worked out when it is first drawn.
POSITION_COLUMNS = ("x", "y")
MAX_COORDINATE = 1_000_000  # further out than this, a position is a mistake (or a hostile message)
_KNOWN_COLUMNS = frozenset(
    (*SCHOOL_COLUMNS, *POSITION_COLUMNS, *LINK_COLUMNS, *REPORT_COLUMNS, "label")
)
_COORDINATE = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
_FORMULA_STARTS = frozenset("=+-@\t\r")
_DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "a comma", ";": "a semicolon", "\t": "a tab"}
_WHOLE = re.compile(r"[0-9]{1,3}(?:[.,]0+)?")  # ASCII digits: int() would take "٣" or "1_0"
_SEPARATORS = re.compile(r"[\s_-]+")
_FLOW_SPLIT = re.compile(r"[|;,]")
_Rows = Sequence[Mapping[str, Any]]  # rows of one table: heading → cell text


class NetworkError(CourseError):
    """A network file that cannot be read; ``str(err)`` is one sentence for the user.

    ``file``, ``row`` (1-based, the header is row 1) and ``column`` say where, when known;
    ``sheet`` names the workbook sheet. In JSON files ``row`` is the item's number in its list.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        sheet: str | None = None,
    ) -> None:
        super().__init__(message)
        self.file, self.row, self.column, self.sheet = file, row, column, sheet

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class _Where:
    """Which table a message is about: a CSV file, a workbook sheet or a JSON list."""

    file: str
    sheet: str | None = None
    json_list: str | None = None
    strict: bool = True  # check the lengths of texts (not for networks the course saved itself)
    # The table's own headings of the course's columns, when they differ (Kumu's "Label" is the
    # course's "name"): messages name the column the user sees.
    headings: tuple[tuple[str, str], ...] = ()

    def shown(self, column: str | None) -> str | None:
        return dict(self.headings).get(column, column) if column is not None else None

    def place(self, row: int | None = None, column: str | None = None) -> str:
        column = self.shown(column)
        parts = [self.file]
        if self.sheet is not None:
            parts.append(f'sheet "{self.sheet}"')
        if row is not None:
            parts.append(f'"{self.json_list}" item {row}' if self.json_list else f"row {row}")
        if column is not None:
            parts.append(f'{"field" if self.json_list else "column"} "{column}"')
        return ", ".join(parts)

    @property
    def table(self) -> str:
        if self.sheet is not None:
            return f'the "{self.sheet}" sheet'
        if self.json_list is not None:
            return f'the "{self.json_list}" list of {self.file}'
        return self.file

    @property
    def rows_word(self) -> str:
        return "items" if self.json_list else "rows"

    def error(
        self, problem: str, row: int | None = None, column: str | None = None
    ) -> NetworkError:
        """``<place>: <problem>`` — for a problem in a row or a cell."""
        return NetworkError(
            f"{self.place(row, column)}: {problem}",
            file=self.file,
            row=row,
            column=self.shown(column),
            sheet=self.sheet,
        )

    def whole(
        self, predicate: str, row: int | None = None, column: str | None = None
    ) -> NetworkError:
        """``<place> <predicate>`` — for a problem with the whole table or row."""
        return NetworkError(
            f"{self.place(row)} {predicate}",
            file=self.file,
            row=row,
            column=self.shown(column),
            sheet=self.sheet,
        )

    def row_ref(self, row: int) -> str:
        return f"item {row}" if self.json_list else f"row {row}"

    def rows_ref(self, rows: Sequence[int]) -> str:
        """ "rows 4 and 9", "rows 4, 9 and 12" (items in a JSON list)."""
        if len(rows) == 1:
            return self.row_ref(rows[0])
        *most, last = (str(row) for row in rows)
        return f"{self.rows_word} {', '.join(most)} and {last}"


class _Row(dict):
    """One row of a table, remembering its row number."""

    __slots__ = ("row",)


class _Table(list):
    """The rows of a table, remembering its column headings in order."""

    __slots__ = ("columns",)


# -- cells ----------------------------------------------------------------------------------
def _neutralise(text: str) -> str:
    """Prefix a quote to a text a spreadsheet would treat as a formula."""
    return "'" + text if text.lstrip("'")[:1] in _FORMULA_STARTS else text


def _unneutralise(text: str) -> str:
    """Undo :func:`_neutralise` (only when the text is one it produces)."""
    return text[1:] if text[:1] == "'" and text.lstrip("'")[:1] in _FORMULA_STARTS else text


def _clean(cell: str) -> str:
    cell = cell.strip()
    return _unneutralise(cell) if cell[:1] == "'" else cell


def _show(value: str, limit: int = 60) -> str:
    """A value as quoted in a message: one line, not too long."""
    value = " ".join(value.split())
    return f'"{value[:limit]}…"' if len(value) > limit else f'"{value}"'


def _key(name: str) -> str:
    """What two school names must differ in: not capitals, spacing or Unicode spelling."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def _code(value: str) -> str:
    return _SEPARATORS.sub("_", value.strip().casefold())


def _codes(keys: Sequence[str], labels: Mapping[str, str]) -> dict[str, str]:
    table = {_code(label): key for key, label in labels.items()}
    table.update({key: key for key in keys})
    return table


_KIND_CODES = _codes(KINDS, KIND_LABELS)
_ORIGIN_CODES = _codes(ORIGINS, ORIGIN_LABELS)
_FLOW_CODES = _codes(FLOWS, FLOW_LABELS)
_YES = frozenset(("yes", "y", "true", "1"))
_NO = frozenset(("no", "n", "false", "0", ""))


def _whole(value: str, low: int, high: int) -> int | None:
    value = value.strip()
    if not _WHOLE.fullmatch(value):
        return None
    number = int(value.replace(",", ".").split(".")[0])
    return number if low <= number <= high else None


def _column_name(heading: str) -> str:
    """Contract columns are matched whatever their capitals; other headings keep their spelling."""
    lower = heading.casefold()
    return lower if lower in _KNOWN_COLUMNS else heading


# -- tables ---------------------------------------------------------------------------------
def too_big(size: str, megabytes: str) -> str:
    """Why a file is refused for its size, said after its name. The page says the same before
    sending a file that big (course.js fills in the figures), hence texts for the figures."""
    return (
        f"is {size} bytes ({megabytes} MB); the course takes files of at most "
        f"{MAX_FILE_BYTES:,} bytes ({MAX_FILE_BYTES / 1e6:.0f} MB)."
    )


def too_much(size: str, megabytes: str) -> str:
    """Why files chosen together are refused before they are sent (see MAX_UPLOAD_BYTES)."""
    return (
        f"The files you chose add up to {size} bytes ({megabytes} MB); the course takes at "
        f"most {MAX_UPLOAD_BYTES:,} bytes ({MAX_UPLOAD_BYTES / 1e6:.0f} MB) at a time."
    )


def _check_size(data: bytes, where: _Where) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise where.whole(too_big(f"{len(data):,}", f"{len(data) / 1e6:.1f}"))


def _too_many(where: _Where, count: int, limit: int, noun: str, more: str = "") -> NetworkError:
    return where.whole(f"has {more}{count:,} {noun}; the course takes at most {limit:,}.")


def _table(
    records: Iterator[Sequence[str]],
    where: _Where,
    *,
    max_rows: int,
    allow_no_rows: bool,
    delimiter: str | None,
) -> _Table:
    """Turn raw records (row 1 first) into rows keyed by heading: the one place that checks
    headings, blank rows, surplus cells and the row limit for CSV files and sheets alike.

    The row after the ``max_rows``-th row of data is the last one read: an oversized file is
    refused at once, and whatever follows (a broken row too) is never parsed.
    """
    table = _Table()
    header: list[str] | None = None
    named: list[int] = []
    header_row = count = 0
    for number, record in enumerate(records, start=1):
        cells = [_clean(cell) for cell in record]
        if not any(cells):
            continue
        if header is None:
            header, header_row = _header(cells, where, number), number
            named = [i for i, heading in enumerate(header) if heading]
            table.columns = tuple(header[i] for i in named)
            continue
        count += 1
        if count > max_rows:
            raise _too_many(where, max_rows, max_rows, f"{where.rows_word} of data", "more than ")
        width = len(header)
        if len(cells) > width:
            surplus = next((i for i in range(width, len(cells)) if cells[i]), None)
            if surplus is not None:
                raise _surplus(
                    where, number, header_row, len(named), surplus, delimiter, len(cells)
                )
        elif len(cells) < width:
            cells.extend([""] * (width - len(cells)))
        if len(named) != width:
            stray = next((i for i in range(width) if not header[i] and cells[i]), None)
            if stray is not None:
                raise _surplus(where, number, header_row, len(named), stray, delimiter, len(cells))
        row = _Row((header[i], cells[i]) for i in named)
        row.row = number
        table.append(row)
    if header is None:
        raise where.whole("is empty.")
    if count == 0 and not allow_no_rows:
        raise where.whole(
            f"has column headings in row {header_row} but no rows of data below them."
        )
    return table


def _header(cells: list[str], where: _Where, row: int) -> list[str]:
    header = [_column_name(cell) for cell in cells]
    seen: dict[str, int] = {}
    for i, heading in enumerate(header):
        if not heading:
            continue
        folded = heading.casefold()
        if folded in seen:
            raise where.error(
                f'the heading "{heading}" appears twice (columns {seen[folded] + 1} '
                f"and {i + 1}); give each column a different heading.",
                row=row,
                column=heading,
            )
        seen[folded] = i
    return header


def _surplus(
    where: _Where,
    row: int,
    header_row: int,
    headings: int,
    index: int,
    delimiter: str | None,
    cells: int,
) -> NetworkError:
    if delimiter is None:  # a sheet
        return where.whole(
            f"has a value in column {index + 1}, which has no heading in row "
            f"{header_row}; give that column a heading or clear the cell.",
            row=row,
        )
    return where.whole(
        f"has {cells} cells but row {header_row} has only {headings} column "
        "headings; put quotes around any cell that contains "
        f"{_DELIMITER_NAMES[delimiter]}.",
        row=row,
    )


# -- CSV --------------------------------------------------------------------------------------
def _decode(data: bytes, where: _Where) -> str:
    if data.startswith(b"PK\x03\x04"):
        raise where.whole(
            "is an Excel workbook, not a CSV file; open it as a workbook, or save "
            "each sheet from Excel as CSV."
        )
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
        return data.decode("utf-16", errors="replace")
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1")


def _first_line(text: str) -> tuple[str, int]:
    """The first line with something in it, and where the line after it starts."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        line = text[start:end]
        if line.strip(" \t\r,;"):
            return line, end + 1
        start = end + 1
    return "", len(text)


def _sniff(line: str) -> str:
    """The delimiter used most often outside quotes in the header line (a comma if none)."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_text(data: bytes, where: _Where) -> tuple[str, str]:
    """The delimiter and the decoded text (without Excel's ``sep=`` line) of a CSV file."""
    _check_size(data, where)
    text = _decode(bytes(data), where)
    if "\x00" in text:
        raise where.whole("is not a text file; save it from your spreadsheet as CSV.")
    line, after = _first_line(text)
    if not line:
        raise where.whole("is empty.")
    match = re.fullmatch(r"\s*sep=(.)\s*", line, flags=re.IGNORECASE)
    if match:
        return match.group(1), text[after:]
    return _sniff(line), text


def read_csv_text(
    data: bytes, file: str, *, max_rows: int = MAX_LINKS, allow_no_rows: bool = False
) -> list[dict[str, str]]:
    """Read one CSV file as Excel, LibreOffice or Kumu write it, into rows keyed by heading.

    UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252; comma, semicolon or tab
    delimited (Excel's ``sep=`` first line is honoured); blank rows skipped; headings and cells
    stripped; contract headings (``name``, ``from``…) in lower case, other headings as written.
    Each row has ``.row``, its row number; the list has ``.columns``, the headings in order.
    More than ``max_rows`` rows of data is an error raised as soon as the row after them is
    read, before any later row is parsed.
    """
    where = _Where(file)
    delimiter, text = _csv_text(data, where)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)

    def records() -> Iterator[list[str]]:
        count = 0
        try:
            for record in reader:
                count += 1
                yield record
        except csv.Error:
            raise where.whole(
                "has a cell that is too long or a quote mark that is never closed; "
                "check the quotes in and after this row.",
                row=count + 1,
            ) from None

    return _table(
        records(), where, max_rows=max_rows, allow_no_rows=allow_no_rows, delimiter=delimiter
    )


# -- validation -------------------------------------------------------------------------------
def _columns(rows: _Rows) -> tuple[str, ...]:
    columns = getattr(rows, "columns", None)
    if columns is not None:
        return tuple(columns)
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return tuple(seen)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


class _Cells:
    """Access to one table's contract columns, whatever the headings' capitals."""

    def __init__(
        self,
        rows: _Rows,
        where: _Where,
        required: Sequence[str],
        known: Sequence[str],
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        columns = _columns(rows)
        by_name: dict[str, str] = {}
        folded: set[str] = set()
        for column in columns:
            name = _column_name(column.strip())
            if name.casefold() in folded:
                raise where.error(
                    f'the heading "{column}" appears twice; give each column a different heading.',
                    column=column,
                )
            folded.add(name.casefold())
            by_name[name] = column
        for alias, target in (aliases or {}).items():
            if target not in by_name and alias in by_name:
                by_name[target] = by_name.pop(alias)
        for name in required if columns or rows else ():
            if name not in by_name:
                found = ", ".join(f'"{column}"' for column in columns) or "none"
                kind = "field" if where.json_list else "column"
                raise where.whole(
                    f'has no "{name}" {kind}; the {kind}s found are: {found}.', column=name
                )
        self.where = where
        self.source = {name: by_name.get(name) for name in known}
        used = set(self.source.values())
        self.extra = tuple(column for column in columns if column not in used)
        if where.strict:
            self._check_extra_columns()

    def _check_extra_columns(self) -> None:
        kind = "field" if self.where.json_list else "column"
        if len(self.extra) > MAX_EXTRA_COLUMNS:
            raise self.where.whole(
                f"has {len(self.extra):,} {kind}s besides the course's own; the course keeps at "
                f"most {MAX_EXTRA_COLUMNS} more in each table: remove the ones you do not need."
            )
        for column in self.extra:
            if len(column) > MAX_COLUMN_NAME:
                raise self.where.error(
                    f"the heading {too_long(len(column), MAX_COLUMN_NAME)}",
                    column=column[:MAX_COLUMN_NAME] + "…",
                )

    def checked(self, row: Mapping[str, Any], number: int, name: str, limit: int) -> str:
        """A contract column's text, or :class:`NetworkError` naming the cell when it is too long."""
        value = self.get(row, name)
        if self.where.strict and len(value) > limit:
            what = "name" if name in ("name", "from", "to") else name
            raise self.where.error(f"the {what} {too_long(len(value), limit)}", number, name)
        return value

    @staticmethod
    def number(row: Mapping[str, Any], index: int) -> int:
        return getattr(row, "row", None) or index + 2

    def get(self, row: Mapping[str, Any], name: str) -> str:
        column = self.source[name]
        return "" if column is None else _text(row.get(column))

    def extras(self, row: Mapping[str, Any], number: int) -> tuple[tuple[str, str], ...]:
        found = tuple((column, value) for column in self.extra if (value := _text(row.get(column))))
        if self.where.strict:
            for column, value in found:
                if len(value) > MAX_EXTRA_VALUE:
                    raise self.where.error(
                        f"the value {too_long(len(value), MAX_EXTRA_VALUE)}", number, column
                    )
        return found


def _schools(
    rows: _Rows, where: _Where
) -> tuple[tuple[School, ...], tuple[str, ...], dict[str, tuple[str, int]]]:
    cells = _Cells(
        rows, where, ("name",), (*SCHOOL_COLUMNS, *POSITION_COLUMNS), aliases={"label": "name"}
    )
    schools = []
    by_key: dict[str, tuple[str, int]] = {}
    for index, row in enumerate(rows):
        number = cells.number(row, index)
        name = cells.get(row, "name")
        if not name.strip():
            raise where.error("the name is empty; every school needs a name.", number, "name")
        if len(name) > MAX_NAME:  # always: a longer name is refused by the forms too
            raise where.error(f"the name {too_long(len(name), MAX_NAME)}", number, "name")
        key = _key(name)
        if key in by_key:
            first, first_row = by_key[key]
            same = (
                f"is already in {where.row_ref(first_row)}"
                if first == name
                else f"is the same name as {_show(first)} in {where.row_ref(first_row)} once "
                "capitals and spaces are ignored"
            )
            raise where.error(
                f"{_show(name)} {same}; give each school its own name or remove one of the rows.",
                number,
                "name",
            )
        by_key[key] = (name, number)
        kind_text = cells.get(row, "kind")
        kind = _KIND_CODES.get(_code(kind_text)) if kind_text.strip() else "school"
        if kind is None:
            raise where.error(
                f"{_show(kind_text)} is not a kind of partner; use school, lea (a "
                "local authority), university, community or other.",
                number,
                "kind",
            )
        schools.append(
            School(
                name=name,
                kind=kind,
                phase=cells.checked(row, number, "phase", MAX_FIELD),
                locality=cells.checked(row, number, "locality", MAX_FIELD),
                extra=cells.extras(row, number),
                **_position(cells, row, number),
            )
        )
    return tuple(schools), cells.extra, by_key


def _coordinate(text: str) -> float | None:
    """A cell's number as a coordinate ("120.5", "-3", "12,5"), or None when it is not one."""
    text = text.strip()
    if len(text) > 40 or not _COORDINATE.fullmatch(text):
        return None
    number = float(text.replace(",", "."))
    return round(number, 1) if abs(number) <= MAX_COORDINATE else None


def _position(cells: _Cells, row: Mapping[str, Any], number: int) -> dict[str, float]:
    """A school's ``x`` and ``y`` (both, or neither when both cells are empty or absent), or
    :class:`NetworkError` naming the cell. A network the course saved itself never fails here:
    a position it cannot read is left out and worked out again (nothing else is lost)."""
    texts = {column: cells.get(row, column) for column in POSITION_COLUMNS}
    if not any(text.strip() for text in texts.values()):
        return {}
    found = {}
    for column, text in texts.items():
        if not text.strip():
            if not cells.where.strict:
                return {}
            other = "y" if column == "x" else "x"
            raise cells.where.error(
                f"{column} is empty but {other} is not; give both (where the school sits on the "
                "drawing) or leave both empty.",
                number,
                column,
            )
        value = _coordinate(text)
        if value is None:
            if not cells.where.strict:
                return {}
            raise cells.where.error(
                f"{_show(text)} is not a position on the drawing; use a number from "
                f"{-MAX_COORDINATE:,} to {MAX_COORDINATE:,} (such as 120.5), or leave both x "
                "and y empty.",
                number,
                column,
            )
        found[column] = value
    return found


def _links(
    rows: _Rows,
    where: _Where,
    schools_where: _Where,
    by_key: dict[str, tuple[str, int]],
    notes: list[str] | None = None,
) -> tuple[tuple[Link, ...], tuple[str, ...]]:
    cells = _Cells(rows, where, ("from", "to"), (*LINK_COLUMNS, *REPORT_COLUMNS))
    exact = {name: name for name, _ in by_key.values()}
    # The rows of each pair of schools, in the order the pairs first appear: rows that repeat a
    # pair are merged into one link (_merge).
    groups: dict[tuple[str, str], list[tuple[int, Link]]] = {}

    def school(row: Mapping[str, Any], number: int, column: str) -> str:
        value = cells.checked(row, number, column, MAX_NAME)  # before any slow look-alike search
        name = exact.get(value)
        if name is not None:
            return name
        if not value.strip():
            end = "it comes from" if column == "from" else "it goes to"
            raise where.error(
                f"the cell is empty; every link needs the name of the school {end}.", number, column
            )
        found = by_key.get(_key(value))
        if found is not None:
            return found[0]
        close = difflib.get_close_matches(_key(value), by_key, n=1, cutoff=0.75)
        hint = (
            f"did you mean {_show(by_key[close[0]][0])}?"
            if close
            else "add the school there or correct the name."
        )
        raise where.error(f"{_show(value)} is not in {schools_where.table}; {hint}", number, column)

    for index, row in enumerate(rows):
        number = cells.number(row, index)
        source, target = school(row, number, "from"), school(row, number, "to")
        if source == target:
            raise where.error(
                f'{_show(target)} is also the school in the "from" column, so this '
                "row links a school to itself; correct one of the names or remove "
                "the row.",
                number,
                "to",
            )
        level = _optional_whole(cells, row, number, "level", 0, 5)
        trust = _optional_whole(cells, row, number, "trust", 1, 4)
        origin_text = cells.get(row, "origin")
        origin = _ORIGIN_CODES.get(_code(origin_text)) if origin_text.strip() else None
        if origin_text.strip() and origin is None:
            raise where.error(
                f"{_show(origin_text)} is not one of the origins; use funding, "
                "mandate, prior_partnership, friendship, shared_problem or other.",
                number,
                "origin",
            )
        flows: dict[str, None] = {}
        for part in _FLOW_SPLIT.split(cells.get(row, "flows")):
            if not part.strip():
                continue
            flow = _FLOW_CODES.get(_code(part))
            if flow is None:
                raise where.error(
                    f"{_show(part)} is not a kind of flow; use information, "
                    "resources, joint_practice, staff or pupils, separated by |.",
                    number,
                    "flows",
                )
            flows[flow] = None
        directed_text = cells.get(row, "directed").strip().casefold()
        if directed_text not in _YES and directed_text not in _NO:
            raise where.error(
                f"{_show(cells.get(row, 'directed'))} is not yes or no; write yes "
                "for a one-way link, or no (or nothing) for a two-way link.",
                number,
                "directed",
            )
        both_text = cells.get(row, "reported_by_both").strip().casefold()
        if both_text not in _YES and both_text not in _NO:
            raise where.error(
                f"{_show(cells.get(row, 'reported_by_both'))} is not yes or no; write yes when "
                "each of the two schools reported the link, or no (or nothing).",
                number,
                "reported_by_both",
            )
        link = Link(
            source=source,
            target=target,
            level=level,
            origin=origin,
            flows=tuple(flows),
            directed=directed_text in _YES,
            trust=trust,
            extra=cells.extras(row, number),
            confirmed=both_text in _YES,
            other_report=_other_report(cells, row, number),
        )
        pair = (source, target) if source < target else (target, source)
        groups.setdefault(pair, []).append((number, link))
    links = []
    merged: list[tuple[list[int], Link, str]] = []
    for group in groups.values():
        # One-way links in both directions are two links, each returning the other (the forms
        # draw them so, and the diagnosis counts returned links); a two-way row joins them all.
        if all(link.directed for _, link in group):
            ways: dict[tuple[str, str], list[tuple[int, Link]]] = {}
            for number, link in group:
                ways.setdefault((link.source, link.target), []).append((number, link))
            parts = list(ways.values())
        else:
            parts = [group]
        for part in parts:
            if len(part) == 1:
                links.append(part[0][1])
                continue
            link, how = _merge([link for _, link in part])
            links.append(link)
            merged.append(([number for number, _ in part], link, how))
    if merged and notes is not None:
        notes.append(_merged_note(where, merged))
    return tuple(links), cells.extra


def _other_report(
    cells: _Cells, row: Mapping[str, Any], number: int
) -> tuple[tuple[str, str], ...]:
    """The ``other_report`` cell ("level: 1; flows: information|staff"), each value checked as
    its own column is."""
    text = cells.get(row, "other_report")
    found: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        field, _, value = (piece.strip() for piece in part.partition(":"))
        field = field.casefold()
        value = "" if field == "flows" and value.casefold() == "none" else value
        if field not in REPORTED_FIELDS or field in found or not _fits(field, value):
            raise cells.where.error(
                f"{_show(part)} is not what the other report said; write each field the two "
                'reports gave differently as "level: 1", "trust: 4", "origin: funding", '
                '"flows: information|staff" or "directed: yes", separated by ;.',
                number,
                "other_report",
            )
        found[field] = _coded(field, value)
    return tuple((field, found[field]) for field in REPORTED_FIELDS if field in found)


def _coded(field: str, value: str) -> str:
    """A valid value of ``field`` as the course writes it ("Funding" → "funding", "3.0" → "3")."""
    if field in ("level", "trust"):
        return str(_whole(value, 0, 5))
    if field == "origin":
        return _ORIGIN_CODES[_code(value)]
    if field == "flows":
        return "|".join(_FLOW_CODES[_code(flow)] for flow in value.split("|") if flow.strip())
    return value.casefold()


def _fits(field: str, value: str) -> bool:
    """Whether ``value`` is a valid value of ``field`` as a file writes it."""
    if field == "level":
        return _whole(value, 0, 5) is not None
    if field == "trust":
        return _whole(value, 1, 4) is not None
    if field == "origin":
        return _code(value) in _ORIGIN_CODES
    if field == "flows":
        return all(_code(flow) in _FLOW_CODES for flow in value.split("|") if flow.strip())
    return value.casefold() in ("yes", "no")


def _merge(links: Sequence[Link]) -> tuple[Link, str]:
    """One link from the rows that name the same pair of schools, and how, in words.

    Rows naming the pair in both orders are the two schools' own reports: the link is two-way
    and *confirmed*. Rows in one order are the same report listed again. Where the reports give a
    field differently, both are kept: the link holds the higher level (as the tutor's merged
    network does: a link is as close as either side works it), the lower trust (trust is only as
    strong as the side that trusts less), the first origin, every flow either report names and,
    in one order, two-way if either report says so; ``other_report`` holds the other value (the
    lower level, the higher trust, the next origin, the flows every report names, one way).
    Other columns keep the first row's values and add those only later rows have.
    """
    first = links[0]
    both_orders = len({(link.source, link.target) for link in links}) > 1
    other: dict[str, str] = {}
    levels = sorted({link.level for link in links if link.level is not None})
    if len(levels) > 1:
        other["level"] = str(levels[0])
    trusts = sorted({link.trust for link in links if link.trust is not None})
    if len(trusts) > 1:
        other["trust"] = str(trusts[-1])
    origins = list(dict.fromkeys(link.origin for link in links if link.origin))
    if len(origins) > 1:
        other["origin"] = origins[1]
    flows = tuple(dict.fromkeys(flow for link in links for flow in link.flows))
    named = [link.flows for link in links if link.flows]  # no flow ticked is no answer
    common = [flow for flow in flows if all(flow in these for these in named)]
    if len(common) < len(flows):
        other["flows"] = "|".join(common)
    directed = not both_orders and all(link.directed for link in links)
    if not both_orders and not directed and any(link.directed for link in links):
        other["directed"] = "yes"
    for link in links:  # what an earlier merge noted (a file exported after one) stays noted
        for field, value in link.other_report:
            other.setdefault(field, value)
    extra = dict(first.extra)
    for link in links[1:]:
        for column, value in link.extra:
            extra.setdefault(column, value)
    result = replace(
        first,
        level=levels[-1] if levels else None,
        trust=trusts[0] if trusts else None,
        origin=origins[0] if origins else None,
        flows=flows,
        directed=directed,
        extra=tuple(extra.items()),
        confirmed=both_orders or any(link.confirmed for link in links),
        other_report=tuple((field, other[field]) for field in REPORTED_FIELDS if field in other),
    )
    if both_orders:
        how = "confirmed by both sides"
    else:
        how = "the same link listed " + ("twice" if len(links) == 2 else f"{len(links)} times")
    disputed = [field for field in REPORTED_FIELDS if field in other]
    if disputed:
        who = "the two sides" if both_orders else "the rows"
        how += f", but {who} disagree on " + _and(
            f"what flows ({_brief(field, reported_value(result, field))} between them, "
            f"{_brief(field, other[field])} named by both)"
            if field == "flows"
            else f"{FIELD_WORDS.get(field, field)} ({_brief(field, reported_value(result, field))} "
            f"vs {_brief(field, other[field])})"
            for field in disputed
        )
    return result, how


def _brief(field: str, value: str) -> str:
    """A field's value as a merge message quotes it: a level as its number, flows by name."""
    if field in ("level", "trust") or not value:
        return value or "none"
    if field == "directed":
        return "one way" if value == "yes" else "two-way"
    if field == "flows":
        return " + ".join(value.split("|"))
    return value


def _and(parts: Iterable[str]) -> str:
    *most, last = parts
    return f"{', '.join(most)} and {last}" if most else last


_MERGES_NAMED = 5  # a message names this many merges, then counts the rest


def _merged_note(where: _Where, merged: list[tuple[list[int], Link, str]]) -> str:
    """One line saying which rows were merged into one link, and how."""

    if len(merged) == 1:
        rows, link, how = merged[0]
        text = (
            f"{where.place()}: {where.rows_ref(rows)} ({link.source} – {link.target}) were merged "
            f"into one link, {how}."
        )
    else:
        named = "; ".join(
            f"{where.rows_ref(rows)} ({link.source} – {link.target}), {how}"
            for rows, link, how in merged[:_MERGES_NAMED]
        )
        rest = len(merged) - _MERGES_NAMED
        more = f"; and {rest:,} more (the links table marks them)" if rest > 0 else ""
        text = (
            f"{where.place()}: {len(merged):,} pairs of schools were listed more than once, each "
            f"merged into one link: {named}{more}."
        )
    if any(link.other_report for _, link, _ in merged):
        text += (
            " Where reports disagree, the link keeps the higher level, the lower trust and every "
            "flow either names, and the links table shows the other report beside it."
        )
    return text


def _optional_whole(
    cells: _Cells, row: Mapping[str, Any], number: int, column: str, low: int, high: int
) -> int | None:
    text = cells.get(row, column)
    if not text.strip():
        return None
    value = _whole(text, low, high)
    if value is None:
        if column == "level":
            problem = (
                "is not a level of collaboration; use a whole number from 0 (none) to "
                "5 (collaboration)."
            )
        else:
            problem = "is not a trust rating; use a whole number from 1 (low) to 4 (high)."
        raise cells.where.error(f"{_show(text)} {problem}", number, column)
    return value


def _parse(
    schools_rows: _Rows,
    links_rows: _Rows,
    schools_where: _Where,
    links_where: _Where,
    title: str = "",
    notes: list[str] | None = None,
) -> Network:
    if len(schools_rows) > MAX_SCHOOLS:
        raise _too_many(schools_where, len(schools_rows), MAX_SCHOOLS, "schools")
    if len(links_rows) > MAX_LINKS:
        raise _too_many(links_where, len(links_rows), MAX_LINKS, "links")
    if schools_where.strict and len(title) > MAX_FIELD:
        raise NetworkError(
            f"{schools_where.file}: the title {too_long(len(title), MAX_FIELD)}",
            file=schools_where.file,
        )
    schools, school_columns, by_key = _schools(schools_rows, schools_where)
    links, link_columns = _links(links_rows, links_where, schools_where, by_key, notes)
    network = Network(
        schools=schools,
        links=links,
        title=title,
        extra_school_columns=school_columns,
        extra_link_columns=link_columns,
    )
    if schools_where.strict:
        _check_kept_size(network, schools_where, links_where)
    return network


def _kept_size(count: int, columns: Sequence[str], texts: int) -> int:
    """About how many characters ``count`` rows take as the course keeps them (JSON, every
    heading in every row): their texts, and each heading with its quotes for each row."""
    return texts + count * sum(len(column) + 8 for column in columns)


def _check_kept_size(network: Network, schools_where: _Where, links_where: _Where) -> None:
    """Refuse a network too big to keep (:data:`MAX_NETWORK_CHARS`), naming the bigger table."""
    schools = _kept_size(
        len(network.schools),
        (*SCHOOL_COLUMNS, *POSITION_COLUMNS, *network.extra_school_columns),
        sum(
            len(s.name)
            + len(s.kind)
            + len(s.phase)
            + len(s.locality)
            + sum(len(value) for _column, value in s.extra)
            for s in network.schools
        ),
    )
    links = _kept_size(
        len(network.links),
        (*LINK_COLUMNS, *network.extra_link_columns),
        sum(
            len(link.source)
            + len(link.target)
            + 40
            + sum(len(value) for _column, value in link.extra)
            for link in network.links
        ),
    )
    if schools + links <= MAX_NETWORK_CHARS:
        return
    where, rows = (
        (schools_where, len(network.schools))
        if schools >= links
        else (links_where, len(network.links))
    )
    raise where.whole(
        f"would make a network of about {(schools + links) / 1e6:.0f} MB once read (each of its "
        f"{rows:,} {where.rows_word} keeps every column heading); the course keeps networks of at "
        f"most {MAX_NETWORK_CHARS / 1e6:.0f} MB: remove the columns you do not need."
    )


def parse_network(
    schools_rows: _Rows,
    links_rows: _Rows,
    schools_file: str = "schools.csv",
    links_file: str = "links.csv",
    *,
    notes: list[str] | None = None,
) -> Network:
    """Check every cell of the two tables and build the network, or raise one NetworkError.

    Rows are mappings from heading to text, as :func:`read_csv_text` returns them; their row
    numbers are ``row.row`` when present, else counted from row 2. Every reader takes ``notes``,
    a list to which it adds a line for what the user should know of a file it could read (rows
    merged, Kumu's columns read or left out).
    """
    return _parse(schools_rows, links_rows, _Where(schools_file), _Where(links_file), notes=notes)


# -- Kumu ---------------------------------------------------------------------------------------
# Kumu (kumu.io) exports a map as a workbook with an "Elements" sheet (Label, Type, Description,
# Tags with | between tags, and any custom fields; an ID column when labels repeat) and a
# "Connections" sheet (From, To, Type, Direction: directed, undirected or mutual, Label,
# Description, Tags, Strength…). Its texts are kept as text columns; the rest Kumu writes (images,
# layout, custom fields the course has no place for) is left out and named in a note.
_KUMU_ELEMENT_TEXTS = ("type", "description", "tags")
_KUMU_CONNECTION_TEXTS = ("type", "label", "description", "tags", "strength")
_KUMU_DIRECTIONS = {"directed": "yes", "undirected": "no", "mutual": "no", "": "no"}
# Words in a Kumu element's Type that say plainly which kind of partner it is.
_KUMU_KIND_WORDS = (
    ("school", ("school", "academy", "primary", "secondary", "nursery")),
    ("university", ("university",)),
    ("lea", ("local authority", "council")),
    ("community", ("community", "charity")),
)


def _is_kumu(rows: _Rows) -> bool:
    """Whether a schools table is Kumu's Elements sheet: a ``Label`` column and no ``name``."""
    columns = {column.casefold() for column in _columns(rows)}
    return "label" in columns and "name" not in columns


def _kumu_kind(type_text: str) -> str:
    """The kind of partner a Kumu Type names: the course's own kinds, or a plain word in it
    ("Primary school" is a school); any other Type is an other partner, none a school."""
    if not type_text.strip():
        return "school"
    kind = _KIND_CODES.get(_code(type_text))
    if kind is not None:
        return kind
    words = " ".join(type_text.casefold().split())
    for kind, keys in _KUMU_KIND_WORDS:
        if any(key in words for key in keys):
            return kind
    return "other"


def _kumu_table(
    rows: _Rows, where: _Where, required: Sequence[str], texts: Sequence[str], used: Sequence[str]
) -> tuple[dict[str, str], list[str]]:
    """Kumu's headings of a sheet (folded heading → heading) and the headings left out, or
    :class:`NetworkError` for a missing required column (named as Kumu writes it)."""
    columns = _columns(rows)
    by_name = {column.casefold(): column for column in columns}
    for name in required:
        if name not in by_name:
            found = ", ".join(f'"{column}"' for column in columns) or "none"
            heading = name.capitalize()
            raise where.whole(
                f'has no "{heading}" column, which Kumu writes; the columns found are: {found}.',
                column=heading,
            )
    known = {*required, *texts, *used}
    return by_name, [column for column in columns if column.casefold() not in known]


def _kumu_row(number: int, cells: Iterable[tuple[str, str]]) -> _Row:
    row = _Row(cells)
    row.row = number
    return row


def _read_kumu(
    elements: _Rows,
    connections: _Rows,
    elements_where: _Where,
    connections_where: _Where,
    *,
    title: str = "",
    notes: list[str] | None = None,
) -> Network:
    """A network from Kumu's Elements and Connections: checked by the same rules as any file,
    with messages naming Kumu's own sheets, rows and headings."""
    element_columns, left_elements = _kumu_table(
        elements,
        elements_where,
        ("label",),
        _KUMU_ELEMENT_TEXTS,
        ("id", "kind", "phase", "locality"),
    )
    connection_columns, left_connections = _kumu_table(
        connections,
        connections_where,
        ("from", "to"),
        _KUMU_CONNECTION_TEXTS,
        ("direction", *LINK_COLUMNS[2:]),
    )
    elements_where = replace(elements_where, headings=(("name", "Label"),))
    connections_where = replace(
        connections_where,
        headings=(
            ("from", "From"),
            ("to", "To"),
            *(
                (("directed", connection_columns["direction"]),)
                if "direction" in connection_columns and "directed" not in connection_columns
                else ()
            ),
        ),
    )
    said: list[str] = []

    # Elements → schools: Label is the name; Type gives the kind where it names one.
    label, type_column = element_columns["label"], element_columns.get("type")
    kinds: dict[str, str] = {}
    school_rows = _Table()
    school_texts = [
        element_columns[name] for name in _KUMU_ELEMENT_TEXTS if name in element_columns
    ]
    own = [name for name in ("kind", "phase", "locality") if name in element_columns]
    from_type = type_column is not None and "kind" not in element_columns
    school_rows.columns = (
        "label",
        *(("kind",) if from_type else ()),
        *own,
        *(column for column in school_texts),
    )
    ids: dict[str, str] = {}
    for index, row in enumerate(elements):
        number = _Cells.number(row, index)
        cells = [("label", _text(row.get(label)))]
        if from_type:
            type_text = _text(row.get(type_column))
            kinds.setdefault(type_text.strip(), _kumu_kind(type_text))
            cells.append(("kind", kinds[type_text.strip()]))
        cells += [(name, _text(row.get(element_columns[name]))) for name in own]
        cells += [(column, _text(row.get(column))) for column in school_texts]
        school_rows.append(_kumu_row(number, cells))
        if "id" in element_columns and _text(row.get(element_columns["id"])).strip():
            ids.setdefault(_text(row.get(element_columns["id"])).strip(), cells[0][1])
    if kinds and any(text for text in kinds):
        shown = [f"{_show(text)} as {KIND_LABELS[kind]}" for text, kind in kinds.items() if text]
        more = f" and {len(shown) - 8:,} more" if len(shown) > 8 else ""
        said.append(f"Type gave each partner's kind: {_and(shown[:8])}{more}")

    # Connections → links: Direction gives one-way links, obvious tags what flows along them.
    labels = {_key(_text(row.get(label))) for row in elements}
    direction = None if "directed" in connection_columns else connection_columns.get("direction")
    link_texts = [
        connection_columns[name] for name in _KUMU_CONNECTION_TEXTS if name in connection_columns
    ]
    from_tags = "flows" not in connection_columns and any(
        name in connection_columns for name in ("tags", "type")
    )
    link_rows = _Table()
    own = [name for name in LINK_COLUMNS[2:] if name in connection_columns]
    link_rows.columns = (
        "from",
        "to",
        *own,
        *(("directed",) if direction else ()),
        *(("flows",) if from_tags else ()),
        *(("Label" if column.casefold() == "label" else column) for column in link_texts),
    )
    flowed = False

    def end(value: str) -> str:
        value = value.strip()
        return ids[value] if _key(value) not in labels and value in ids else value

    for index, row in enumerate(connections):
        number = _Cells.number(row, index)
        cells = [(name, _text(row.get(connection_columns[name]))) for name in own]
        if direction:
            text = _text(row.get(direction))
            if _code(text) not in _KUMU_DIRECTIONS:
                raise connections_where.error(
                    f"{_show(text)} is not one of Kumu's directions; use directed (one way), "
                    "undirected or mutual (both ways).",
                    number,
                    "directed",
                )
            cells.append(("directed", _KUMU_DIRECTIONS[_code(text)]))
        if from_tags:
            named = [
                _FLOW_CODES[_code(tag)]
                for name in ("type", "tags")
                if name in connection_columns
                for tag in _text(row.get(connection_columns[name])).split("|")
                if _code(tag) in _FLOW_CODES
            ]
            flowed = flowed or bool(named)
            cells.append(("flows", "|".join(dict.fromkeys(named))))
        cells += [
            ("Label" if column.casefold() == "label" else column, _text(row.get(column)))
            for column in link_texts
        ]
        source = end(_text(row.get(connection_columns["from"])))
        target_text = _text(row.get(connection_columns["to"]))
        # Kumu draws a connection to each of several elements in "To", separated by |.
        targets = (
            [target_text]
            if _key(target_text) in labels or "|" not in target_text
            else [part for part in target_text.split("|") if part.strip()] or [target_text]
        )
        for target in targets:
            link_rows.append(_kumu_row(number, [("from", source), ("to", end(target)), *cells]))
        if len(link_rows) > MAX_LINKS:  # a cell of many names, each a link: stop at the limit
            raise _too_many(connections_where, MAX_LINKS, MAX_LINKS, "links", "more than ")

    if direction:
        said.append('Direction "directed" is a one-way link, "undirected" and "mutual" two-way')
    if flowed:
        said.append(
            "tags that name a flow (information, resources, joint practice, staff, pupils) "
            "say what flows along a link"
        )
    missing = [
        words
        for name, words in (("level", "level of collaboration"), ("trust", "trust"))
        if name not in connection_columns
    ]
    if missing and connections:
        said.append(
            f'Kumu has no {" or ".join(missing)}, so each link\'s is "Not given" (set them '
            'under "Change or remove a link")'
        )
    merged: list[str] = []
    network = _parse(
        school_rows, link_rows, elements_where, connections_where, title=title, notes=merged
    )
    if notes is not None:
        notes.append("Read as Kumu's export: " + "; ".join(["Label gave each name", *said]) + ".")
        left = [
            f"{_and([_show(column) for column in columns])} in {where.table}"
            for columns, where in (
                (left_elements, elements_where),
                (left_connections, connections_where),
            )
            if columns
        ]
        if left:
            notes.append(f"Not imported, as the course has no place for them: {_and(left)}.")
        notes.extend(merged)
    return network


# -- readers --------------------------------------------------------------------------------
def read_network(
    schools: bytes,
    links: bytes,
    schools_file: str = "schools.csv",
    links_file: str = "links.csv",
    *,
    notes: list[str] | None = None,
) -> Network:
    """Read a network from its two CSV files (schools, then links); two CSV files saved from
    Kumu's Elements and Connections sheets (a ``Label`` column and no ``name``) are read as
    :func:`read_workbook` reads Kumu's workbook."""
    schools_where, links_where = _Where(schools_file), _Where(links_file)
    _check_size(schools, schools_where)
    _check_size(links, links_where)
    school_rows = read_csv_text(schools, schools_file, max_rows=MAX_SCHOOLS)
    link_rows = read_csv_text(links, links_file, max_rows=MAX_LINKS, allow_no_rows=True)
    if _is_kumu(school_rows):
        return _read_kumu(school_rows, link_rows, schools_where, links_where, notes=notes)
    return _parse(school_rows, link_rows, schools_where, links_where, notes=notes)


def _sheet_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value)


def _size_from_head(sheet: Any) -> None:
    """openpyxl's ``ReadOnlyWorksheet._get_size``, stopping where the rows begin.

    A sheet's stated size (``<dimension>``) comes before its rows. When there is none, as in
    every file openpyxl writes in write-only mode (the course's exports among them), openpyxl
    reads the whole sheet on opening, only to find no size (3 s of CPU for 100,000 rows),
    before the first row can be read and an oversized sheet refused.
    """
    from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
    from openpyxl.worksheet.dimensions import SheetDimension
    from openpyxl.xml.functions import iterparse

    with sheet._get_source() as source:
        for event, element in iterparse(source, events=("start", "end")):
            if element.tag == DATA_TAG:
                return
            if event == "end" and element.tag == DIMENSION_TAG:
                (sheet._min_column, sheet._min_row, sheet._max_column, sheet._max_row) = (
                    SheetDimension.from_tree(element).boundaries
                )
                return


def _check_unpacked(data: bytes, where: _Where, unreadable: NetworkError) -> None:
    """Refuse a workbook that would unpack to too much, from its zip directory alone, before
    openpyxl opens it (see :data:`MAX_UNPACKED_BYTES`).

    The sizes a zip states can be false, but Python's zipfile, which openpyxl reads through,
    never gives more than the stated size of a part (it stops there and reports the part as
    damaged), so what is checked here bounds what is unpacked.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
        raise unreadable from error
    if len(parts) > MAX_PARTS:
        raise where.whole(
            f"is made of {len(parts):,} parts; a workbook of a network has a few dozen, and the "
            f"course opens workbooks of at most {MAX_PARTS}. Save it again from your spreadsheet."
        )
    advice = "save the two sheets as CSV files, or remove what the network does not need."
    total = sum(part.file_size for part in parts)
    if total > MAX_UNPACKED_BYTES:
        raise where.whole(
            f"would unpack to {total:,} bytes ({total / 1e6:.0f} MB); the course opens workbooks "
            f"that unpack to at most {MAX_UNPACKED_BYTES / 1e6:.0f} MB: {advice}"
        )
    for part in parts:
        shared = part.filename.casefold().endswith("sharedstrings.xml")
        if shared and part.file_size > MAX_SHARED_STRINGS_BYTES:
            raise where.whole(
                f"has texts that unpack to {part.file_size:,} bytes "
                f"({part.file_size / 1e6:.0f} MB); the course opens workbooks whose texts unpack "
                f"to at most {MAX_SHARED_STRINGS_BYTES / 1e6:.0f} MB: {advice}"
            )
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > 1_000_000 and ratio > MAX_RATIO:
            raise where.whole(
                f"has a part ({part.filename}) that would unpack to {ratio:,.0f} times its size "
                f"in the file ({part.file_size / 1e6:.0f} MB); a spreadsheet's parts unpack to at "
                f"most a few dozen times theirs, so the course does not open it: {advice}"
            )


def read_workbook(data: bytes, file: str, *, notes: list[str] | None = None) -> Network:
    """Read a network from an .xlsx workbook with sheets ``schools`` and ``links``, or from
    Kumu's export, with sheets ``Elements`` and ``Connections`` (see :func:`_read_kumu`)."""
    from openpyxl import load_workbook  # imported here: only workbook users pay for it

    try:  # openpyxl's internals: if a release moves them, its own (slower) sizing still works
        from openpyxl.worksheet._read_only import ReadOnlyWorksheet
        from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG  # noqa: F401 (used there)
        from openpyxl.worksheet.dimensions import SheetDimension  # noqa: F401
    except ImportError:
        pass
    else:
        ReadOnlyWorksheet._get_size = _size_from_head  # same result, without reading every row
    where = _Where(file)
    _check_size(data, where)
    unreadable = where.whole(
        "is not an Excel workbook (.xlsx) that can be read; save it from your "
        "spreadsheet as an Excel workbook, or as two CSV files."
    )
    _check_unpacked(data, where, unreadable)
    try:
        with warnings.catch_warnings():  # openpyxl's warnings about styles are not for users
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(bytes(data)), read_only=True, data_only=True)
    except Exception as error:  # a damaged upload can fail in many ways inside openpyxl
        raise unreadable from error
    try:
        sheets = {name.strip().casefold(): name for name in book.sheetnames}
        found = ", ".join(f'"{name}"' for name in book.sheetnames)
        kumu = "elements" in sheets and not {"schools", "links"} <= set(sheets)
        if kumu and "connections" not in sheets:
            raise where.whole(
                'has an "Elements" sheet, as Kumu exports, but no sheet called "Connections"; '
                f"the sheets found are: {found}."
            )
        wanted_sheets = ("elements", "connections") if kumu else ("schools", "links")
        for wanted in wanted_sheets:
            if wanted not in sheets:
                raise where.whole(f'has no sheet called "{wanted}"; the sheets found are: {found}.')
        tables = []
        for wanted, limit in zip(wanted_sheets, (MAX_SCHOOLS, MAX_LINKS), strict=True):
            sheet_where = _Where(file, sheet=sheets[wanted])
            rows = (
                map(_sheet_value, values)
                for values in book[sheets[wanted]].iter_rows(values_only=True)
            )
            # Reading a sheet is slow (about 30 µs a row), so an oversized one stops at the limit.
            tables.append(
                (
                    sheet_where,
                    _table(
                        rows,
                        sheet_where,
                        max_rows=limit,
                        allow_no_rows=wanted in ("links", "connections"),
                        delimiter=None,
                    ),
                )
            )
        title = _text(book.properties.title) if book.properties is not None else ""
    except NetworkError:
        raise
    except Exception as error:  # a damaged sheet inside a readable zip
        raise unreadable from error
    finally:
        book.close()
    (schools_where, school_rows), (links_where, link_rows) = tables
    if kumu:
        return _read_kumu(
            school_rows, link_rows, schools_where, links_where, title=title, notes=notes
        )
    return _parse(school_rows, link_rows, schools_where, links_where, title=title, notes=notes)


def _json_value(value: Any, where: _Where, number: int, column: str) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (str, int, float)) or value is None:
        return _text(value)
    is_flows = column.strip().casefold() == "flows"
    if isinstance(value, list) and is_flows and all(isinstance(v, str) for v in value):
        return "|".join(value)
    raise where.error("the value is a list or an object; use a text or a number.", number, column)


def _json_rows(items: Any, declared: Any, where: _Where, limit: int) -> _Table:
    if not isinstance(items, list):
        raise where.whole(f'has no "{where.json_list}" list.')
    if not isinstance(declared, list) or not all(isinstance(c, str) for c in declared):
        raise where.whole(
            f'has a "columns" entry whose "{where.json_list}" is not a list of column names.'
        )
    if len(items) > limit:
        raise _too_many(where, len(items), limit, f"{where.json_list}")
    table = _Table()
    columns = dict.fromkeys(declared)
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise where.whole("is not an object with named fields.", row=number)
        row = _Row(
            (column, _json_value(value, where, number, column)) for column, value in item.items()
        )
        row.row = number
        columns.update(dict.fromkeys(item))
        table.append(row)
    table.columns = tuple(columns)
    return table


def read_json(
    data: bytes, file: str, *, check_lengths: bool = False, notes: list[str] | None = None
) -> Network:
    """Read a network saved by :func:`to_json` (the shape is in this module's docstring).

    The course reads the networks it saved itself with this, so the lengths of texts are not
    checked unless asked (a network saved before the limits still opens, and nothing is lost);
    an upload is read with ``check_lengths=True`` (:func:`read_any`).
    """
    where = _Where(file, strict=check_lengths)
    _check_size(data, where)
    try:
        document = json.loads(bytes(data).decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise where.whole(
            "is not a JSON text file (it is not UTF-8); export the network again."
        ) from None
    except json.JSONDecodeError as error:
        raise where.whole(
            f"is not valid JSON (the problem is at line {error.lineno}, character "
            f"{error.colno}); export the network again."
        ) from None
    if not isinstance(document, dict):
        raise where.whole(
            'is not a network: it should hold an object with "schools" and "links" lists.'
        )
    schools_where = _Where(file, json_list="schools", strict=check_lengths)
    links_where = _Where(file, json_list="links", strict=check_lengths)
    declared = document.get("columns") or {}
    if not isinstance(declared, dict):
        raise where.whole('has a "columns" entry that is not an object.')
    school_rows = _json_rows(
        document.get("schools"), declared.get("schools", []), schools_where, MAX_SCHOOLS
    )
    link_rows = _json_rows(
        document.get("links", []), declared.get("links", []), links_where, MAX_LINKS
    )
    title = document.get("title") or ""
    return _parse(
        school_rows, link_rows, schools_where, links_where, title=_text(title), notes=notes
    )


def _is_links_csv(data: bytes, file: str) -> bool:
    """Whether a CSV file's headings include ``from`` and ``to`` (so it lists links)."""
    try:
        delimiter, text = _csv_text(data, _Where(file))
    except NetworkError:
        return False  # reading it as the schools file will say what is wrong
    line, _ = _first_line(text)
    first = next(csv.reader([line], delimiter=delimiter, skipinitialspace=True), [])
    return {"from", "to"} <= {_column_name(_clean(cell)) for cell in first}


def read_any(files: Mapping[str, bytes], *, notes: list[str] | None = None) -> Network:
    """Read what a user uploaded, by file name: one workbook, one JSON file, or two CSV files
    (the one with ``from`` and ``to`` headings is the links file, whatever the names)."""
    names = list(files)
    kinds = {name: name.rsplit(".", 1)[-1].casefold() if "." in name else "" for name in names}
    if len(names) == 1 and kinds[names[0]] in ("xlsx", "xlsm"):
        return read_workbook(files[names[0]], names[0], notes=notes)
    if len(names) == 1 and kinds[names[0]] == "json":
        return read_json(files[names[0]], names[0], check_lengths=True, notes=notes)
    for name in names:
        if kinds[name] in ("xls", "ods", "numbers"):
            raise NetworkError(
                f"{name} is in a spreadsheet format the course cannot read; save it "
                "as an Excel workbook (.xlsx) or as two CSV files.",
                file=name,
            )
    chosen = ", ".join(names)
    if len(names) != 2 or any(kinds[name] not in ("csv", "txt", "tsv") for name in names):
        raise NetworkError(
            f"Choose one workbook (.xlsx), one .json file, or two CSV files (one of "
            f"schools and one of links); you chose: {chosen}."
        )
    links = [name for name in names if _is_links_csv(files[name], name)]
    if len(links) != 1:
        raise NetworkError(
            'Exactly one of the two CSV files must have "from" and "to" columns '
            f"(the links); check the headings in row 1 of {chosen}."
        )
    schools = next(name for name in names if name != links[0])
    return read_network(files[schools], files[links[0]], schools, links[0], notes=notes)


# -- exports ------------------------------------------------------------------------------------
def _positioned(network: Network) -> bool:
    return any(school.x is not None and school.y is not None for school in network.schools)


def _school_records(network: Network) -> Iterator[list[Any]]:
    """The schools table: a header, then one row per school (``x`` and ``y`` as numbers or None,
    when some school has a place on the drawing)."""
    positions = _positioned(network)
    yield [*SCHOOL_COLUMNS, *(POSITION_COLUMNS if positions else ()), *network.extra_school_columns]
    for school in network.schools:
        extra = dict(school.extra)
        placed = school.x is not None and school.y is not None
        yield [
            school.name,
            school.kind,
            school.phase,
            school.locality,
            *(((school.x, school.y) if placed else (None, None)) if positions else ()),
            *(extra.get(column, "") for column in network.extra_school_columns),
        ]


def _reported_twice(network: Network) -> bool:
    return any(link.confirmed or link.other_report for link in network.links)


def _other_report_text(link: Link) -> str:
    return "; ".join(
        f"{field}: {value or 'none' if field == 'flows' else value}"
        for field, value in link.other_report
    )


def _link_records(network: Network) -> Iterator[list[Any]]:
    reports = _reported_twice(network)
    yield [*LINK_COLUMNS, *(REPORT_COLUMNS if reports else ()), *network.extra_link_columns]
    for link in network.links:
        extra = dict(link.extra)
        yield [
            link.source,
            link.target,
            link.level,
            link.origin or "",
            "|".join(link.flows),
            "yes" if link.directed else "no",
            link.trust,
            *(("yes" if link.confirmed else "no", _other_report_text(link)) if reports else ()),
            *(extra.get(column, "") for column in network.extra_link_columns),
        ]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def csv_bytes(records: Iterable[list[Any]]) -> bytes:
    """Rows as CSV that is safe to open in a spreadsheet (formulas neutralised), UTF-8 with a BOM."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(
        # A number is never a formula: "-12.5" (a position) stays a number a spreadsheet can use.
        [_text(cell) if _is_number(cell) else _neutralise(_text(cell)) for cell in record]
        for record in records
    )
    return out.getvalue().encode("utf-8-sig")


def to_csv(network: Network) -> tuple[bytes, bytes]:
    """``(schools.csv, links.csv)``: UTF-8 with a BOM so Excel shows accents right."""
    return csv_bytes(_school_records(network)), csv_bytes(_link_records(network))


def to_workbook(network: Network) -> bytes:
    """An .xlsx with sheets ``schools`` and ``links`` (levels and trust as numbers).

    A workbook is XML, which turns a carriage return inside a cell into a line feed, so a
    Windows line break (CR LF) inside a cell comes back as a plain line feed. Everything else
    comes back exactly.
    """
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def cell(value: Any) -> Any:
        if value is None or isinstance(value, (int, float)):
            return value
        # Control characters other than tab and line breaks cannot be stored in a workbook.
        return _neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))

    book = Workbook(write_only=True)
    book.properties.title = network.title or None
    for title, records in (
        ("schools", _school_records(network)),
        ("links", _link_records(network)),
    ):
        sheet = book.create_sheet(title)
        for record in records:
            sheet.append([cell(value) for value in record])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_json(network: Network) -> bytes:
    """The network as UTF-8 JSON (the shape is in this module's docstring)."""

    def row(columns: Sequence[str], record: list[Any], width: int) -> dict[str, Any]:
        return dict(zip(columns, record[:width] + [_text(v) for v in record[width:]], strict=True))

    school_records, link_records = _school_records(network), _link_records(network)
    school_columns, link_columns = next(school_records), next(link_records)
    links = []
    for link, record in zip(network.links, link_records, strict=True):
        item = row(link_columns, record, len(LINK_COLUMNS))
        item.update(origin=link.origin, flows=list(link.flows), directed=link.directed)
        if "reported_by_both" in item:
            item["reported_by_both"] = link.confirmed
        links.append(item)
    document = {
        "title": network.title,
        "columns": {"schools": school_columns, "links": link_columns},
        "schools": [
            row(school_columns, record, len(SCHOOL_COLUMNS) + (2 if _positioned(network) else 0))
            for record in school_records
        ],
        "links": links,
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


# -- Gephi ----------------------------------------------------------------------------------------
def _xml_text(value: str) -> str:
    """A text XML can hold: control characters other than tab and line breaks are dropped."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value)


# Attribute names networkx's GEXF writer takes as parts of the format, not as data: an extra
# column of that name is written with " (column)" after it.
_GEXF_RESERVED = frozenset(
    ("id", "label", "pid", "start", "end", "spells", "viz", "weight", "type")
)


def _extra_attributes(extra: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return {
        f"{key} (column)" if key in _GEXF_RESERVED else _xml_text(key): _xml_text(value)
        for key, value in extra
    }


def _graph(network: Network) -> Any:
    """The network as a networkx graph for Gephi's formats: each school a node (its name the id
    and ``label``; ``kind``, ``phase``, ``locality`` and extra columns as attributes), each link an
    edge with ``level``, ``trust``, ``origin``, ``flows`` (names joined by |), ``one_way``,
    ``reported_by_both`` and ``other_report``. Missing values are left out (the formats have no
    empty value). The graph is directed when some link is one way; its two-way links are then
    GEXF's "mutual" edges."""
    import networkx as nx

    directed = any(link.directed for link in network.links)
    graph = nx.DiGraph() if directed else nx.Graph()
    if network.title:
        graph.graph["name"] = _xml_text(network.title)
    for school in network.schools:
        attributes = _extra_attributes(school.extra)
        attributes.update(
            (column, _xml_text(value))
            for column, value in (
                ("label", school.name),
                ("kind", school.kind),
                ("phase", school.phase),
                ("locality", school.locality),
            )
            if value
        )
        if school.x is not None and school.y is not None:
            # As attributes (GraphML, and GEXF's data) and as GEXF's own position, which Gephi
            # draws; GEXF's y runs up, the drawing's down.
            attributes.update(x=float(school.x), y=float(school.y))
            position = {"x": float(school.x), "y": -float(school.y), "z": 0.0}
            attributes["viz"] = {"position": position}
        graph.add_node(_xml_text(school.name), **attributes)
    for link in network.links:
        attributes: dict[str, Any] = _extra_attributes(link.extra)
        attributes.update(
            (key, _xml_text(value) if isinstance(value, str) else value)
            for key, value in (
                ("level", link.level),
                ("trust", link.trust),
                ("origin", link.origin),
                ("flows", "|".join(link.flows)),
                ("other_report", _other_report_text(link)),
            )
            if value not in (None, "")
        )
        attributes["one_way"] = link.directed
        attributes["reported_by_both"] = link.confirmed
        if directed and not link.directed:
            attributes["type"] = "mutual"  # GEXF: a two-way edge in a directed graph
        graph.add_edge(_xml_text(link.source), _xml_text(link.target), **attributes)
    return graph


def to_gexf(network: Network) -> bytes:
    """The network as GEXF 1.2, the format Gephi opens first (see :func:`_graph`)."""
    import networkx as nx

    out = io.BytesIO()
    nx.write_gexf(_graph(network), out)
    return out.getvalue()


def to_graphml(network: Network) -> bytes:
    """The network as GraphML, which Gephi, yEd, Cytoscape and igraph open (see :func:`_graph`;
    GraphML has no edge type, so ``one_way`` says which edges of a directed graph are one way)."""
    import networkx as nx

    graph = _graph(network)
    for _source, _target, data in graph.edges(data=True):
        data.pop("type", None)
    for _node, data in graph.nodes(data=True):
        data.pop("viz", None)  # GEXF's own; GraphML keeps the position as x and y
    out = io.BytesIO()
    nx.write_graphml(graph, out)
    return out.getvalue()
