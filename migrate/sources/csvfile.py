"""Read a delimited text file (CSV/TSV exports of Excel, 1C, Bitrix24) as text.

The hard parts of real-world CSV from Russian systems are the encoding (cp1251 or UTF-8, with or
without BOM) and the delimiter (`;` from a Russian Excel, `,`, tab or `|` elsewhere). Both are detected
and recorded on the `SourceTable`, and both can be forced. Parsing is the stdlib `csv` module (C speed,
quoted fields with line breaks allowed); the record number is the physical row number every Issue
reports. Header handling is shared with the Excel reader (`header.frame_from_grid`).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from itertools import islice
from pathlib import Path

import charset_normalizer

from ..core.issues import SourceError
from ..core.table import SourceTable
from .header import frame_from_grid, gc_paused
from .limits import FIELD_CHARS, check_line_bytes, field_too_large, text_lines

#: Delimiters tried when none is given, in order of preference on a tie.
DELIMITERS = (";", ",", "\t", "|")
#: How many records the delimiter sniffer looks at, within at most this many leading characters.
SNIFF_RECORDS = 50
SNIFF_CHARS = 256 * 1024

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def read_csv(
    path: str | Path,
    *,
    header_row: int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> SourceTable:
    """Read a delimited text file into a `SourceTable` (kind "csv").

    `encoding` and `delimiter` override detection; the ones used are recorded on the table.
    `header_row` (1-based record number) overrides header detection. Raises `SourceError` when the
    bytes cannot be decoded, the CSV cannot be parsed, or no header / data rows are found.
    """
    path = Path(path)
    where = f"'{path}'"
    if delimiter is not None and len(delimiter) != 1:
        raise SourceError(f"Cannot read {where}: the delimiter must be one character, not {delimiter!r}.")
    data = path.read_bytes()
    check_line_bytes(data, where)  # before decoding doubles a 200 MB one-line file in memory
    text, used_encoding = decode(data, encoding=encoding, where=where)
    del data
    used_delimiter = delimiter or sniff_delimiter(text)
    with gc_paused():
        rows = _parse(text, used_delimiter, where=where)
        grid = frame_from_grid(rows, where=where, header_row=header_row)
    return SourceTable(
        frame=grid.frame,
        path=path,
        kind="csv",
        header_row=grid.header_row,
        encoding=used_encoding,
        delimiter=used_delimiter,
        empty_rows=grid.empty_rows,
        original_headers=grid.original_headers,
        issues=grid.issues,
    )


def decode(data: bytes, *, encoding: str | None = None, where: str = "the file") -> tuple[str, str]:
    """Decode a text file's bytes; return the text and the encoding used.

    Order: the explicit `encoding`; a BOM (UTF-8, UTF-16 LE/BE); strict UTF-8; else charset-normalizer
    over the whole byte stream, preferring cp1251 whenever it is among the plausible candidates
    (our sources are Russian, and short cp1251 files are easily mistaken for other Cyrillic code pages).
    """
    if encoding:
        return _decode_as(data, encoding, where), encoding
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _decode_as(data[len(bom) :], name, where), name
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    guessed = guess_encoding(data)
    if guessed is None:
        raise SourceError(
            f"{where} is not readable text: its encoding could not be recognised (it is neither UTF-8 nor a "
            "known Cyrillic code page, or it is a binary file). Save it as CSV UTF-8, or pass the encoding."
        )
    return _decode_as(data, guessed, where), guessed


def guess_encoding(data: bytes) -> str | None:
    """Best encoding for non-UTF-8 bytes per charset-normalizer, cp1251 first if plausible."""
    matches = charset_normalizer.from_bytes(data)
    for match in matches:
        if match.encoding == "cp1251" or "cp1251" in match.could_be_from_charset:
            if _decodes(data, "cp1251"):
                return "cp1251"
    best = matches.best()
    return best.encoding if best is not None else None


def sniff_delimiter(text: str) -> str:
    """The delimiter among `DELIMITERS` giving the most consistent field count > 1.

    The first `SNIFF_RECORDS` non-blank records are parsed with the csv module for each candidate
    (so quoted delimiters and line breaks are respected). The winner has the most records sharing its
    most common field count; ties go to the larger field count, then to the order of `DELIMITERS`.
    A file where no candidate splits anything (a single column) gets ";".
    """
    best, best_score = DELIMITERS[0], (0, 0)
    for candidate in DELIMITERS:
        counts = Counter(len(r) for r in _head_records(text, candidate) if any(r))
        if not counts:
            continue
        width, records = counts.most_common(1)[0]
        if width > 1 and (records, width) > best_score:
            best, best_score = candidate, (records, width)
    return best


def _head_records(text: str, delimiter: str) -> list[list[str]]:
    # A prefix, not the whole text: StringIO copies its input, and 50 records rarely need 256K chars.
    head = io.StringIO(text[:SNIFF_CHARS], newline="")
    try:
        return list(islice(csv.reader(head, delimiter=delimiter), SNIFF_RECORDS))
    except csv.Error:
        return []


def _parse(text: str, delimiter: str, *, where: str) -> list[list[str]]:
    csv.field_size_limit(FIELD_CHARS)
    reader = csv.reader(text_lines(text, where), delimiter=delimiter)
    try:
        return list(reader)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise field_too_large(where, reader.line_num) from None
        raise SourceError(
            f"{where} cannot be parsed as CSV with delimiter {delimiter!r} near line {reader.line_num}: {exc}."
        ) from exc


def _decode_as(data: bytes, encoding: str, where: str) -> str:
    try:
        return data.decode(encoding)
    except LookupError as exc:
        raise SourceError(f"Cannot read {where}: {encoding!r} is not a known text encoding.") from exc
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"{where} cannot be decoded as {encoding}: byte {exc.start} is not valid in that encoding. "
            "Check the encoding the file was saved with (for Russian files usually utf-8 or cp1251)."
        ) from exc


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True
