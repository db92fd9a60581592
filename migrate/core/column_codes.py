"""A block's source columns factorized once, for every step of checking it that asks.

Why: checking a 50,000-row block hashed each source column three or four times over — the summary-row
search's `unique`, the ledger's blank test, the transforms' `factorize` (and `hasnans` before it), the
owner and list columns' `factorize` — a fifth of a block worker's samples at a million rows. Within
`shared_codes()` the first step to ask factorizes a column; the others read its codes and distinct values:
a 50,000-row block 7–10 % faster (the first factorization, which hashes the strings, remains).

What a caller may rely on:
- `factorized(series)` is exactly `pd.factorize(series, use_na_sentinel=False)`'s codes with its distinct
  values as a list, or None: outside `shared_codes()`, for a column holding a missing value, or for one
  that is not pandas' `str` dtype with Python storage (the dtype a source table's text columns have; an
  object column's array is a new wrapper at each access, so there is nothing to recognise it by);
- a column is known by its array object, which the scope holds until it ends (so its id is never reused
  within it); nothing within the scope may change a known column in place (a source frame never is);
- scopes nest: an inner `shared_codes()` shares the outer's columns and leaves them to the outer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd

__all__ = ["factorized", "shared_codes"]

#: id(array) → (the array, its codes, its distinct values), or (the array, None, None) for a column with
#: a missing value; None outside a scope
_SCOPE: dict[int, tuple[object, np.ndarray | None, list[object] | None]] | None = None


@contextmanager
def shared_codes() -> Iterator[None]:
    """Remember the str columns factorized within the block (see the module docstring)."""
    global _SCOPE
    outer = _SCOPE
    if outer is None:
        _SCOPE = {}
    try:
        yield
    finally:
        if outer is None:
            _SCOPE = None


def factorized(series: pd.Series) -> tuple[np.ndarray, list[object]] | None:
    """The column's codes and distinct values (first appearance order), or None (see the module docstring)."""
    scope = _SCOPE
    if scope is None:
        return None
    array = series.array
    if not isinstance(array, pd.arrays.StringArray):
        return None
    known = scope.get(id(array))
    if known is None or known[0] is not array:
        codes, uniques = pd.factorize(array)  # a missing value takes -1 here: such a column is not shared
        known = (array, None, None) if len(codes) and codes.min() < 0 else \
            (array, codes, np.asarray(uniques, dtype=object).tolist())  # fmt: skip
        scope[id(array)] = known
    _, codes, values = known
    return None if codes is None else (codes, values)  # type: ignore[return-value]
