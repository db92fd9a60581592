"""Read a CSV file in row blocks, so a million-row file never sits in memory as one table.

`csv_blocks` yields `SourceTable`s of at most `rows` data rows each, with exactly what `read_csv` would
give for those rows: the same header detection (on the first records), the same column names and header
Issues, the same physical row numbers, the same cell text, the same skipped empty rows. What it cannot
know from the head of the file without reading all of it, it refuses instead of guessing: a file that is
not UTF-8 (or the given/BOM encoding) further down, a cell with data under a blank header or past the
header's width, a header row or data that the head does not show. Then it raises `NotStreamable`, and
the caller reads the file whole (`read_table`), which reports or handles the case as it always has.

The line and field bounds of `limits` apply as in `read_csv`; the file-size bound does not: it is there
to keep a whole-file read from exhausting memory, and here memory follows the block, not the file.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain, compress, islice
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.columns import REJECT_META
from ..core.issues import SourceError
from ..core.table import SourceTable
from .csvfile import DELIMITERS, SNIFF_CHARS, sniff_delimiter
from .header import HEADER_SCAN_ROWS, find_header_row, is_blank, name_columns
from .limits import FIELD_CHARS, bounded_lines, current, field_too_large
from .signatures import identify

#: data rows per block: big enough that per-block overhead is noise, small enough to bound memory
BLOCK_ROWS = 50_000

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


class NotStreamable(Exception):
    """The file needs the whole-table reader; the message says why (for logs and tests, not users)."""


@dataclass
class BlockStream:
    """`head`: the table's provenance (frame empty, with the columns); `empty_rows` and `rows` are final
    once `blocks` is exhausted."""

    head: SourceTable
    blocks: Iterator[SourceTable]
    rows: int = 0
    _closers: list = field(default_factory=list, repr=False)  # type: ignore[type-arg]

    def close(self) -> None:
        for close in self._closers:
            close()


def csv_blocks(
    path: str | Path,
    *,
    header_row: int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    rows: int = BLOCK_ROWS,
) -> BlockStream:
    """Open `path` as a stream of row blocks (see the module docstring). Raises `NotStreamable` when the
    head already shows the file needs the whole reader, and later, while iterating, when a block does."""
    path = Path(path)
    where = f"'{path}'"
    if delimiter is not None and len(delimiter) != 1:
        raise NotStreamable("bad delimiter: the whole reader words the error")
    longest = _check_line_bytes(path)
    raw = open(path, "rb")  # noqa: SIM115 - closed by BlockStream.close or at the end of the blocks
    try:
        used_encoding, skip = _encoding(raw.read(4), encoding)
        raw.seek(skip)
        text = io.TextIOWrapper(raw, encoding=used_encoding, errors="strict", newline="")
        head_text = _read(text, SNIFF_CHARS)
        used_delimiter = delimiter or sniff_delimiter(head_text)
        lines = chain(io.StringIO(head_text + _read_line(text), newline=""), text)
        csv.field_size_limit(FIELD_CHARS)
        # in UTF-8 a line has no more characters than bytes, and a byte 10 or 13 is only ever a line break:
        # when no line (plus the LF of its CRLF) has more bytes than a line may have characters, none is over
        utf8 = codecs.lookup(used_encoding).name in ("utf-8", "utf-8-sig")
        checked = lines if utf8 and longest + 1 <= current().max_line_chars else bounded_lines(lines, where)
        reader = csv.reader(checked, delimiter=used_delimiter)
        records = _records(reader, where)
        head_rows = list(islice(records, HEADER_SCAN_ROWS))
        header_row = _header_row(head_rows, header_row, where)
    except BaseException:
        raw.close()
        raise
    header = list(head_rows[header_row - 1])
    names, positions, issues = name_columns(header, [()] * len(header), header_row=header_row)
    head = SourceTable(
        frame=pd.DataFrame({n: pd.Series([], dtype=str) for n in names}), path=path, kind="csv",
        header_row=header_row, encoding=used_encoding, delimiter=used_delimiter,
        original_headers=header, issues=issues,
    )  # fmt: skip
    found = identify(head.columns)  # as `read_table` names the system a CSV's headers identify
    if found:
        head.system, head.entity_hint = found
    stream = BlockStream(head, iter(()), _closers=[raw.close])
    body = chain(head_rows[header_row:], records)
    stream.blocks = _blocks(stream, body, header_row + 1, names, positions, len(header), rows, where)
    return stream


def _check_line_bytes(path: Path) -> int:
    """`limits.check_line_bytes`, 16 MB of the file at a time: a line far over the bound must not be read
    whole by the text layer. Such a file goes to the whole reader, which refuses it in its own words.
    Returns the longest line's bytes (with its line break; a bound on its characters)."""
    limit = current().max_line_chars * 4
    last, pos, longest = -1, 0, 0
    with open(path, "rb") as fh:
        while chunk := fh.read(16 << 20):
            view = np.frombuffer(chunk, dtype=np.uint8)
            breaks = np.flatnonzero((view == 10) | (view == 13)) + pos
            gaps = np.diff(np.concatenate(([last], breaks)))
            pos += len(chunk)
            if breaks.size:
                last = int(breaks[-1])
            longest = max(longest, int(gaps.max()) if gaps.size else 0, pos - last)
            if longest > limit:
                raise NotStreamable("a line far over the bound")
    return longest


def _header_row(head_rows: list[list[str]], header_row: int | None, where: str) -> int:
    """The header row as `frame_from_grid` finds it, or NotStreamable where only the whole file can say."""
    if head_rows and tuple(c.strip() for c in head_rows[0][:2]) == REJECT_META:
        raise NotStreamable("a rejects workbook read back: its rows are renumbered from the whole table")
    if header_row is None:
        header_row = find_header_row(head_rows, where=where)
    elif not 1 <= header_row <= len(head_rows) or all(is_blank(c) for c in head_rows[header_row - 1]):
        raise NotStreamable("the given header row is not among the first records")
    if any(len(r) > len(head_rows[header_row - 1]) for r in head_rows):
        raise NotStreamable("a record wider than the header: the whole reader pads the header")
    return header_row


def _encoding(start: bytes, encoding: str | None) -> tuple[str, int]:
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise NotStreamable("unknown encoding: the whole reader words the error") from None
        return encoding, 0
    for bom, name in _BOMS:
        if start.startswith(bom):
            return name, len(bom) if name != "utf-8-sig" else 0
    return "utf-8", 0  # anything else decodes as UTF-8 all the way, or the whole reader guesses


def _read(text: io.TextIOWrapper, n: int) -> str:
    try:
        return text.read(n)
    except UnicodeDecodeError:
        raise NotStreamable("not in the expected encoding") from None


def _read_line(text: io.TextIOWrapper) -> str:
    try:
        return text.readline()
    except UnicodeDecodeError:
        raise NotStreamable("not in the expected encoding") from None


def _records(reader: Iterator[list[str]], where: str) -> Iterator[list[str]]:
    try:
        yield from reader
    except UnicodeDecodeError:
        raise NotStreamable("not in the expected encoding further down") from None
    except csv.Error as exc:
        line = getattr(reader, "line_num", "?")
        if "field larger than field limit" in str(exc):
            raise field_too_large(where, line) from None  # type: ignore[arg-type]
        delimiter = getattr(getattr(reader, "dialect", None), "delimiter", DELIMITERS[0])
        raise SourceError(
            f"{where} cannot be parsed as CSV with delimiter {delimiter!r} near line {line}: {exc}."
        ) from exc


def _blocks(stream: BlockStream, body: Iterator[list[str]], first_row: int, names: list[str], positions: list[int],
            width: int, size: int, where: str) -> Iterator[SourceTable]:  # fmt: skip
    """Blocks of kept rows; counts empty rows on the stream; refuses data outside the named columns."""
    named = set(positions)
    row = first_row
    try:
        while True:
            chunk = list(islice(body, size))
            if not chunk:
                break
            if max(map(len, chunk)) > width:
                raise NotStreamable("a record wider than the header: the whole reader pads the header")
            # a record is kept when its cells hold a non-space character; decided by comprehensions over the
            # block (a loop with a branch per record was a fifth of this process's reading)
            filled = [bool(joined) and not joined.isspace() for joined in map("".join, chunk)]
            kept = list(compress(chunk, filled))
            kept_rows = list(compress(range(row, row + len(chunk)), filled))
            if len(named) < width:
                for cells in kept:
                    _check_unnamed(cells, named)
            stream.head.empty_rows += len(chunk) - len(kept)
            row += len(chunk)
            if kept:
                stream.rows += len(kept)
                yield _table(stream.head, kept, kept_rows, names, positions)
        if stream.rows == 0:
            raise SourceError(
                f"{where} has a header at row {stream.head.header_row} but no data rows below it; "
                "there is nothing to import. Check that this is the right file and sheet."
            )
    finally:
        stream.close()


def _check_unnamed(cells: list[str], named: set[int]) -> None:
    for pos, cell in enumerate(cells):
        if pos not in named and not is_blank(cell):
            raise NotStreamable("data under a blank header or past the header's width")


def _table(head: SourceTable, kept: list[list[str]], rows: list[int], names: list[str],
           positions: list[int]) -> SourceTable:  # fmt: skip
    if any(len(cells) < len(head.original_headers) for cells in kept):  # short rows read as padded
        kept = [cells + [""] * (len(head.original_headers) - len(cells)) for cells in kept]
    # the records as one 2-D array of the cells (rows of one width: padded above, wider ones refused), its
    # columns taken as views: a list per column built in Python cost three times as much
    grid = np.empty((len(kept), len(head.original_headers)), dtype=object)
    grid[:] = kept
    columns = {name: grid[:, pos] for name, pos in zip(names, positions, strict=True)}
    frame = pd.DataFrame(columns, index=pd.Index(rows, dtype="int64"), dtype=str)
    return SourceTable(frame=frame, path=head.path, kind=head.kind, header_row=head.header_row,
                       encoding=head.encoding, delimiter=head.delimiter, original_headers=head.original_headers,
                       issues=head.issues, system=head.system, entity_hint=head.entity_hint)  # fmt: skip
