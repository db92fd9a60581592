"""JSON records → SourceTable: the helpers every API-dump reader (Bitrix24 REST, Megaplan) builds on.

They live below the readers (`bitrix24.py`, `megaplan.py`) and the dispatcher (`jsondump.py`), so the
dispatcher can import the readers without the readers importing the dispatcher back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.issues import SourceError
from ..core.table import SourceTable
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
    except RecursionError:
        raise SourceError(
            f"'{path}' nests arrays/objects too deeply to be a data export (thousands of levels); it was not read."
        ) from None


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
