"""A block pass's key columns: one object per distinct text across blocks, and each text's code in the
file, so that joining the blocks at the end is a take per block, not a hash of every block's categories.

Why: the block pass keeps each block's contact and company columns as categoricals until the duplicate
search. A block's categories are its own copies, and a company in every block was held once per block (a
million-row file held 632,000 company names for its 50,000 firms), so `interned` makes them the objects
an earlier block already holds. Joining the blocks then factorized those 632,000 categories again
(`core.category_union.joined`, 0.23–0.32 s a column at 1M rows, on one core, at the start of the searches).
The vocabulary already knows each text's place in the order of first appearance — the order the join
gives — so `joined` recodes each block by the map `interned` recorded.

What a caller may rely on: `interned` changes neither values, codes nor order of a frame; `joined(parts)`
equals `category_union.joined` of each column's parts (same categories in the same order, same dtype,
same codes). A column stops being interned (its vocabulary is dropped) at the first block where fewer than
a quarter of its texts were seen before: e-mails and phones, nearly all distinct, would grow a dictionary
with the file and share nothing; such a column, and any column whose parts are not the blocks `interned`
saw (other categories, another count), is joined by `category_union.joined`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .category_union import joined

__all__ = ["KeyVocab"]


@dataclass
class _Column:
    codes: dict[str, int] = field(default_factory=dict)  # text → its code in the file (order of first appearance)
    texts: list[str] = field(default_factory=list)  # code → the one object held for that text
    dtype: object = None  # the categories' dtype (every block's, else the column is not recoded)
    blocks: list[pd.Index] = field(default_factory=list)  # each block's categories, as interned
    maps: list[np.ndarray] = field(default_factory=list)  # each block's category → code in the file


class KeyVocab:
    """The key columns' vocabularies, by column name (a prefix tells mapped and source columns apart)."""

    def __init__(self) -> None:
        self._columns: dict[str, _Column | None] = {}

    def interned(self, frame: pd.DataFrame, prefix: str = "") -> pd.DataFrame:
        """`frame` (a block's categorical key columns), each column's categories made the objects earlier
        blocks hold for the same texts (in place; returned for convenience)."""
        for name in frame.columns:
            key = prefix + name
            column = self._columns.setdefault(key, _Column())
            if column is None:
                continue
            categories = frame[name].cat.categories
            texts = categories.tolist()
            before, known = len(column.codes), column.codes
            # a new text gets the next code (`len` is read before `setdefault` adds it), a known one its own
            found = [known.setdefault(t, len(known)) for t in texts]
            column.texts += [t for t, c in zip(texts, found, strict=True) if c >= before]
            seen = len(texts) - (len(known) - before)
            if texts:
                shared = pd.Index([column.texts[c] for c in found], dtype=categories.dtype)
                frame[name] = pd.Categorical.from_codes(frame[name].cat.codes.to_numpy(), categories=shared)
                if column.dtype is None:
                    column.dtype = categories.dtype
                categories = shared
            column.blocks.append(categories)
            column.maps.append(np.array(found, dtype=np.int32 if len(known) < 2**31 else np.int64))
            if before and seen * 4 < len(texts):
                self._columns[key] = None
        return frame

    def joined(self, parts: list[pd.DataFrame], prefix: str = "") -> pd.DataFrame:
        """The parts end to end (the columns of the first), each column one categorical over the whole
        file (see the module docstring)."""
        if not parts:
            return pd.DataFrame()
        index = pd.Index(np.concatenate([p.index.to_numpy(dtype="int64") for p in parts]), dtype="int64")
        columns = {name: pd.Series(self._joined_column([p[name].array for p in parts], prefix + name), index=index,
                                   name=name) for name in parts[0].columns}  # fmt: skip
        return pd.DataFrame(columns, index=index, columns=list(parts[0].columns))

    def _joined_column(self, arrays: list[pd.Categorical], key: str) -> pd.Categorical:
        column = self._columns.get(key)
        if column is None or column.dtype is None or not self._saw(column, arrays):
            return joined(arrays)
        codes = np.concatenate([_recoded(a.codes, m) for a, m in zip(arrays, column.maps, strict=True)])
        return pd.Categorical.from_codes(codes, categories=pd.Index(column.texts, dtype=column.dtype))

    @staticmethod
    def _saw(column: _Column, arrays: list[pd.Categorical]) -> bool:
        """Whether `arrays` are the blocks `interned` recorded, in order (their categories the same texts)."""
        if len(arrays) != len(column.blocks):
            return False
        for array, categories in zip(arrays, column.blocks, strict=True):
            mine = array.categories
            if len(mine) != len(categories):
                return False
            if len(mine) and (mine.dtype != column.dtype or not mine.equals(categories)):
                return False
        return True


def _recoded(codes: np.ndarray, to_file: np.ndarray) -> np.ndarray:
    """A block's codes as codes in the file; a missing cell (-1) stays -1."""
    if not len(to_file):  # no categories: every cell missing
        return np.full(len(codes), -1, dtype=np.int64)
    return np.where(codes < 0, -1, to_file[np.maximum(codes, 0)])
