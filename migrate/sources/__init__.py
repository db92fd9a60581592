"""Source readers: turn a user's file into a `SourceTable` of display text.

`read_table` is the one entry point. It recognises the file by its content, not its extension (users
rename files freely: a CSV called .xls, an HTML page called .xls by Bitrix24), and hands it to the
reader for that kind. Every problem with the file itself is a `SourceError` whose message names the
file (and sheet/row where known); a caller never sees a raw traceback for a user's bad file.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from ..core.issues import SourceError
from ..core.table import SourceTable
from .csvfile import read_csv
from .excel import read_excel
from .limits import check_file_size
from .signatures import identify

__all__ = ["KINDS", "detect", "read_csv", "read_excel", "read_table"]

#: Values accepted for `read_table(kind=...)`.
KINDS = ("auto", "excel", "csv", "html", "json")

_ZIP = b"PK\x03\x04"  # xlsx, xlsm, ods
_OLE = bytes.fromhex("D0CF11E0A1B11AE1")  # xls (BIFF) and other legacy Office files
_SNIFF_BYTES = 4096


def read_table(
    path: str | Path,
    *,
    sheet: str | None = None,
    kind: str = "auto",
    header_row: int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> SourceTable:
    """Read a spreadsheet or CSV file into a `SourceTable`.

    `kind` is "auto" (detect from content, see `detect`), "excel" or "csv". `sheet` applies to
    workbooks (default: the first sheet with data); `encoding` and `delimiter` apply to CSV (default:
    detected). `header_row` is the 1-based physical header row (default: detected, title rows above
    the table are skipped). Raises `SourceError` for anything wrong with the file.
    """
    path = Path(path)
    if kind not in KINDS:
        raise SourceError(f"Cannot read '{path}': unknown source kind {kind!r}; use one of {', '.join(KINDS)}.")
    _check_file(path)
    if kind == "auto":
        kind = detect(path)
        _refuse_unsupported(path, kind)
    if kind == "excel":
        return _signed(read_excel(path, sheet=sheet, header_row=header_row))
    if kind == "html":
        from .bitrix24 import read_bitrix24_html

        return read_bitrix24_html(path, header_row=header_row, encoding=encoding)
    if kind == "json":
        from .jsondump import read_json

        return read_json(path, encoding=encoding)
    return _signed(read_csv(path, header_row=header_row, encoding=encoding, delimiter=delimiter))


def _signed(table: SourceTable) -> SourceTable:
    """A spreadsheet or CSV says nothing of its origin but its headers: name the system they identify."""
    if table.system is None:
        found = identify(table.columns)
        if found:
            table.system, table.entity_hint = found
    return table


def detect(path: str | Path) -> str:
    """What the file is, judged by its first bytes: "excel", "csv", "html", "json" or "binary".

    A zip (xlsx, xlsm, ods) or OLE (xls) container is "excel"; text is "csv" unless it is an HTML
    page (Bitrix24's "Excel" export) or a JSON dump; anything else is "binary". Only "excel" and
    "csv" can be read today; the others are named so the error can say what the file is.
    """
    with open(path, "rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    if head.startswith(_ZIP) or head.startswith(_OLE):
        return "excel"
    text = _head_text(head)
    if text is None:
        return "binary"
    start = text.lstrip()[:1024].lower()
    if start.startswith("<") and any(tag in start for tag in ("<html", "<table", "<!doctype html")):
        return "html"
    if start.startswith("{") or (start.startswith("[") and start[1:].lstrip()[:1] in ("{", "[", '"', "]")):
        return "json"
    return "csv"


def _head_text(head: bytes) -> str | None:
    """The file's first bytes as text for sniffing, or None if they look binary."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="ignore")
    if b"\x00" in head:
        return None
    return head.decode("utf-8", errors="ignore").lstrip("\ufeff")


def _check_file(path: Path) -> None:
    if not path.exists():
        raise SourceError(f"Cannot read '{path}': the file does not exist. Check the path and the file name.")
    if path.is_dir():
        raise SourceError(f"Cannot read '{path}': it is a folder, not a file.")
    try:
        size = path.stat().st_size
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise SourceError(f"Cannot read '{path}': {exc.strerror or exc}.") from exc
    if size == 0:
        raise SourceError(f"'{path}' is empty (0 bytes); there is nothing to import.")
    check_file_size(path)


def _refuse_unsupported(path: Path, kind: str) -> None:
    if kind == "binary":
        raise SourceError(
            f"'{path}' is neither an Excel/OpenDocument workbook nor a text (CSV) file; it cannot be read. "
            "Export the data as .xlsx or CSV."
        )
