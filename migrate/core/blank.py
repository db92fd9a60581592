"""Which cells of a column are blank (empty or only whitespace): the test every rule, the ledger and the
summary-row search repeat on every column of every block.

`blank_cells` gives the same answer as `series.str.strip() == ""` for text and counts anything that is not
text (a missing value) as not blank, as that expression does; it runs the test as two C-level passes
(`== ""` and `str.isspace` over a list) instead of pandas' per-element string map, ~2.5× faster, which is
seconds on a million-row file. A block's source column whose codes are shared (`column_codes`) is decided
once per distinct value and taken by code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .column_codes import factorized


def blank_cells(series: pd.Series) -> np.ndarray:
    """A bool array, True where the cell is text with nothing but whitespace in it (or nothing)."""
    if isinstance(series.dtype, pd.CategoricalDtype):  # decided once per category, taken by code
        categories = series.cat.categories
        per_category = blank_cells(pd.Series(categories.to_numpy(dtype=object), dtype=object))
        codes = series.cat.codes.to_numpy()
        return np.append(per_category, False)[codes]  # -1 (missing) takes the last: not text, not blank
    shared = factorized(series)  # a block's source column: decided once per distinct value (`column_codes`)
    if shared is not None:
        codes, distinct = shared
        return blank_cells(pd.Series(distinct, dtype=object))[codes]
    values = series.to_numpy(dtype=object)
    items = values.tolist()
    try:
        spaces = np.fromiter(map(str.isspace, items), dtype=bool, count=len(items))
    except TypeError:  # a cell that is not text (NaN, a number): never blank here
        return np.fromiter((isinstance(v, str) and not v.strip() for v in items), dtype=bool, count=len(items))
    return (values == "") | spaces


def filled_cells(series: pd.Series) -> np.ndarray:
    """The complement of `blank_cells`: text with a non-space character, or any value that is not text."""
    return ~blank_cells(series)
