"""Annotated sheets: source rows with each problem cell coloured and carrying a comment.

A person fixing data works in Excel, cell by cell; a list of issues elsewhere makes them search. So the
rejects workbook and the report's "Rows" sheet show the rows as they were in the source, with the cell
that has a problem filled red (error) or yellow (warning) and an Excel comment holding the message and
the suggestion. Row-level problems without a column mark the row-number cell.
"""

from __future__ import annotations

import numbers
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path

import pandas as pd
import xlsxwriter

from ..core.issues import ERROR, Issue
from ..core.paths import atomic_path
from . import xlsx
from .xlsx import SheetNames, _close, _width, sheet_parts

#: xlsxwriter keeps comments in memory; past this many annotated rows a sheet gets fills but no comments
MAX_COMMENTED_ROWS = 20_000

_FILL = {"error": "#F8CBAD", "warning": "#FFE699"}


def cell_notes(issues: list[Issue]) -> dict[tuple[int, str | None], tuple[str, list[str]]]:
    """(source row, source column or None) → (worst severity, messages) for every issue with a row."""
    notes: dict[tuple[int, str | None], list[Issue]] = defaultdict(list)
    for i in issues:
        if i.row is not None:
            notes[(i.row, i.column)].append(i)
    out = {}
    for key, found in notes.items():
        worst = ERROR if any(i.severity == ERROR for i in found) else "warning"
        out[key] = (worst, [f"{i.severity}: {i.message}" for i in found])
    return out


@dataclass
class Lines:
    """A plain sheet's rows made as they are written: its header and an iterable of rows (a big report's
    issues read back from disk, its duplicate lines a batch of clusters at a time), never a frame of them."""

    header: list[str]
    rows: Iterable[Sequence[object]]


def write_annotated(
    path: str | Path,
    sheets: dict[str, tuple[pd.DataFrame, str, list[Issue]]],
    *,
    first: dict[str, pd.DataFrame | Lines] | None = None,
) -> Path:
    """Write a workbook whose sheets are `name → (frame, row_column, issues)`.

    `frame` holds the source rows (its `row_column` holds each row's physical source number), and every
    issue whose (row, column) lands in the frame colours and comments that cell. `first`: plain sheets
    written before the annotated ones (e.g. a summary), each a frame or `Lines`. Rows are written in
    order and handed to the file as they go (xlsxwriter's `constant_memory`): a million-row file's
    report workbook held every cell until the end, 2.8 GB.
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        _write(tmp, path, sheets, first or {})
    return path


def _write(tmp: Path, path: Path, sheets: dict[str, tuple[pd.DataFrame, str, list[Issue]]],
           first: dict[str, pd.DataFrame]) -> None:  # fmt: skip
    book = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False,
                                          "strings_to_urls": False, "constant_memory": True})  # fmt: skip
    names = SheetNames()
    fmt = {
        "bold": book.add_format({"bold": True}),
        "error": book.add_format({"bg_color": _FILL["error"], "text_wrap": False}),
        "warning": book.add_format({"bg_color": _FILL["warning"]}),
    }
    for name, frame in first.items():
        lines = frame if isinstance(frame, Lines) else Lines([str(h) for h in frame.columns],
                                                             frame.itertuples(index=False))  # fmt: skip
        _plain(book, names, name, lines, fmt["bold"])
    for name, (frame, row_column, issues) in sheets.items():
        notes = cell_notes(issues)
        for part in sheet_parts(frame):
            _annotated(book, names(name), part, row_column, notes, fmt)
    _close(book, path)


def _plain(book: xlsxwriter.Workbook, names: SheetNames, name: str, lines: Lines, bold: object) -> None:
    """The rows under a bold, frozen header; past `SHEET_DATA_ROWS` rows they go on in the next sheet
    (`name (2)`, …; `xlsx.SHEET_DATA_ROWS`). Column widths follow the header and the first 200 rows."""
    rows = iter(lines.rows)
    head = list(islice(rows, 200))
    widths = [_width(h, [r[c] for r in head]) for c, h in enumerate(lines.header)]
    ws, r, step = None, xlsx.SHEET_DATA_ROWS, xlsx.SHEET_DATA_ROWS
    for row in chain(head, rows):
        if r == step:
            ws, r = _plain_sheet(book, names(name), lines.header, widths, bold), 0
        r += 1
        for c, v in enumerate(row):
            _value(ws, r, c, v)
    if ws is None:  # no rows: the header alone
        _plain_sheet(book, names(name), lines.header, widths, bold)


def _plain_sheet(book: xlsxwriter.Workbook, name: str, header: list[str], widths: list[float],
                 bold: object) -> object:  # fmt: skip
    ws = book.add_worksheet(name)
    for c, h in enumerate(header):
        ws.write_string(0, c, h, bold)
        ws.set_column(c, c, widths[c])
    ws.freeze_panes(1, 0)
    return ws


def _annotated(book, name, frame, row_column, notes, fmt) -> None:  # noqa: ANN001
    ws = book.add_worksheet(name)
    header = [str(h) for h in frame.columns]
    for c, h in enumerate(header):
        ws.write_string(0, c, h, fmt["bold"])
        ws.set_column(c, c, _width(h, frame[h].to_numpy(dtype=object)[:200]))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(frame), 1), max(len(header) - 1, 0))
    col_of = {h: c for c, h in enumerate(header)}
    row_col = col_of[row_column]
    by_row: dict[int, dict[int, tuple[str, list[str]]]] = defaultdict(dict)
    for (row, column), (severity, messages) in notes.items():
        c = col_of.get(column, row_col) if column else row_col
        if c in by_row[row]:  # several notes land on one cell (row-level ones on the row number)
            old_severity, old_messages = by_row[row][c]
            severity = ERROR if ERROR in (severity, old_severity) else severity
            messages = old_messages + messages
        by_row[row][c] = (severity, messages)
    comment = len(frame) <= MAX_COMMENTED_ROWS
    for r, values in enumerate(frame.itertuples(index=False), start=1):
        marks = by_row.get(int(values[row_col]), {})
        for c, v in enumerate(values):
            mark = marks.get(c)
            _value(ws, r, c, v, fmt[mark[0]] if mark else None)
            if mark and comment:
                ws.write_comment(r, c, "\n".join(mark[1]), {"x_scale": 2.5, "y_scale": 1.5})


def _value(ws, r: int, c: int, v: object, cell_format: object = None) -> None:  # noqa: ANN001
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        ws.write_blank(r, c, None, cell_format)
    elif isinstance(v, bool):
        ws.write_boolean(r, c, v, cell_format)
    elif isinstance(v, numbers.Real):  # numpy's int64 too: a row number stays a number Excel sorts as one
        ws.write_number(r, c, float(v) if not isinstance(v, numbers.Integral) else int(v), cell_format)
    elif v == "":
        ws.write_blank(r, c, None, cell_format)
    else:
        ws.write_string(r, c, str(v), cell_format)
