"""Workbook writers: the import file AmoCRM's importer reads, the rejects file, the report workbook.

Every user value is written as a string cell: "=СРОЧНО" stays text, "+79161234567" keeps its plus and
"00123" its zeros; xlsxwriter's own guessing (numbers, formulas, URLs) is switched off. Only columns
the caller names numeric get number cells, and only for canonical whole numbers. The import file is laid
out by xlsxwriter and its rows streamed in by `sheetxml` (speed); small workbooks are xlsxwriter alone.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from ..core.issues import MigrateError
from ..core.limits import MAX_CELL, SHEET_ROWS  # noqa: F401  (the writer obeys the limits the checks report)
from ..core.paths import atomic_path
from .sheetxml import CHUNK, fill_sheet

_OPTIONS = {
    "constant_memory": True,
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "nan_inf_to_errors": False,
}


#: what Excel refuses in a sheet name (it also refuses a leading/trailing apostrophe and "History")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
SHEET_NAME_MAX = 31


class SheetNames:
    """Turns any text into a sheet name Excel accepts, unique within one workbook.

    A source sheet may be called `../../tmp/pwned` or `a/b\\c:*?[]` (calamine reads what other tools
    wrote): the forbidden characters become `_`, the name is cut at 31 characters, and a clash gets ` (2)`.
    The original name stays in the report (`Report.sheet`).
    """

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def __call__(self, name: str) -> str:
        base = _SHEET_FORBIDDEN.sub("_", str(name)).strip("'")[:SHEET_NAME_MAX].strip() or "Лист"
        if base.lower() == "history":
            base = "History_"
        candidate, n = base, 1
        while candidate.lower() in self.taken:
            n += 1
            suffix = f" ({n})"
            candidate = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        self.taken.add(candidate.lower())
        return candidate


def part_paths(path: Path, rows: int, max_rows: int | None) -> list[Path]:
    """`out.xlsx` for one part; `out.part1.xlsx`, `out.part2.xlsx`, … when `max_rows` splits the rows."""
    if not max_rows or rows <= max_rows:
        return [path]
    parts = -(-rows // max_rows)
    return [path.with_name(f"{path.stem}.part{i + 1}{path.suffix}") for i in range(parts)]


def write_import(
    frame: pd.DataFrame,
    path: str | Path,
    *,
    numeric: Iterable[str] = (),
    max_rows: int | None = None,
    sheet: str = "Импорт",
    tick: Callable[[int], object] | None = None,
) -> list[Path]:
    """Write `frame` (text cells) as the import workbook(s): header row = the columns, one row per record.

    Returns the files written. With `max_rows`, rows are split into parts, each with the header repeated;
    without it, past `SHEET_ROWS` (what one Excel sheet holds under its header) they are split just the same.
    """
    return write_import_blocks(lambda: iter([frame]), len(frame), list(frame.columns), path, numeric=numeric,
                               max_rows=max_rows, sheet=sheet, tick=tick)  # fmt: skip


def write_import_blocks(
    blocks: Callable[[], Iterator[pd.DataFrame]],
    rows: int,
    header: list[str],
    path: str | Path,
    *,
    numeric: Iterable[str] = (),
    max_rows: int | None = None,
    sheet: str = "Импорт",
    tick: Callable[[int], object] | None = None,
) -> list[Path]:
    """`write_import` for rows that arrive as frames in order (`blocks()`, `rows` in all, columns `header`),
    one block in memory at a time. The bytes are those `write_import` writes for the whole frame: the rows
    are re-cut into the same pieces (CHUNK rows from each part's start) before they are written."""
    path = Path(path)
    max_rows = min(max_rows or SHEET_ROWS, SHEET_ROWS)
    paths = part_paths(path, rows, max_rows)
    size = max_rows or max(rows, 1)
    wanted = set(numeric)
    numeric_flags = [c in wanted for c in header]
    pieces = _pieces(blocks(), header, size)
    for n, part in enumerate(paths):
        lo, hi = n * size, min((n + 1) * size, rows)
        _write_rows(part, sheet, header, pieces, hi - lo, numeric_flags, tick)
    return paths


def _pieces(blocks: Iterator[pd.DataFrame], header: list[str], part: int) -> Iterator[list[Sequence]]:
    """Column-wise pieces of CHUNK rows counted from each part's start (the last of a part shorter)."""
    pending: list[list[Sequence]] = []
    have = done = 0
    for frame in blocks:
        if len(frame):
            pending.append([frame[c].to_numpy(dtype=object) for c in header])
            have += len(frame)
        while have and have >= (take := min(CHUNK, part - done % part)):
            piece, pending, have = _cut(pending, take, have)
            done += take
            yield piece
    if have:
        yield _cut(pending, have, have)[0]


def _cut(pending: list[list[Sequence]], take: int, have: int) -> tuple[list[Sequence], list[list[Sequence]], int]:
    """The first `take` rows of the pending column blocks, and what remains."""
    width = len(pending[0])
    joined = [np.concatenate([b[c] for b in pending]) if len(pending) > 1 else pending[0][c] for c in range(width)]
    head = [col[:take] for col in joined]
    rest = [col[take:] for col in joined]
    return head, ([rest] if have > take else []), have - take


def _write_rows(
    path: Path, sheet: str, header: list[str], pieces: Iterator[list[Sequence]], rows: int,
    numeric: list[bool], tick: Callable[[int], object] | None,
) -> None:  # fmt: skip
    """xlsxwriter lays out the workbook with the header; `sheetxml.fill_sheet` streams the rows in."""
    taken = 0
    first = next(pieces, None) if rows and header else None
    template = path.with_name(f".{path.name}.template.xlsx")
    book = _open(template)
    ws = book.add_worksheet(SheetNames()(sheet))
    _header(ws, header, book.add_format({"bold": True}))
    for c in range(len(header)):
        ws.set_column(c, c, _width(header[c], first[c][:200] if first is not None else []))
    _close(book, template)

    def part_blocks() -> Iterator[list[Sequence]]:
        nonlocal taken
        piece = first
        while piece is not None:
            yield piece
            taken += len(piece[0])
            piece = next(pieces, None) if taken < rows else None

    try:
        with atomic_path(path) as tmp:
            fill_sheet(template, tmp, part_blocks(), numeric, rows, len(header), tick)
    except OSError as e:
        hint = "Is it open in Excel, or the folder read-only?"
        raise MigrateError(f"Cannot write {path}: {e.strerror or e}. {hint}") from None
    finally:
        template.unlink(missing_ok=True)


#: data rows a sheet holds below its header (Excel's limit); a longer frame goes on in the next sheet
SHEET_DATA_ROWS = SHEET_ROWS


def sheet_parts(frame: pd.DataFrame) -> list[pd.DataFrame]:
    """The frame in slices of at most `SHEET_DATA_ROWS` rows, one sheet each (`name`, `name (2)`, …): past
    Excel's 1,048,576 rows xlsxwriter drops a row without a word — a million-row deals file's report lost
    584,202 of its 1,632,777 duplicate lines that way. An empty frame is one (empty) sheet."""
    step = SHEET_DATA_ROWS
    return [frame.iloc[start : start + step] for start in range(0, max(len(frame), 1), step)]


def write_sheets(path: str | Path, sheets: dict[str, pd.DataFrame], *, widths: bool = True) -> Path:
    """A workbook of several text sheets (upload results, a base's report). Cells are strings; numbers stay
    numbers. A frame longer than a sheet goes on in `name (2)`, … (`sheet_parts`)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        _write_sheets(tmp, path, sheets, widths)
    return path


def _write_sheets(tmp: Path, path: Path, sheets: dict[str, pd.DataFrame], widths: bool) -> None:
    book = _open(tmp)
    bold = book.add_format({"bold": True, "text_wrap": False})
    names = SheetNames()
    for name, whole in sheets.items():
        for frame in sheet_parts(whole):
            ws = book.add_worksheet(names(name))
            header = [str(c) for c in frame.columns]
            _header(ws, header, bold)
            columns = [frame[col].to_numpy(dtype=object) for col in frame.columns]
            if widths:
                for c, values in enumerate(columns):
                    ws.set_column(c, c, _width(header[c], values[:200]))
            # constant_memory streams rows: cells must be written row by row, left to right
            for r in range(len(frame)):
                for c, values in enumerate(columns):
                    _cell(ws, r + 1, c, values[r])
    _close(book, path)


def _cell(ws, r: int, c: int, v: object) -> None:  # noqa: ANN001
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return
    if isinstance(v, bool):
        ws.write_boolean(r, c, v)
    elif isinstance(v, numbers.Real):  # numpy numbers too
        ws.write_number(r, c, int(v) if isinstance(v, numbers.Integral) else float(v))
    elif v != "":
        ws.write_string(r, c, str(v))


def _open(path: Path) -> xlsxwriter.Workbook:
    path.parent.mkdir(parents=True, exist_ok=True)
    return xlsxwriter.Workbook(str(path), _OPTIONS)


def _close(book: xlsxwriter.Workbook, path: Path) -> None:
    try:
        book.close()
    except (OSError, xlsxwriter.exceptions.FileCreateError) as e:
        raise MigrateError(f"Cannot write {path}: {e}. Is it open in Excel, or the folder read-only?") from None


def _header(ws, header: list[str], fmt) -> None:  # noqa: ANN001
    for c, h in enumerate(header):
        ws.write_string(0, c, h, fmt)
    ws.freeze_panes(1, 0)


def _width(header: str, sample: Sequence) -> float:
    longest = max([len(header)] + [len(str(v)) for v in sample if v is not None])
    return float(min(max(longest + 2, 8), 60))
