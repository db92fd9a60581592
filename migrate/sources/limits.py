"""How big a source may be before we refuse to read it: checked *before* the bytes are parsed.

A 2 KB workbook whose one cell sits at XFD1048576 makes the xlsx parser allocate the whole grid (549 GB);
a 3 MB zip inflates to a 1 GB sheet; a 500 MB CSV line of short fields becomes 250 million Python
strings. Each of these must end in a clear refusal (exit 2) within seconds and a few hundred MB, not in
an abort or a machine out of memory. So every reader asks this module first:

- `check_file_size` — the file itself (CSV, HTML, JSON, xls) is at most `max_bytes`;
- `check_workbook` — a zip workbook's parts (sheets, shared strings) inflate to at most `max_bytes`
  together, and each sheet's grid — from its declared `<dimension>` and the cell references it holds —
  stays inside Excel's grid (1,048,576 rows × 16,384 columns) and under `max_cells`;
- `text_lines` / `bounded_lines` — CSV text is fed to the parser line by line, no line longer than
  `max_line_chars`;
  and `FIELD_CHARS` is the csv module's field size limit.

The bounds are generous for real files (256 MB ≈ a million rows of a dozen columns) and can be lifted
for a real giant file: `amomigrate --max-source-mb N …`, the `AMOMIGRATE_MAX_SOURCE_MB` environment
variable, or `configure(max_mb=N)` from Python. Readers that yield row blocks reuse the same checks.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core.issues import SourceError

EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384
DEFAULT_MAX_MB = 256
#: one CSV field at most (the csv module's own limit is set to this); xlsx cells hold 32,767 characters
FIELD_CHARS = 1 << 20
_ENV = "AMOMIGRATE_MAX_SOURCE_MB"
_CHUNK = 1 << 20
_ROW_REF = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="(\d{1,9})"')
_WIDE_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{3,})\d')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="(?:[A-Z]+\d+:)?([A-Z]{1,4})(\d{1,9})"')
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")


@dataclass(frozen=True)
class Limits:
    """`max_bytes`: file or inflated workbook parts; `max_cells`: a sheet's grid (rows × columns);
    `max_line_chars`: one physical CSV line."""

    max_bytes: int
    max_cells: int
    max_line_chars: int

    @classmethod
    def from_mb(cls, mb: float) -> Limits:
        size = int(mb * (1 << 20))
        # a dense sheet spends ~20 bytes of XML a cell; 1 in 8 leaves room for sparse but real tables
        return cls(max_bytes=size, max_cells=max(size // 8, 1 << 20), max_line_chars=max(size // 16, FIELD_CHARS))

    @property
    def mb(self) -> float:
        return self.max_bytes / (1 << 20)


def _from_env() -> Limits:
    raw = os.environ.get(_ENV, "").strip()
    try:
        mb = float(raw) if raw else DEFAULT_MAX_MB
    except ValueError:
        mb = DEFAULT_MAX_MB
    return Limits.from_mb(mb if mb > 0 else DEFAULT_MAX_MB)


_current: Limits | None = None


def current() -> Limits:
    """The bounds in force: `configure`'s, else the environment's, else the defaults."""
    return _current or _from_env()


def configure(max_mb: float | None = None) -> Limits:
    """Set the bounds for this process (None: back to the environment/defaults); returns them."""
    global _current
    _current = Limits.from_mb(max_mb) if max_mb else None
    return current()


def _lift() -> str:
    return (f"If the file is real, lift the bound: amomigrate --max-source-mb N … "
            f"(or {_ENV}=N); it needs about 10× N MB of memory.")  # fmt: skip


def check_file_size(path: Path, limits: Limits | None = None) -> None:
    """Refuse a file larger than `max_bytes` before reading it."""
    limits = limits or current()
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise SourceError(
            f"'{path}' is {size / (1 << 20):.0f} MB, over the {limits.mb:.0f} MB a source may be; it was not "
            f"read. {_lift()}"
        )


def check_workbook(path: Path, limits: Limits | None = None) -> None:
    """Refuse a zip workbook (xlsx, xlsm, ods) whose parts inflate beyond the bounds, before parsing it.

    The sizes the zip declares are checked first (cheap), then every sheet is inflated once as a stream —
    never held whole — counting the bytes it really gives and reading its dimension and cell references.
    """
    limits = limits or current()
    try:
        with zipfile.ZipFile(path) as z:
            parts = [i for i in z.infolist() if i.filename.endswith(".xml") or "/worksheets/" in i.filename]
            declared = sum(i.file_size for i in parts)
            if declared > limits.max_bytes:
                raise _too_big(path, declared, limits)
            total = 0
            for info in parts:
                total = _scan_part(z, info, path, limits, total)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError, ValueError) as exc:
        raise SourceError(
            f"'{path}' cannot be read as an Excel/OpenDocument workbook: it may be damaged, incomplete, or not "
            f"a workbook at all ({exc}). Open it in Excel and save it again as .xlsx."
        ) from None


def _too_big(path: Path, size: int, limits: Limits) -> SourceError:
    return SourceError(
        f"'{path}' inflates to more than {size / (1 << 20):.0f} MB of sheet data, over the {limits.mb:.0f} MB a "
        f"workbook may hold; it was not read (a zip bomb looks like this). {_lift()}"
    )


def _scan_part(z: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, limits: Limits, total: int) -> int:
    """Stream one part; returns the running total of inflated bytes. Sheets get their grid checked."""
    is_sheet = "worksheets/" in info.filename or info.filename.endswith("content.xml")
    rows = cols = tags = 0
    tail = b""
    with z.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            total += len(chunk)
            if total > limits.max_bytes:
                raise _too_big(path, total, limits)
            if not is_sheet:
                continue
            window = tail + chunk
            for m in _DIMENSION.finditer(window):
                rows, cols = max(rows, int(m.group(2))), max(cols, _column_number(m.group(1)))
            for m in _ROW_REF.finditer(window):
                rows = max(rows, int(m.group(1)))
            for m in _WIDE_REF.finditer(window):
                cols = max(cols, _column_number(m.group(1)))
            tags += len(_ROW_TAG.findall(chunk))
            tail = window[-256:]
            _check_grid(path, info.filename, max(rows, tags), max(cols, 1), limits)
    return total


def _check_grid(path: Path, part: str, rows: int, cols: int, limits: Limits) -> None:
    where = f"'{path}' ({part.rsplit('/', 1)[-1]})"
    if rows > EXCEL_ROWS or cols > EXCEL_COLUMNS:
        raise SourceError(
            f"{where} reaches row {rows:,}, column {cols:,}: beyond Excel's grid ({EXCEL_ROWS:,} rows × "
            f"{EXCEL_COLUMNS:,} columns). The file is damaged or crafted; it was not read."
        )
    if rows * cols > limits.max_cells:
        raise SourceError(
            f"{where} spans {rows:,} rows × {cols:,} columns ({rows * cols:,} cells), over the "
            f"{limits.max_cells:,} cells a sheet may span; it was not read. A stray cell far away (e.g. at "
            f"XFD1048576) does this: delete the empty rows and columns in Excel and save again. {_lift()}"
        )


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


_LINE = re.compile(r"[^\r\n]*+(?:\r\n|\r|\n)?")


def text_lines(text: str, where: str, limits: Limits | None = None) -> Iterator[str]:
    """The physical lines of `text` (endings kept, split as `open(newline="")` does), refusing a line
    longer than `max_line_chars` before it is copied. Unlike `io.StringIO(text)`, nothing but the current
    line is held beside `text` (StringIO keeps a 4-bytes-a-character copy of it)."""
    limit = (limits or current()).max_line_chars
    for number, m in enumerate(_LINE.finditer(text), start=1):
        start, end = m.span()
        if start == end:
            return
        if end - start > limit:
            raise _long_line(where, number, end - start, limit)
        yield m.group()


def _long_line(where: str, number: int, length: int, limit: int) -> SourceError:
    return SourceError(
        f"{where}: line {number} is {length:,} characters long, over the {limit:,} a CSV line may "
        f"be; it was not parsed. Is the file really CSV (and the line breaks intact)? {_lift()}"
    )


def check_line_bytes(data: bytes, where: str, limits: Limits | None = None) -> None:
    """Refuse text whose longest line (between CR/LF bytes) exceeds `max_line_chars`, before decoding it.

    Decoding a 200 MB one-line file would first double it in memory; this scan costs ~0.1 s per 100 MB
    and no copy (numpy over a view of the bytes, 16 MB at a time). A line's byte length bounds its
    character length from above, so nothing a `text_lines` check would pass is refused here, beyond
    multi-byte text within a factor of 4 of the bound.
    """
    limit = (limits or current()).max_line_chars
    if len(data) <= limit:
        return
    view = np.frombuffer(data, dtype=np.uint8)
    last = -1  # position of the last line break seen
    for lo in range(0, len(view), _SCAN):
        chunk = view[lo : lo + _SCAN]
        breaks = np.flatnonzero((chunk == 10) | (chunk == 13)) + lo
        gaps = np.diff(np.concatenate(([last], breaks)))
        if gaps.size and gaps.max() > limit * 4:
            i = int(gaps.argmax())
            raise _long_bytes(where, int(breaks[i]) - int(gaps[i]) + 1, int(gaps[i]) - 1, limit)
        if breaks.size:
            last = int(breaks[-1])
        if lo + len(chunk) - last > limit * 4:
            raise _long_bytes(where, last + 1, lo + len(chunk) - last - 1, limit, "at least ")


def _long_bytes(where: str, at: int, length: int, limit: int, bound: str = "") -> SourceError:
    return SourceError(
        f"{where}: the line starting at byte {at:,} is {bound}{length:,} bytes long, over the {limit:,} characters a "
        f"CSV line may be; it was not parsed. Is the file really CSV (and the line breaks intact)? {_lift()}"
    )


_SCAN = 16 << 20


def bounded_lines(lines: Iterable[str], where: str, limits: Limits | None = None) -> Iterator[str]:
    """Pass physical lines through, refusing (SourceError) one longer than `max_line_chars`."""
    limit = (limits or current()).max_line_chars
    for number, line in enumerate(lines, start=1):
        if len(line) > limit:
            raise _long_line(where, number, len(line), limit)
        yield line


def field_too_large(where: str, line: int) -> SourceError:
    """The csv module refused a field over `FIELD_CHARS`: say so in the user's terms."""
    return SourceError(
        f"{where}: a field near line {line} is longer than {FIELD_CHARS:,} characters; it was not parsed. "
        "An unbalanced quote (\") usually does this: the rest of the file becomes one field. Check the quotes "
        "near that line, or the delimiter."
    )
