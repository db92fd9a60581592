"""Import files written block by block, for the block pass (`migrate.chunked`): a CSV appended a block at
a time in the bytes the whole-table writer gives, and blocks parked on disk until a workbook can be laid out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from .csvout import write_header, write_rows

__all__ = ["CsvAppender", "FrameSpill"]


class CsvAppender:
    """The import CSV written block by block, in the bytes `sinks.csvout.write_csv` gives for the whole
    frame (same cells, same quoting; the BOM once, before the header). Takes a block as a frame (`__call__`)
    or as the text `csv_rows` made of it (`append`); `takes` tells the block pass which it prefers."""

    takes = "csv"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.started = False
        self._fh: Any = None

    def __call__(self, frame: pd.DataFrame) -> None:
        self._start(list(frame.columns))
        write_rows(frame, self._fh)  # straight to the file: no text of the block in memory

    def append(self, header: list[str], rows: bytes) -> None:
        """Append rows made by `csv_rows` for a frame with columns `header`, encoded in UTF-8 (the first
        call writes the header, after the BOM). Written as they are: the file is UTF-8 past its BOM."""
        self._start(header)
        self._fh.flush()  # what the text layer holds goes first
        self._fh.buffer.write(rows)

    def _start(self, header: list[str]) -> None:
        if not self.started:
            self._fh = open(self.path, "w", encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed in close()
            write_header(header, self._fh)
            self.started = True

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


class FrameSpill:
    """Blocks kept on disk (pickled) until the import workbook can be written: its layout needs the total
    row count before the first row. `blocks()` reads them back one at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows = 0
        self.count = 0

    def __call__(self, frame: pd.DataFrame) -> None:
        frame.to_pickle(self.path.with_name(f"{self.path.name}.{self.count}"))
        self.count += 1
        self.rows += len(frame)

    def blocks(self) -> Iterator[pd.DataFrame]:
        for n in range(self.count):
            yield pd.read_pickle(self.path.with_name(f"{self.path.name}.{n}"))

    def remove(self) -> None:
        for n in range(self.count):
            self.path.with_name(f"{self.path.name}.{n}").unlink(missing_ok=True)
