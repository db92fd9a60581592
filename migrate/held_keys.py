"""A block pass's phone and e-mail columns on disk until the end, back in memory only where a key repeats.

Why: they were the largest thing the pass kept — on a 2M-row deals file ~300 MB of nearly distinct strings
(the e-mails, the mapped phones and their source cells), held from the first block to the end of the
duplicate search. `quality.key_hashes` explains why the searches need only the cells whose keys another row
holds too. `HeldKeys.hold` takes a block's phone and e-mail columns (mapped, and the source columns that
feed only them) out of the frames the pass keeps, appends them to one temporary file, and keeps their keys'
hashes; `HeldKeys.restore` puts each block's columns back with only the cells holding a shared key.

What a caller may rely on: after `restore`, each frame has its columns in its order again; a cell of a
held column is its text where `key_hashes.shared_cells` keeps it, blank elsewhere; `refill` gives cells
back by row. The file is unlinked from the start (`tempfile.TemporaryFile`) and closed by `close`.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator, Mapping
from typing import IO

import numpy as np
import pandas as pd

from .core.issues import MigrateError
from .core.schema import Target
from .quality.key_hashes import KeyHashes, among, distinct_rows, hashed_headers, kept_cells, shared_cells

__all__ = ["HeldKeys"]


class HeldKeys:
    """The held columns of every block, in block order (see the module docstring)."""

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        self._blocks = 0
        self._hashes: dict[str, list[KeyHashes]] = {}
        self._feeds: dict[str, set[str]] = {}  # held source column → the headers it feeds
        self._entity: dict[str, str] = {}  # held mapped column → its target's entity

    def hold(self, mapped: pd.DataFrame, sources: pd.DataFrame, targets: Mapping[str, Target],
             feeds: Mapping[str, list[str]], hashes: Mapping[str, KeyHashes]) -> tuple[pd.DataFrame, ...]:  # fmt: skip
        """The block's key frames without their phone and e-mail columns, which go to the file. `feeds`:
        source column → the headers of `mapped` it feeds (`block_workers.source_feeds`); `hashes`: header
        → the block's key hashes (`cell_key_hashes`); a held header without any holds no key."""
        held = hashed_headers(targets, mapped.columns)
        if not held:  # no phone or e-mail column (every block has the first's columns): no file at all
            return mapped, sources
        held_sources = [s for s in sources.columns if s in feeds and all(h in held for h in feeds[s])]
        for h in held:
            self._hashes.setdefault(h, []).append(hashes[h] if h in hashes else _none())
            self._entity[h] = targets[h].entity
        for s in held_sources:
            self._feeds.setdefault(s, set()).update(feeds[s])
        record = (list(mapped.columns), list(sources.columns), mapped[list(held)], sources[held_sources])
        self._write(record)
        return mapped.drop(columns=list(held)), sources.drop(columns=held_sources)

    def restore(self, mapped_parts: list[pd.DataFrame], source_parts: list[pd.DataFrame]) -> None:
        """Put each block's held columns back into its frames (in place), keeping the shared cells only."""
        if self._file is None:
            return
        shared = shared_cells(self._hashes)
        self._hashes = {}
        for s, headers in self._feeds.items():
            shared[s] = distinct_rows([shared[h] for h in headers if h in shared])
        for k, (mapped_order, source_order, mapped, sources) in enumerate(self._records()):
            mapped_parts[k] = _joined(mapped_parts[k], mapped, mapped_order, shared)
            source_parts[k] = _joined(source_parts[k], sources, source_order, shared)

    def refill(self, frame: pd.DataFrame, rows: np.ndarray, entity: str) -> dict[str, pd.Series]:
        """Give the held mapped columns of `entity`'s targets in `frame` (the restored blocks'
        concatenation, in block order) their texts again at `rows` (sorted labels): the rows of that
        entity's clusters. The duplicate messages compare a member row's cells of its entity with those
        of the row it joins (another e-mail, another name), unique or not. Called once per entity;
        `close` ends it. Returns the columns it replaced, as they were: a caller done with the messages
        puts them back (a refilled column is an object per row: +48 MB at a million rows through the
        company search that follows)."""
        wanted = [c for c, e in self._entity.items() if c in frame.columns and e == entity]
        if self._file is None or not wanted or not len(rows):
            return {}
        filled: dict[str, np.ndarray] = {}
        offset = 0
        for _, _, mapped, _ in self._records():
            at = np.flatnonzero(among(mapped.index.to_numpy(dtype=np.int64), rows))
            for c in wanted:
                if c not in mapped.columns or not len(at):
                    continue
                if c not in filled:
                    filled[c] = frame[c].to_numpy(dtype=object).copy()
                # only the cells `restore` left blank: a kept cell already holds the one copy of its text
                # that the blocks share (a phone in many blocks), which the block's own copy would duplicate
                gaps = at[filled[c][offset + at] == ""]
                filled[c][offset + gaps] = mapped[c].to_numpy(dtype=object)[gaps]
            offset += len(mapped)
        was = {c: frame[c] for c in filled}
        for c, values in filled.items():
            frame[c] = values
        return was

    def _records(self) -> Iterator[tuple[list[str], list[str], pd.DataFrame, pd.DataFrame]]:
        assert self._file is not None
        self._file.seek(0)
        for _ in range(self._blocks):
            yield pickle.load(self._file)  # noqa: S301 - our own file, written by `hold` in this process

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _write(self, record: tuple[object, ...]) -> None:
        try:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="amomigrate-keys-")
            pickle.dump(record, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        except OSError as e:  # a full temporary disk stops the run with what to do, not a traceback
            self.close()
            raise MigrateError(f"cannot keep the phone and e-mail columns on disk in {tempfile.gettempdir()}: "
                               f"{e.strerror or e}. Set TMPDIR to a directory with free space (the million-row "
                               "benchmark's took 86 MB there).") from e  # fmt: skip
        self._blocks += 1


def _joined(part: pd.DataFrame, held: pd.DataFrame, order: list[str], shared: dict[str, np.ndarray]) -> pd.DataFrame:
    if not len(held.columns):
        return part
    kept = {c: kept_cells(held[c], shared.get(c, np.zeros(0, dtype=np.int64))) for c in held.columns}
    return pd.DataFrame({c: kept[c] if c in kept else part[c] for c in order}, index=part.index, columns=order)


def _none() -> KeyHashes:
    return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
