"""Summary rows: a «Итого» / «Всего» / «Total» line that carries sums is not a record.

Spreadsheets that people (and 1C) export end with a totals row, and sub-totals appear between groups.
Imported, such a row becomes a deal called «ИТОГО» with the sum of all budgets. A row counts as a summary
when one of its cells *starts* with a summary word (Итого, Итог, Всего, Total, Subtotal, Grand total …),
another cell holds a number, and the row is sparse (at most half of the columns filled, two at least
allowed) — a client named «Всего понемногу» with a full row of data stays a record.

Per distinct value: the summary-word regex runs once per distinct cell text of a column and is broadcast
with `isin`; only the few candidate rows are then looked at one by one (100,000 rows × 20 columns: ~0.3 s).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from .column_codes import factorized

_WORD = r"(?:итого|итог|всего|в\s+том\s+числе|total|totals|grand\s+total|sub-?total|sum)"
_SUMMARY = re.compile(rf"\s*{_WORD}(?:\s*[:.]|\s+(?:по|for|of)\b.*|\s*)\s*", re.IGNORECASE | re.DOTALL)
_NUMBER = re.compile(r"[-+−]?\s?[\d\s\u00a0.,']*\d[\d\s\u00a0.,']*\s?(?:₽|руб\.?|р\.|\$|€|%)?")


_FIRST = frozenset("ивtgs")  # first letters of the summary words: most cells are ruled out by one look


def _summary_cells(column: pd.Series) -> pd.Series:
    shared = factorized(column)  # a block's source column, factorized once for every step (`column_codes`)
    distinct = shared[1] if shared is not None else np.asarray(column.unique(), dtype=object).tolist()
    words = [v for v in distinct if isinstance(v, str) and v.lstrip()[:1].casefold() in _FIRST and len(v) <= 60
             and _SUMMARY.fullmatch(v)]  # fmt: skip
    if not words:
        return pd.Series(False, index=column.index)
    if shared is None:
        return column.isin(words)
    found = set(words)
    return pd.Series(np.fromiter((v in found for v in distinct), dtype=bool, count=len(distinct))[shared[0]],
                     index=column.index)  # fmt: skip


def summary_rows(frame: pd.DataFrame) -> dict[int, tuple[str, str]]:
    """Physical row → (column, cell text) of every summary row of a SourceTable's frame."""
    if frame.empty or len(frame.columns) < 2:
        return {}
    hits = pd.DataFrame({c: _summary_cells(frame[c]) for c in frame.columns}, index=frame.index)
    candidates = hits.index[hits.any(axis=1)]
    if len(candidates) == 0:
        return {}
    limit = max(2, math.ceil(len(frame.columns) / 2))
    found = {}
    for row in candidates:
        cells = frame.loc[row]
        filled = [c for c in frame.columns if isinstance(cells[c], str) and cells[c].strip()]  # missing: not filled
        word = next(c for c in frame.columns if hits.at[row, c])
        numbers = [c for c in filled if c != word and _NUMBER.fullmatch(cells[c].strip())]
        if numbers and len(filled) <= limit:
            found[int(row)] = (str(word), cells[word])
    return found
