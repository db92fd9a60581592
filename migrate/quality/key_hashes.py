"""Phones and e-mails as 64-bit key hashes: which cells hold a key that another row holds too.

Why: a contact's phones and e-mails are nearly all distinct (a 2M-row deals file has two million e-mails),
yet the searches read them only for equality of their keys (`duplicates_keys.cell_keys`): the duplicate
search joins rows that share one, the repeated-client count anchors a contact on one shared with another
row, the short-name check confirms a pair on one both rows hold. A cell none of whose keys another row
holds joins, anchors and confirms nothing: a search given it blank finds what it finds given its text. So
a block pass keeps a hash per key and its row (`cell_key_hashes`, computed where the block was checked),
decides at the end which cells hold a shared key (`shared_cells`), and brings back the text of those cells
only (`kept_cells`) for the searches. The duplicate messages are the one reader of other cells: they
compare every cell of a cluster's member row with the row it joins, so a pass gives the clusters' rows
their texts back before it words them (`held_keys.HeldKeys.refill`).

What a caller may rely on: a cell is kept when any of its keys, by the rules of its own column's kind (raw
and stripped), hashes equal to a key of a cell in another row of any hashed column (any kind). Hash
collisions and keys of different kinds that happen to be equal only keep more cells, never fewer. A
column's kind is its target's code (PHONE → `phone`, EMAIL → `email`), as every search reads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ..core.distinct import sorted_distinct
from ..core.schema import Target
from .duplicates_keys import cell_keys, is_inn_header, keys_per_row

__all__ = ["HASHED_CODES", "KEY_ENTITIES", "KeyHashes", "among", "cell_key_hashes", "distinct_rows", "hashed_headers",
           "kept_cells", "shared_cells"]

#: target codes whose columns a block pass keeps as key hashes, with the key kind each is read as
HASHED_CODES = {"PHONE": "phone", "EMAIL": "email"}
#: the entities whose columns the end-of-file searches read (duplicates and repeated clients)
KEY_ENTITIES = ("contacts", "companies")

#: per key: its hash and the row (label) of its cell
KeyHashes = tuple[np.ndarray, np.ndarray]


def hashed_headers(targets: Mapping[str, Target], headers: Iterable[str]) -> dict[str, str]:
    """header → key kind, for the contact and company phone and e-mail columns among `headers` (an INN
    header is an INN to every search, whatever its code)."""
    out = {}
    for h in headers:
        t = targets.get(h)
        if t is not None and t.entity in KEY_ENTITIES and t.code in HASHED_CODES and not is_inn_header(h):
            out[h] = HASHED_CODES[t.code]
    return out


def cell_key_hashes(column: pd.Series, kind: str) -> KeyHashes:
    """(hashes uint64, rows int64): one line per distinct key of each cell, its keys read once per distinct
    cell text, from the text as it is (the duplicate search reads it so) and stripped (the repeated-client
    count and the short-name check do)."""
    codes, distinct = pd.factorize(column)
    sizes = np.zeros(len(distinct), dtype=np.int64)
    flat: list[str] = []
    for i, text in enumerate(distinct.tolist()):
        if not isinstance(text, str) or not (stripped := text.strip()):
            continue
        keys = cell_keys(kind, text)
        if stripped != text:
            keys = list(dict.fromkeys([*keys, *cell_keys(kind, stripped)]))
        elif len(keys) > 1:
            keys = list(dict.fromkeys(keys))
        sizes[i] = len(keys)
        flat.extend(keys)
    hashes = pd.util.hash_array(np.array(flat, dtype=object)) if flat else np.zeros(0, dtype=np.uint64)
    # a missing cell (code -1) reads an entry appended with no keys
    which = np.where(codes >= 0, codes, len(sizes))
    at, found = keys_per_row(which, np.append(sizes, 0), np.arange(len(flat), dtype=np.int64))
    return hashes[found], column.index.to_numpy(dtype=np.int64)[at]


def shared_cells(found: Mapping[str, list[KeyHashes]]) -> dict[str, np.ndarray]:
    """header → the rows (sorted, distinct) whose cell in that column holds a key another row holds too,
    in any of the columns of `found`."""
    names = [n for n in found if found[n]]
    if not names:
        return {n: np.zeros(0, dtype=np.int64) for n in found}
    sizes = [sum(len(h) for h, _ in found[n]) for n in names]
    hashes = np.concatenate([h for n in names for h, _ in found[n]])
    rows = np.concatenate([r for n in names for _, r in found[n]])
    order = np.argsort(hashes, kind="stable")
    sorted_hashes = hashes[order]
    del hashes
    sorted_rows = rows[order]
    starts = np.flatnonzero(np.r_[True, sorted_hashes[1:] != sorted_hashes[:-1]]) if len(order) else order
    del sorted_hashes
    # a key held by two rows: its lines' rows are not all one row
    many = np.minimum.reduceat(sorted_rows, starts) != np.maximum.reduceat(sorted_rows, starts) if len(starts) \
        else np.zeros(0, dtype=bool)  # fmt: skip
    del sorted_rows
    shared = np.empty(len(order), dtype=bool)
    shared[order] = np.repeat(many, np.diff(np.r_[starts, len(order)]))
    del order
    out = {n: np.zeros(0, dtype=np.int64) for n in found}
    edges = np.r_[0, np.cumsum(sizes)]
    for n, start, stop in zip(names, edges[:-1], edges[1:], strict=True):
        out[n] = distinct_rows([rows[start:stop][shared[start:stop]]])
    return out


def distinct_rows(parts: list[np.ndarray]) -> np.ndarray:
    """The sorted distinct rows of `parts`: marked in a flag per row number (rows are row numbers, from 1)
    rather than sorted, which for millions of rows was a quarter of the restore."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return np.zeros(0, dtype=np.int64)
    low, high = min(int(p.min()) for p in parts), max(int(p.max()) for p in parts)
    if low < 0 or high > 4 * sum(map(len, parts)) + (1 << 20):  # not row numbers: sort them
        return sorted_distinct(np.concatenate(parts)).astype(np.int64)
    seen = np.zeros(high + 1, dtype=bool)
    for p in parts:
        seen[p] = True
    return np.flatnonzero(seen).astype(np.int64)


def kept_cells(column: pd.Series, rows: np.ndarray) -> pd.Series:
    """A categorical column with every cell outside `rows` (sorted labels) blank (""), as an empty cell is
    in every mapped frame, and the categories only its cells use (the others' texts are let go)."""
    keep = among(column.index.to_numpy(dtype=np.int64), rows)
    categories = column.cat.categories
    codes = column.cat.codes.to_numpy().copy()
    dtype = column.dtype
    if not keep.all():
        at = np.flatnonzero(categories.to_numpy(dtype=object) == "")  # no hash table of the categories
        if len(at):
            blank = int(at[0])
        else:
            categories, blank = categories.append(pd.Index([""], dtype=object)), len(categories)
            dtype = pd.CategoricalDtype(categories)
        codes[~keep] = blank
    kept = pd.Categorical.from_codes(codes, dtype=dtype).remove_unused_categories()
    return pd.Series(kept, index=column.index, name=column.name)


def among(labels: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Which `labels` are in `rows` (sorted): a binary search each, no hash table of either."""
    if not len(rows):
        return np.zeros(len(labels), dtype=bool)
    return rows[np.minimum(np.searchsorted(rows, labels), len(rows) - 1)] == labels
