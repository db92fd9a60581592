"""Stream the rows of a large import sheet into a workbook that xlsxwriter laid out.

Why not xlsxwriter for every cell: its per-cell method chain costs ~6 µs, which at 100,000 rows × 12
columns is most of an export's time. xlsxwriter still writes the workbook — content types, styles, the
bold frozen header, column widths — with the header row only; we then stream the data rows into that
sheet's `<sheetData>` as inline strings (the same cell form xlsxwriter's own constant_memory mode
writes), in chunks, so memory stays bounded. Text is escaped for XML and for OOXML's `_xHHHH_` syntax,
so no user text can become markup, a formula (there is no `<f>` element here) or another character.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from xlsxwriter.utility import xl_col_to_name

SHEET = "xl/worksheets/sheet1.xml"
CHUNK = 20_000

_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPED_LOOKALIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_INTEGER = re.compile(r"-?\d{1,15}")  # whole numbers a double holds exactly
_DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')


def xml_text(value: str) -> str:
    """Escape text for an OOXML `<t>` element: XML specials, control characters, `_xHHHH_` look-alikes."""
    if not _SPECIAL.search(value):
        return value
    value = _ESCAPED_LOOKALIKE.sub(r"_x005F_\1", value)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)


def _column_cells(values: Sequence[str], letter: str, first_row: int, numeric: bool) -> list[str]:
    cells = []
    for r, v in enumerate(values, start=first_row):
        if not v:
            cells.append("")
        elif numeric and _INTEGER.fullmatch(v):
            cells.append(f'<c r="{letter}{r}"><v>{int(v)}</v></c>')
        else:
            cells.append(f'<c r="{letter}{r}" t="inlineStr"><is><t xml:space="preserve">{xml_text(v)}</t></is></c>')
    return cells


def rows_xml(columns: Sequence[Sequence[str]], numeric: Sequence[bool], first_row: int) -> str:
    """`<row>` elements for a block of rows given column-wise; empty cells are left out."""
    cell_columns = [_column_cells(values, xl_col_to_name(c), first_row, numeric[c]) for c, values in enumerate(columns)]
    return "".join(
        f'<row r="{r}">{"".join(cells)}</row>' for r, cells in enumerate(zip(*cell_columns, strict=True), first_row)
    )


def fill_sheet(
    template: Path,
    out: Path,
    blocks: Iterable[Sequence[Sequence[str]]],
    numeric: Sequence[bool],
    rows: int,
    width: int,
    tick: Callable[[int], object] | None = None,
) -> None:
    """Copy the xlsxwriter `template` (header row only) to `out`, streaming the data rows into its sheet.

    `blocks`: the `rows` data rows as column-wise blocks, in order (`width` columns); each block is
    turned into XML and compressed before the next is taken, so memory holds one block at a time.
    """
    rows = rows if width else 0  # no column: no cell to write, whatever the row count
    with zipfile.ZipFile(template) as src:
        sheet = src.read(SHEET).decode("utf-8")
        # a sheet without a single cell (no column at all) is written as `<sheetData/>`: open it up
        sheet = sheet.replace("<sheetData/>", "<sheetData></sheetData>", 1)
        head, _, rest = sheet.partition("</sheetData>")
        last = f"{xl_col_to_name(max(width - 1, 0))}{rows + 1}"
        head = _DIMENSION.sub(f'<dimension ref="A1:{last}"/>', head, count=1)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
            for item in src.infolist():
                if item.filename != SHEET:
                    dst.writestr(item, src.read(item.filename))
                    continue
                # the template's own entry (its timestamp too): the same rows give the same bytes
                entry = zipfile.ZipInfo(SHEET, date_time=item.date_time)
                entry.compress_type = zipfile.ZIP_DEFLATED
                for attr in ("compress_level", "_compresslevel"):  # the name changed in Python 3.13
                    if hasattr(entry, attr):
                        setattr(entry, attr, 1)
                with dst.open(entry, "w", force_zip64=True) as fh:
                    fh.write(head.encode("utf-8"))
                    first = 2
                    for block in blocks:
                        fh.write(rows_xml(block, numeric, first).encode("utf-8"))
                        n = len(block[0]) if block else 0
                        first += n
                        if tick:
                            tick(n)
                    fh.write(("</sheetData>" + rest).encode("utf-8"))
