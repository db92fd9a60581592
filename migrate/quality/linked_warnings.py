"""Linked-row warnings (`repeated_in_rows`) in two steps: the key cells compared as arrays, then worded.

A deal's contact (company) in several rows is normal and stays in the clusters only; a warning is due
where a row writes it differently from the row it shares the key with (another name, another e-mail —
both non-empty), since that is what would make two records of one client. Compared with that row, not
the cluster's first: in a chain (A–B by phone, B–C by e-mail) A and C may share nothing.

Why two steps: a million-row deals file has 368,214 of these warnings, and wording them (the difference,
the message, the Issue, the spool's key) was ~14 µs each of Python — the largest part of the end-of-file
work after the searches. `linked_batches` needs the key columns and is array work; the words
(`core.linked_words.worded`) need only a batch of plain lists, so they may come from another process
(`migrate.end_wording`) while this one searches the next entity's duplicates.

What a caller may rely on: the issues of `worded(b)` for every `b` of `linked_batches(...)`, in order, are
the linked warnings of those clusters in the Report's order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

from ..core.linked_words import WHAT, LinkedBatch
from ..core.mapping import MappedTable
from .duplicates import Cluster, later_members

__all__ = ["AT_ONCE", "Positions", "linked_batches"]

#: member rows compared at once: bounds the arrays and lists of one batch
AT_ONCE = 8192

#: the source cell of each (target header, row) pair — `duplicates_policy._Cells.values`
SourceCells = Callable[[list[str], np.ndarray], list[object]]


def linked_batches(mapped: MappedTable, cells: SourceCells, clusters: list[Cluster]) -> Iterator[LinkedBatch]:
    """The linked clusters' members that write their client differently, a slice of `AT_ONCE` members at a
    time, entity after entity (in the clusters' order). All member rows of a slice are compared at once,
    and only the differing cells are read (the cells of two million members and their via rows, as
    objects, were the largest arrays of a big file's messages); every field is read as an array and made a
    list once, no Python step per member."""
    frame = mapped.frame
    positions = Positions(frame.index)
    for entity in dict.fromkeys(c.entity for c in clusters):
        rows, vias, fields = later_members([c for c in clusters if c.entity == entity])
        cols = [h for h in frame.columns if h in mapped.targets and mapped.targets[h].entity == entity]
        named = [repr(h) for h in cols]
        columns = [_Comparable(frame[h]) for h in cols]
        for start in range(0, len(rows), AT_ONCE):
            here, there = positions(rows[start : start + AT_ONCE]), positions(vias[start : start + AT_ONCE])
            conflict = np.column_stack([c.conflicts(here, there) for c in columns]) if columns else \
                np.zeros((len(here), 0), dtype=bool)  # fmt: skip
            ks = np.flatnonzero(conflict.any(axis=1))
            if not len(ks):
                continue
            member_rows, kinds, keys, scores, headers, member_vias, firsts = fields(ks + start)
            differing = conflict[ks]
            at, which = np.nonzero(differing)  # row-major: a member's cells together, columns in order
            these, those = _differing(columns, which, here[ks][at]), _differing(columns, which, there[ks][at])
            values = cells(headers, rows[start + ks])
            sources = {h: mapped.sources.get(h) for h in dict.fromkeys(headers)}
            yield LinkedBatch(WHAT.get(entity, entity), named, sources, member_rows, kinds, keys, scores, headers,
                              member_vias, firsts, values, np.cumsum(differing.sum(axis=1)).tolist(), which.tolist(),
                              these, those)  # fmt: skip


class _Comparable:
    """One column's cells compared between member rows and the rows they join, by position: a categorical
    column by its codes (equal codes ⇔ equal texts; its texts built only for the rows that differ), any
    other column as its objects. Why: `frame.loc[rows, cols].to_numpy(dtype=object)` of every member and
    via row was a quarter of the messages' time on a million-row deals file (368,214 warnings)."""

    def __init__(self, column: pd.Series) -> None:
        codes = column.cat.codes.to_numpy() if isinstance(column.dtype, pd.CategoricalDtype) else None
        if codes is not None and not (codes < 0).any():  # a missing cell compares as NaN does: as an object
            texts = column.cat.categories.to_numpy(dtype=object)
            self.values, self.texts = codes, texts
            blank = np.flatnonzero(texts == "")
            self.blank: object = int(blank[0]) if len(blank) else -1
        else:
            self.values, self.texts, self.blank = column.to_numpy(dtype=object), None, ""

    def conflicts(self, here: np.ndarray, there: np.ndarray) -> np.ndarray:
        """Per pair of positions: both cells non-empty and different."""
        a, b = self.values[here], self.values[there]
        return (a != b) & (a != self.blank) & (b != self.blank)

    def cells(self, at: np.ndarray) -> np.ndarray:
        return self.values[at] if self.texts is None else self.texts[self.values[at]]


class Positions:
    """Labels → their positions in `index`. Row numbers in order (a block pass's frame, a whole table's)
    are found by binary search: `get_indexer` builds the index's hash table and the frame keeps it, which
    was +40 MB at a million rows and +100 MB at two on the searches' peak. Any other index is read through
    its hash table. A label the index lacks raises KeyError (the searches and the frame disagree)."""

    def __init__(self, index: pd.Index) -> None:
        self.index, self.values = index, index.to_numpy()
        values = self.values
        self.in_order = values.dtype.kind in "iu" and (len(values) < 2 or bool((values[1:] > values[:-1]).all()))

    def __call__(self, labels: np.ndarray) -> np.ndarray:
        values = self.values
        if self.in_order:
            at = np.minimum(np.searchsorted(values, labels), max(len(values) - 1, 0))
            missing = values[at] != labels if len(values) else np.ones(len(labels), dtype=bool)
        else:
            at = self.index.get_indexer(labels)
            missing = at < 0
        if missing.any():
            raise KeyError(f"rows not in the mapped frame: {np.asarray(labels)[missing][:5].tolist()}")
        return at


def _differing(columns: list[_Comparable], which: np.ndarray, at: np.ndarray) -> list[object]:
    """The cell of column `which[k]` at position `at[k]`, for each k."""
    out = np.empty(len(at), dtype=object)
    for j, column in enumerate(columns):
        mine = np.flatnonzero(which == j)
        if len(mine):
            out[mine] = column.cells(at[mine])
    return out.tolist()
