"""The CSV import file: `;`-separated UTF-8 with BOM, every field quoted, CRLF — and no formulas.

A CSV file has no cell types: Excel (and LibreOffice) evaluate a field that starts with `=`, `+`, `-` or
`@` as a formula when the file is opened, which is how "CSV injection" (`=cmd|' /C calc'!A0`, `=HYPERLINK`
to an attacker's site) works. Following OWASP's advice, such a field — and one starting with a tab or a
carriage return — gets a leading apostrophe, which Excel shows as text and does not evaluate.

One exception keeps the data right: a field made only of digits, spaces, brackets, dots, commas and
dashes with an optional leading `+`/`-` (`+7 916 123-45-67`, `-1500`) cannot call anything, so it is
written as it is — a phone keeps its plus, a negative sum its minus.

Control characters (NUL, BEL, … everything below U+0020 except tab, line feed and carriage return, and
DEL) are removed: they break AmoCRM's importer and many viewers, and they are never meaningful in a
CRM field.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.paths import atomic_path

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_WORK = re.compile(r"^[=+\-@\t\r]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: numbers and phones: no letter, no operator but a leading sign, so nothing a spreadsheet can call
_INERT = re.compile(r"[+-]?[\d\s().,\-]*\d[\d\s().,\-]*")


def csv_cell(value: object) -> str:
    """The text written for one cell: control characters removed, a formula-looking start neutralised.

    >>> csv_cell("=1+1"), csv_cell("+7 916 123-45-67"), csv_cell("a\\x00b")
    ("'=1+1", '+7 916 123-45-67', 'ab')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    text = str(value)
    if not _NEEDS_WORK.search(text):
        return text
    text = _CONTROL.sub("", text)
    if text.startswith(_TRIGGERS) and not _INERT.fullmatch(text):
        return "'" + text
    return text


#: a cell after the first that starts with a trigger, in a column's cells joined by line feeds (a literal
#: first character lets the regex engine skip to each line feed: `(?:^|\n)…` was tried at every character)
_TRIGGER_AFTER_LF = re.compile(r"\n[=+\-@\t\r]")
_TRIGGER_CHARS = frozenset(_TRIGGERS)


def _cells(values: Any) -> list[str]:
    """`csv_cell` of each value of a column. A column of text none of whose cells has a control character
    or starts with a trigger is written as it is: that is decided by two regex scans of its cells joined
    (a cell with a line feed in it can only send the column the per-cell way), instead of a call per cell,
    which was a sixth of a block's CPU in an export. Without a control character, a cell changes only when
    it starts with a trigger and is not inert: a phone column (`+7…` in every cell) is read that way, at a
    third of the cost of `csv_cell` per cell."""
    items = values.tolist()
    try:
        joined = "\n".join(items)
    except TypeError:  # a cell that is not text (missing, a number)
        return [csv_cell(v) for v in items]
    if _CONTROL.search(joined):
        return [csv_cell(v) for v in items]
    if joined[:1] not in _TRIGGER_CHARS and not _TRIGGER_AFTER_LF.search(joined):
        return items
    return ["'" + v if v[:1] in _TRIGGER_CHARS and not _INERT.fullmatch(v) else v for v in items]


#: rows formatted at once by `write_csv`
ROWS_AT_ONCE = 50_000


def _writer(out: Any) -> Any:
    """The import file's dialect, in one place: every writer of it (whole file, appended blocks, a worker's
    text) must give the same bytes."""
    return csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")


def write_header(columns: Iterable[object], out: Any) -> None:
    """Write the import file's header line (the column names through `csv_cell`) to `out`."""
    _writer(out).writerow([csv_cell(c) for c in columns])


def write_rows(frame: pd.DataFrame, out: Any) -> None:
    """Write the frame's rows as import-CSV lines to `out` (anything with `write(str)`), without the header:
    cells through `csv_cell`, every field quoted, CRLF — the lines `write_csv` writes for them."""
    out.write(csv_rows(frame))


def csv_rows(frame: pd.DataFrame) -> str:
    """The frame's rows as import-CSV lines, one string: what `_writer` writes for them, byte for byte.

    Made by joining, not by `csv.writer`: with every field quoted, a line is `"` + the fields, each with its
    quotes doubled, joined by `";"` + `"\r\n` — one `str.join` per row in C, where the writer's per-field
    work was two fifths of a block worker's export text (0.14 s of 0.35 s at 50,000 rows of 12 columns).
    A block worker makes it, so that it sends one object instead of the block's cells."""
    if not len(frame.columns):  # rows without fields: the writer's empty lines
        lines = _Lines()
        _writer(lines).writerows([] for _ in range(len(frame)))
        return "".join(lines)
    columns = [_quoted(_cells(frame[c].to_numpy(dtype=object))) for c in frame.columns]
    if not len(frame):
        return ""
    return '"' + '"\r\n"'.join(['";"'.join(row) for row in zip(*columns, strict=True)]) + '"\r\n'


def _quoted(cells: list[str]) -> list[str]:
    """A quoted field's text: its quotes doubled (the rest of a field, `;` and line breaks too, stays as is)."""
    if '"' not in "".join(cells):
        return cells
    return [c.replace('"', '""') for c in cells]


class _Lines(list):
    """A list a csv writer can write to, a line per `write` (joined once: a StringIO would hold the text at
    four bytes a character until read)."""

    write = list.append


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write `frame` as the CSV import file (atomically; see the module docstring for what is changed)."""
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        write_header(frame.columns, fh)
        for start in range(0, len(frame), ROWS_AT_ONCE):  # a slice's cells in memory at a time, not the file's
            write_rows(frame.iloc[start : start + ROWS_AT_ONCE], fh)
    return path
