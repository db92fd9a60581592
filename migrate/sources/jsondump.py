"""JSON dumps of CRM APIs (Bitrix24 REST, Megaplan API v3) → SourceTable.

A JSON file is recognised by its shape, not its name: each CRM module offers `looks_like_*(data)` and a
reader over the parsed data. Nested values (multi-fields, linked objects) are flattened by the system's
own reader into text columns, so the rest of the pipeline sees an ordinary table. Row numbers are record
numbers (the first record is row 1; there is no header row, so `header_row` is 0).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..issues import SourceError
from ..table import SourceTable
from .csvfile import decode


def load_json(path: Path, encoding: str | None = None, *, exact_numbers: bool = False) -> Any:
    """Parse a JSON file (any common encoding, BOM aware); SourceError with line/column when invalid.

    `exact_numbers`: non-integer numbers stay the text the file has (`100000.00`, not the float 100000.0).
    """
    text, _ = decode(path.read_bytes(), encoding=encoding, where=f"'{path}'")
    try:
        return json.loads(text, parse_float=str) if exact_numbers else json.loads(text)
    except json.JSONDecodeError as e:
        raise SourceError(
            f"'{path}' looks like JSON but is not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}."
        ) from None


def _dialects() -> list[tuple[str, Callable[[Any], bool], Callable[[Any, Path], SourceTable]]]:
    from . import bitrix24, megaplan

    return [
        ("Bitrix24 REST", bitrix24.looks_like_rest, bitrix24.read_rest),
        ("Megaplan API v3", megaplan.looks_like_api, megaplan.read_api),
    ]


def read_json(path: str | Path, *, encoding: str | None = None) -> SourceTable:
    """Read a Bitrix24 REST or Megaplan API v3 dump; SourceError naming what we expected otherwise."""
    path = Path(path)
    data = load_json(path, encoding)
    for _name, looks_like, reader in _dialects():
        if looks_like(data):
            return reader(data, path)
    raise SourceError(
        f"'{path}' holds JSON, but neither a Bitrix24 REST dump (a list of records or {{\"result\": [...]}} "
        'pages from crm.deal/contact/company/lead.list) nor a Megaplan API v3 dump ({"meta": ..., '
        '"data": [...]} of contractorHuman, contractorCompany or deal). Export the data as .xlsx or CSV.'
    )


def records_table(
    records: Iterable[Mapping[str, str]],
    path: Path,
    *,
    kind: str,
    system: str,
    entity_hint: str | None = None,
) -> SourceTable:
    """Build a SourceTable from flattened records (every value already text).

    Columns are the union of keys in first-seen order; a key a record lacks is "". Records whose values
    are all empty are skipped and counted, like empty rows of a sheet.
    """
    rows = list(records)
    columns: dict[str, None] = {}
    for r in rows:
        columns.update(dict.fromkeys(r))
    index, kept, empty = [], [], 0
    for n, r in enumerate(rows, start=1):
        if not any(str(v).strip() for v in r.values()):
            empty += 1
            continue
        index.append(n)
        kept.append(r)
    if not columns or not kept:
        raise SourceError(f"'{path}' holds no records with data; there is nothing to import.")
    frame = pd.DataFrame(
        {c: [str(r.get(c, "")) for r in kept] for c in columns}, index=pd.Index(index, dtype="int64"), dtype=object
    )
    return SourceTable(
        frame=frame, path=path, kind=kind, header_row=0, empty_rows=empty,
        original_headers=list(columns), system=system, entity_hint=entity_hint,
    )  # fmt: skip
