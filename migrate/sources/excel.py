"""Read an Excel-family workbook (xlsx, xlsm, xls, ods) as text, the way the user sees it.

python-calamine does the parsing (fast, and it reads every format the users send). This module turns
its typed cells into display text: a phone typed as a number stays "79161234567", a date is
"05.03.2024", text is untouched. The result goes through `header.frame_from_columns`, so header detection
and naming are the same as for CSV.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable, Sequence
from decimal import Decimal
from itertools import zip_longest
from pathlib import Path
from typing import Any

import python_calamine as calamine

from ..core.issues import SourceError
from ..core.table import SourceTable
from .header import frame_from_columns, gc_paused, is_blank
from .limits import check_file_size, check_workbook


def read_excel(path: str | Path, *, sheet: str | None = None, header_row: int | None = None) -> SourceTable:
    """Read one sheet of a workbook into a `SourceTable` (kind "excel").

    `sheet` picks a sheet by name; without it the first sheet that has any data is read. `header_row`
    (1-based physical) overrides header detection. Raises `SourceError` for a corrupt or protected
    workbook, an unknown sheet name, or a workbook with no data.
    """
    path = Path(path)
    workbook = _open(path)
    names = list(workbook.sheet_names)
    with gc_paused():
        chosen, raw = _pick_sheet(workbook, names, sheet, path)
        where = f"'{path}', sheet {chosen!r}"
        grid = frame_from_columns(columns_text(raw), where=where, header_row=header_row)
    return SourceTable(
        frame=grid.frame,
        path=path,
        kind="excel",
        sheet=chosen,
        sheets=names,
        header_row=grid.header_row,
        empty_rows=grid.empty_rows,
        original_headers=grid.original_headers,
        issues=grid.issues,
    )


def cell_text(value: Any) -> str:
    """Display text of one calamine cell value.

    Whole floats → every digit ("79161234567"); other floats → shortest round-trip decimal without an
    exponent ("0.1", "0.0000001"); bool → "TRUE"/"FALSE"; datetime → "DD.MM.YYYY" at midnight, else
    "DD.MM.YYYY HH:MM" (":SS" only when seconds ≠ 0); date → "DD.MM.YYYY"; time → "HH:MM[:SS]";
    timedelta → str(); None → ""; a str is returned unchanged.
    """
    for kind in type(value).__mro__:
        convert = _CONVERTERS.get(kind)
        if convert is not None:
            return convert(value)
    return str(value)


def columns_text(raw: Sequence[Sequence[Any]]) -> list[list[str]]:
    """Transpose calamine rows into columns of display text (every column as high as the sheet).

    Why by column: a column usually holds one type, so str cells pass through a list comprehension
    with no function call, and each distinct non-str value (a repeated date, a manager's code) is
    converted once. This keeps the conversion of 100k × 12 cells to a small part of the read time.
    """
    return [column_text(col) for col in zip_longest(*raw, fillvalue="")]


def column_text(column: Sequence[Any]) -> list[str]:
    """Display text of one column of calamine values (see `cell_text`)."""
    kinds = set(map(type, column))
    if kinds == {str}:
        return list(column)
    if kinds <= {str, float}:
        # Numbers (phones, IDs, sums) are mostly distinct, so a cache would not pay; whole ones (the
        # common case) are converted inline without a function call.
        return [
            v if type(v) is str else str(int(v)) if v.is_integer() and -_EXACT < v < _EXACT else _float_text(v)
            for v in column
        ]
    # One table per type, built from that type's distinct values: True == 1 == 1.0 hash alike, so a
    # table shared across types would mix them up.
    texts: dict[type, dict[Any, str]] = {}
    for kind in kinds - {str}:
        convert = _CONVERTERS.get(kind, cell_text)
        texts[kind] = {v: convert(v) for v in {v for v in column if type(v) is kind}}
    return [v if type(v) is str else texts[type(v)][v] for v in column]


#: Whole floats below this are exact integers; above it a float holds only ~16 significant digits.
_EXACT = 2.0**53


def _float_text(value: float) -> str:
    """Whole → integer digits; else the shortest text that round-trips, never in exponent form.

    Above 2**53 the shortest round-trip text is used too (then padded with zeros): Excel keeps 15
    significant digits, so an ID typed as 12345678901234567890 is stored as 1.23456789012345E+19 and
    shown as 12345678901234500000, while int() of that float would invent the digits ...499584.
    """
    if value.is_integer() and -_EXACT < value < _EXACT:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        text = format(Decimal(text), "f")
    if text.endswith(".0"):
        text = text[:-2]
    return text


def _date_text(value: dt.date) -> str:
    return f"{value.day:02d}.{value.month:02d}.{value.year:04d}"


def _time_text(value: dt.time | dt.datetime) -> str:
    if value.second:
        return f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}"
    return f"{value.hour:02d}:{value.minute:02d}"


def _datetime_text(value: dt.datetime) -> str:
    if value.hour == value.minute == value.second == 0:
        return _date_text(value)
    return f"{_date_text(value)} {_time_text(value)}"


_CONVERTERS: dict[type, Callable[[Any], str]] = {
    str: str,
    type(None): lambda _: "",
    bool: lambda v: "TRUE" if v else "FALSE",
    int: str,
    float: _float_text,
    dt.datetime: _datetime_text,
    dt.date: _date_text,
    dt.time: _time_text,
    dt.timedelta: str,
}


def _open(path: Path) -> calamine.CalamineWorkbook:
    if zipfile.is_zipfile(path):  # xlsx, xlsm, ods: sizes and grid checked before the parser allocates
        check_workbook(path)
    else:
        check_file_size(path)
    try:
        return calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError as exc:
        raise SourceError(
            f"'{path}' is a password-protected workbook and cannot be read; save an unprotected copy "
            f"and read that ({exc})."
        ) from exc
    except (calamine.CalamineError, OSError, ValueError) as exc:
        raise SourceError(
            f"'{path}' cannot be read as an Excel/OpenDocument workbook: it may be damaged, incomplete, "
            f"or not a workbook at all ({exc}). Open it in Excel and save it again as .xlsx."
        ) from exc


def _pick_sheet(
    workbook: calamine.CalamineWorkbook, names: list[str], sheet: str | None, path: Path
) -> tuple[str, list[list[Any]]]:
    """The requested sheet, or the first one with data; returns its name and its raw rows."""
    if sheet is not None:
        if sheet not in names:
            raise SourceError(f"'{path}' has no sheet {sheet!r}; its sheets are: {', '.join(repr(n) for n in names)}.")
        raw = _sheet_rows(workbook, sheet, path)
        if not _has_data(raw):
            raise SourceError(f"'{path}', sheet {sheet!r} is empty; there is nothing to import.")
        return sheet, raw
    for name in names:
        raw = _sheet_rows(workbook, name, path)
        if _has_data(raw):
            return name, raw
    raise SourceError(
        f"'{path}' has no data: every sheet is empty ({', '.join(repr(n) for n in names) or 'no sheets'})."
    )


def _sheet_rows(workbook: calamine.CalamineWorkbook, name: str, path: Path) -> list[list[Any]]:
    # skip_empty_area=False keeps leading empty rows/columns, so list index i is physical row i + 1.
    try:
        return workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except (calamine.CalamineError, ValueError) as exc:
        raise SourceError(f"'{path}', sheet {name!r} cannot be read: it may be damaged ({exc}).") from exc


def _has_data(raw: Sequence[Sequence[Any]]) -> bool:
    return any(not (type(v) is str and is_blank(v)) and v is not None for row in raw for v in row)
