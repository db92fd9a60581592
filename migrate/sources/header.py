"""Turn a grid of text cells (from any reader) into a header-named, row-numbered DataFrame.

Every reader (Excel, CSV, later Bitrix24/JSON) produces the same thing: a list of rows, each a sequence
of `str` cells, where row *i* of the list is physical row *i + 1* of the source. This module owns what
happens next, so that all sources agree on it:

* which row is the header (title rows above it are ignored; `header_row` overrides the guess);
* how headers are cleaned and made unique (duplicate and blank headers are reported as Issues);
* which data rows are skipped (all cells blank) and how the rest keep their physical row numbers.

A caller may rely on: the returned frame's index is the physical row number (int), its columns are unique
non-empty strings, every value is a Python `str` ("" for an empty cell, never NaN/None).
"""

from __future__ import annotations

import gc
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import compress, zip_longest

import pandas as pd

from ..core.columns import REJECT_META
from ..core.issues import Issue, IssueCode, SourceError, make_issue

#: How many physical rows from the top are searched for the header.
HEADER_SCAN_ROWS = 30
#: A header row must fill at least this share of the widest row among the scanned ones.
HEADER_MIN_SHARE = 0.6

# A cell that is only digits and the punctuation of numbers, dates, times and phones: "79161234567",
# "+7 (916) 123-45-67", "1 500,00", "05.03.2024 13:45", "15%". Such cells are values, not headers.
# numeric-looking = only these characters, and a digit among them (two checks: one pattern `X*\dX*` would
# backtrack quadratically on a long cell of digits that ends in a letter)
_NUMERIC = re.compile(r"[\d\s.,:/+\-−()%]+")
_DIGIT = re.compile(r"\d")


@dataclass
class HeaderedGrid:
    """What `frame_from_grid` found: the frame plus the facts a `SourceTable` records about it."""

    frame: pd.DataFrame
    header_row: int
    original_headers: list[str]
    issues: list[Issue] = field(default_factory=list)
    empty_rows: int = 0


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a reader builds millions of small objects.

    The cells and rows of a table form no reference cycles, but their sheer number makes the collector
    scan again and again (about 15-20 % of the read time at 100k rows). The previous state is restored.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def is_blank(cell: str) -> bool:
    """True for "" and for a cell holding only whitespace (spaces, tabs, NBSP, line breaks)."""
    return not cell or cell.isspace()


def column_letter(index: int) -> str:
    """Excel column letter for a 0-based column position: 0 → "A", 25 → "Z", 26 → "AA"."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def frame_from_grid(rows: Sequence[Sequence[str]], *, where: str, header_row: int | None = None) -> HeaderedGrid:
    """Find the header in `rows`, name the columns, and build the data frame below it.

    `rows[i]` is physical row i + 1; rows may be ragged (short rows are padded with ""). `where` names
    the file (and sheet) for error messages. `header_row` is the 1-based physical header row; None means
    detect it. Raises `SourceError` when no header can be found or no data row follows it.
    """
    return frame_from_columns(list(zip_longest(*rows, fillvalue="")), where=where, header_row=header_row)


def frame_from_columns(columns: Sequence[Sequence[str]], *, where: str, header_row: int | None = None) -> HeaderedGrid:
    """Same as `frame_from_grid` for a grid given column by column (all columns of equal height).

    Readers that already hold columns (the Excel reader converts cells per column) use this to avoid
    transposing the grid twice.
    """
    height = len(columns[0]) if columns else 0
    if header_row is not None and _is_rejects_header(columns):
        header_row = 1  # a rejects workbook has its header at row 1, whatever the source's profile says
    if header_row is None:
        head = list(zip(*(col[:HEADER_SCAN_ROWS] for col in columns), strict=True))
        header_row = find_header_row(head, where=where)
    else:
        _check_header_row(columns, header_row, height, where=where)
    header = [col[header_row - 1] for col in columns]
    data = [col[header_row:] for col in columns]
    keep = [bool(text) and not text.isspace() for text in map("".join, zip(*data, strict=True))]
    kept = sum(keep)
    if kept == 0:
        raise SourceError(
            f"{where} has a header at row {header_row} but no data rows below it; "
            "there is nothing to import. Check that this is the right file and sheet."
        )
    if kept < len(keep):
        data = [list(compress(col, keep)) for col in data]
    names, positions, issues = name_columns(header, data, header_row=header_row)
    index = pd.Index([header_row + 1 + i for i, k in enumerate(keep) if k], dtype="int64")
    frame = pd.DataFrame({name: data[pos] for name, pos in zip(names, positions, strict=True)}, index=index, dtype=str)
    return HeaderedGrid(frame, header_row, header, issues, empty_rows=height - header_row - kept)


def _is_rejects_header(columns: Sequence[Sequence[str]]) -> bool:
    """Row 1 is the header our rejects workbook writes (`Строка источника`, `Ошибки`, source headers…)."""
    return len(columns) >= 2 and bool(columns[0]) and tuple(c[0].strip() for c in columns[:2]) == REJECT_META


def find_header_row(rows: Sequence[Sequence[str]], *, where: str) -> int:
    """Return the 1-based physical row that holds the header.

    Among the first `HEADER_SCAN_ROWS` rows it is the first one that fills at least max(2, 60 % of the
    widest of those rows) cells, most of them non-numeric text. Title rows ("Выгрузка клиентов на
    01.03.2024") and blank rows above a table therefore do not count as the header.
    """
    scanned = rows[:HEADER_SCAN_ROWS]
    filled = [[c.strip() for c in row if not is_blank(c)] for row in scanned]
    widest = max((len(cells) for cells in filled), default=0)
    need = max(2, math.ceil(HEADER_MIN_SHARE * widest))
    for number, cells in enumerate(filled, start=1):
        if len(cells) >= need and _mostly_text(cells):
            return number
    raise SourceError(
        f"{where} has no header row: none of its first {HEADER_SCAN_ROWS} rows holds at least {need} "
        "column names (a row of mostly non-numeric text). The file may be empty, hold only a title, or "
        "have a single column; pass the header row number explicitly if the table is there."
    )


def name_columns(
    header: Sequence[str], columns: Sequence[Sequence[str]], *, header_row: int
) -> tuple[list[str], list[int], list[Issue]]:
    """Clean and unique the header names.

    Returns the names, the 0-based grid position of each named column, and the header Issues.
    Surrounding whitespace (NBSP included) is stripped. A blank header over a column with data becomes
    "column E" (BLANK_HEADER); a blank header over an empty column drops the column silently. Repeats
    become "Телефон (2)", "Телефон (3)" (DUPLICATE_HEADER); a generated name never takes a name that a
    real header in the file already has.
    """
    stripped = [h.strip() for h in header]
    taken = {s for s in stripped if s}
    used: set[str] = set()
    names: list[str] = []
    positions: list[int] = []
    issues: list[Issue] = []
    for pos, (raw, name) in enumerate(zip(header, stripped, strict=True)):
        if not name:
            if not _has_data(columns[pos]):
                continue
            name = _free_name(f"column {column_letter(pos)}", used | taken)
            issues.append(make_issue(IssueCode.BLANK_HEADER, row=header_row, column=name, value=raw))
        elif name in used:
            name = _free_name(name, used | taken)
            issues.append(make_issue(IssueCode.DUPLICATE_HEADER, row=header_row, column=name, value=raw))
        used.add(name)
        names.append(name)
        positions.append(pos)
    return names, positions, issues


def _check_header_row(columns: Sequence[Sequence[str]], header_row: int, height: int, *, where: str) -> None:
    if not 1 <= header_row <= height:
        raise SourceError(f"{where} has {height} rows; header row {header_row} is outside the table.")
    if all(is_blank(col[header_row - 1]) for col in columns):
        raise SourceError(f"{where}: the given header row {header_row} is empty.")


def _has_data(column: Sequence[str]) -> bool:
    return any(not is_blank(c) for c in column)


def _mostly_text(cells: Sequence[str]) -> bool:
    numeric = sum(1 for c in cells if _NUMERIC.fullmatch(c) and _DIGIT.search(c))
    return numeric * 2 < len(cells)


def _free_name(base: str, taken: set[str]) -> str:
    """`base` itself if free, else the first free "base (n)" with n ≥ 2."""
    if base not in taken:
        return base
    n = 2
    while f"{base} ({n})" in taken:
        n += 1
    return f"{base} ({n})"
