"""JSON dumps of CRM APIs (Bitrix24 REST, Megaplan API v3) → SourceTable.

A JSON file is recognised by its shape, not its name: each CRM module offers `looks_like_*(data)` and a
reader over the parsed data. Nested values (multi-fields, linked objects) are flattened by the system's
own reader into text columns, so the rest of the pipeline sees an ordinary table. Row numbers are record
numbers (the first record is row 1; there is no header row, so `header_row` is 0).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core.issues import SourceError
from ..core.table import SourceTable
from .records import load_json


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
