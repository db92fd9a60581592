"""Infer an AmoCRM custom-field type from a column's values, with the reason a person can check.

Used by the setup plan: for a source column nothing maps to, what field would hold it? Every test runs
once per distinct value (through the value transforms, which remember their outcomes), so a 100,000-row
column costs its distinct values, not its rows.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from .transforms import TransformContext, get_transform

MAX_SELECT_OPTIONS = 20  # more distinct values than this is free text, not a list
MAX_MULTI_OPTIONS = 30
LONG_TEXT = 250  # a value this long (or a line break) makes the field a textarea
_SPLIT = re.compile(r"\s*[,;]\s*")
_MONEY_WORDS = re.compile(r"сумм|цен|стоим|бюджет|оплат|выручк|руб|price|amount|cost", re.IGNORECASE)


@dataclass
class Inferred:
    type: (
        str  # an AmoCRM field type: numeric, price, date, date_time, checkbox, url, select, multiselect, textarea, text
    )
    reason: str
    options: list[str] = field(default_factory=list)
    standard: str | None = None  # "email"/"phone": belongs in a predefined field, not a new custom one


_CTX = TransformContext()


def _all_ok(values: list[str], transform: str) -> bool:
    fn = get_transform(transform)
    return bool(values) and all(fn(v, _CTX).ok for v in values)


def _options_by_frequency(counts: Counter[str]) -> list[str]:
    return [v for v, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def infer_type(header: str, column: pd.Series) -> Inferred:
    """The field type for `column` (text cells), most specific first; empty columns are text."""
    filled = column[column.str.strip() != ""].str.strip()
    if filled.empty:
        return Inferred("text", "the column is empty")
    counts = Counter(filled.tolist())
    distinct = list(counts)
    if _all_ok(distinct, "phone") and not _all_ok(distinct, "number"):
        return Inferred("text", "phone numbers: map to a PHONE column instead of a new field", standard="phone")
    if _all_ok(distinct, "email"):
        return Inferred("text", "e-mail addresses: map to an EMAIL column instead of a new field", standard="email")
    if all(v.isdigit() for v in distinct) and (
        any(v.startswith("0") and len(v) > 1 for v in distinct) or min(map(len, distinct)) >= 9
    ):
        return Inferred("text", "digit codes (INN, IDs): text keeps their leading zeros")
    if _all_ok(distinct, "number"):
        if _MONEY_WORDS.search(header):
            return Inferred("price", "every value is a number and the header names money")
        return Inferred("numeric", "every value is a number")
    if _all_ok(distinct, "date"):
        with_time = any(":" in v for v in distinct)
        kind = "date_time" if with_time else "date"
        return Inferred(kind, "every value is a date" + (" with a time" if with_time else ""))
    if _all_ok(distinct, "checkbox"):
        return Inferred("checkbox", "every value is yes/no (Да/Нет, 1/0)")
    if _all_ok(distinct, "url"):
        return Inferred("url", "every value is a web address")
    longest = max(len(v) for v in distinct)
    if longest >= LONG_TEXT or any("\n" in v for v in distinct):
        return Inferred("textarea", f"long text (up to {longest} characters) or line breaks")
    multi = _multiselect(filled)
    if multi is not None:
        return multi
    repeats = len(filled) / len(distinct)
    if len(distinct) <= MAX_SELECT_OPTIONS and repeats >= 2:
        return Inferred("select", f"{len(distinct)} distinct values repeated over {len(filled)} rows",
                        _options_by_frequency(counts))  # fmt: skip
    return Inferred("text", f"{len(distinct)} distinct short values: free text")


def _multiselect(filled: pd.Series) -> Inferred | None:
    """Cells holding comma/semicolon-separated lists of a small vocabulary are a multiselect."""
    has_list = filled.str.contains(r"[,;]", regex=True)
    if not has_list.any() or has_list.mean() < 0.2:
        return None
    parts = Counter(p for cell in filled.unique() for p in _SPLIT.split(cell) if p)
    weighted = Counter(p for cell in filled for p in _SPLIT.split(cell) if p)
    if len(parts) > MAX_MULTI_OPTIONS or sum(weighted.values()) < 2 * len(parts):
        return None
    return Inferred("multiselect", f"cells hold lists of {len(parts)} options", _options_by_frequency(weighted))
