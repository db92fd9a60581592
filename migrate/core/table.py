"""SourceTable: what every source adapter returns, and the only input the mapping step accepts.

Why a wrapper and not a bare DataFrame: every issue we report must point at a cell the user can find in
the original file, so the table carries its provenance (file, sheet, header row) and keeps each row's
*physical* row number as the DataFrame index. Every cell is a `str` exactly as the user sees it in the
source; an empty cell is "". Nothing downstream ever sees a float, a NaN or a Timestamp from a reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .issues import Issue


@dataclass
class SourceTable:
    """A source sheet read as text.

    `frame`: columns are the (made-unique) headers, index is the physical row number (1-based, the header
    row of a plain sheet is row 1, so the first data row is 2), values are `str`.
    `issues`: header problems found while reading (duplicate or blank headers).
    `empty_rows`: data rows skipped because every cell was empty.
    `system`: the CRM that wrote the file when we can tell ("bitrix24", "megaplan"), else None.
    `entity_hint`: what one row is, when the file says so ("deal", "contact", "company", "lead").
    """

    frame: pd.DataFrame
    path: Path
    kind: str
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    header_row: int = 1
    encoding: str | None = None
    delimiter: str | None = None
    empty_rows: int = 0
    original_headers: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    system: str | None = None
    entity_hint: str | None = None

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    @property
    def rows(self) -> int:
        return len(self.frame)

    def take(self, rows: list[int]) -> pd.DataFrame:
        """The source rows `rows` (physical numbers, each present), in that order. A table read in blocks
        holds only some rows and fetches the others from the file (see `migrate.chunked`)."""
        return self.frame.loc[rows]

    def where(self) -> str:
        """Human location of this table, for messages: `file.xlsx, sheet 'Клиенты'`."""
        place = self.path.name
        if self.sheet:
            place += f", sheet {self.sheet!r}"
        return place

    def __repr__(self) -> str:
        extra = f", sheet={self.sheet!r}" if self.sheet else ""
        return (
            f"<SourceTable {self.path.name}{extra} kind={self.kind} rows={self.rows} "
            f"columns={len(self.frame.columns)} header_row={self.header_row} empty_rows={self.empty_rows}>"
        )

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>{self.where()}</b> — {self.kind}, {self.rows} rows, {len(self.frame.columns)} columns, "
            f"header at row {self.header_row}, {self.empty_rows} empty rows skipped</p>"
        )
        return head + self.frame.head(10).to_html()
