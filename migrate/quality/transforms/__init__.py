"""The transform registry: every named value transform, and how a whole column is transformed.

This is the one place the transform modules are assembled (`values`, `more`; `dates` parses for them);
they import their shared types from `base`, never from here, so there is no import cycle. Rules each
transform keeps are in its module's docstring; `TRANSFORMS` holds them by name.

Transforms are pure and deterministic, which is what lets `apply_transform` run each one once per
distinct value of a column and broadcast the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice

import numpy as np
import pandas as pd

from ...core.column_codes import factorized
from ...core.limits import MAX_CELL, PARSE_MAX
from .base import Outcome, TransformContext, TransformFn, fail
from .more import split_person_name, transform_checkbox, transform_name, transform_url
from .values import (
    transform_date,
    transform_datetime,
    transform_email,
    transform_html,
    transform_number,
    transform_phone,
    transform_text,
)

__all__ = [
    "TRANSFORMS",
    "ColumnResult",
    "Outcome",
    "TransformContext",
    "TransformFn",
    "apply_transform",
    "get_transform",
    "split_person_name",
    "transform_checkbox",
    "transform_date",
    "transform_datetime",
    "transform_email",
    "transform_html",
    "transform_name",
    "transform_number",
    "transform_phone",
    "transform_text",
    "transform_url",
]

TRANSFORMS: dict[str, TransformFn] = {
    "text": transform_text,
    "number": transform_number,
    "phone": transform_phone,
    "email": transform_email,
    "date": transform_date,
    "datetime": transform_datetime,
    "html": transform_html,
    "checkbox": transform_checkbox,
    "url": transform_url,
    "name": transform_name,
}


def get_transform(name: str) -> TransformFn:
    """The registered transform `name`; ValueError naming the known ones when there is none."""
    try:
        return TRANSFORMS[name]
    except KeyError:
        known = ", ".join(sorted(TRANSFORMS))
        raise ValueError(f"Unknown transform {name!r}; known transforms: {known}.") from None


@dataclass
class ColumnResult:
    """A transformed column; every Series has the input's index, in the input's order."""

    values: pd.Series  # str: canonical text, or the original where `failed`
    failed: pd.Series  # bool
    extras: pd.Series  # object: tuple[str, ...] per row (empty tuple when none)
    rounded: pd.Series  # bool


_EMPTY = Outcome("")


def _outcome(fn: TransformFn, raw: object, ctx: TransformContext, limit: int | None) -> Outcome:
    """Run `fn` on one distinct cell; a blank cell is an empty, valid value (required is checked apart).

    Over-long cells are never parsed: past `limit` (`PARSE_MAX`) a typed cell fails (it cannot be one
    value of the type); text past `MAX_CELL` is kept as it is, and the length check reports it."""
    text = raw if isinstance(raw, str) else str(raw)
    if limit is not None and len(text) > limit:
        return fail(text)
    if limit is None and len(text) > MAX_CELL:
        return Outcome(text)
    return _EMPTY if not text.strip() else fn(text, ctx)


#: Outcomes remembered across calls, per (transform, context, column): re-validating after a small profile
#: edit in a notebook recomputes nothing it has seen, and a block pass computes a company repeated in every
#: block once. Transforms are pure, so a remembered outcome is exact. A column stops being remembered
#: (`None`) at a call where fewer than a quarter of its distinct values were seen before, or when the memo
#: is past `MEMO_LIMIT` and it is among the largest (deal names, e-mails, phones: nearly all distinct), so
#: the columns whose values do repeat keep theirs (it was one memo, emptied whenever it was full: a
#: million-row file emptied it at every block and computed every company again).
_MEMO: dict[tuple[TransformFn, TransformContext, object], dict[object, Outcome] | None] = {}
#: values remembered in all. ~250 bytes a value: 200,000 keep it near 50 MB
MEMO_LIMIT = 200_000


def _outcomes(fn: TransformFn, values: list[object], ctx: TransformContext, column: object,
              limit: int | None) -> list[Outcome]:  # fmt: skip
    """Each distinct value's Outcome, through the column's memo while it pays (see `_MEMO`)."""
    memo = _MEMO.setdefault((fn, ctx, column), {})
    if memo is None:
        return [_outcome(fn, raw, ctx, limit) for raw in values]
    before = len(memo)
    outcomes = [memo[raw] if raw in memo else memo.setdefault(raw, _outcome(fn, raw, ctx, limit)) for raw in values]
    seen = len(values) - (len(memo) - before)
    if before and seen * 4 < len(values):
        _MEMO[(fn, ctx, column)] = None
    _evict()
    return outcomes


def _evict() -> None:
    """Past `MEMO_LIMIT`, stop remembering the largest columns until the memo is down to half of it."""
    held = sum(len(m) for m in _MEMO.values() if m is not None)
    if held <= MEMO_LIMIT:
        return
    largest = sorted(((k, m) for k, m in _MEMO.items() if m is not None), key=lambda km: len(km[1]), reverse=True)
    for key, memo in largest:
        if held <= MEMO_LIMIT // 2:
            break
        _MEMO[key] = None
        held -= len(memo)


#: per memo, how many of its first entries `settle_memo` has already moved
_SETTLED: dict[tuple[TransformFn, TransformContext, object], int] = {}


def settle_memo() -> None:
    """Move the values remembered since the last call, with their outcomes' texts, into new objects.

    Why: a memo's keys are the cells of the block being checked, and an Outcome's value is often that
    very cell. Each one kept holds the allocator's page of the block's strings it sits in, so a block
    worker's memory grew by ~700 bytes a remembered value instead of ~250 (at 1M rows, 100,000 companies
    and INNs kept each worker ~70 MB over its size without them). Copied once the block is freed, they
    fill pages already in use. Equal texts, so nothing a caller reads changes; only new entries are
    copied, in place, so a memo that stopped growing costs one length check a call and one that grew costs
    its new entries (rebuilding the whole memo at each block was ~0.04 s a block at 50,000 companies).
    The memo's order is kept: entries are moved to its end in the order they were added."""
    for key, memo in _MEMO.items():
        done = _SETTLED.get(key, 0)
        if memo is None or len(memo) == done:
            continue
        if len(memo) < done:  # a memo begun again since
            done = 0
        new = list(islice(memo.items(), done, None))
        for raw, _ in new:
            del memo[raw]
        for raw, outcome in new:
            fresh, settled = _moved(raw, outcome)
            memo[fresh] = settled
        _SETTLED[key] = len(memo)


def _moved(raw: object, outcome: Outcome) -> tuple[object, Outcome]:
    key = _fresh(raw)
    value = key if outcome.value is raw else _fresh(outcome.value)
    extras = tuple(_fresh(e) for e in outcome.extras) if outcome.extras else ()
    return key, Outcome(value, outcome.ok, extras, outcome.rounded)  # type: ignore[arg-type]


def _fresh(value: object) -> object:
    """An equal text in a new object (`str(text)` and `text[:]` return the same one; "" is one object)."""
    return (value + " ")[:-1] if isinstance(value, str) else value


_DEFAULT_CONTEXT = TransformContext()


def apply_transform(series: pd.Series, name: str, ctx: TransformContext = _DEFAULT_CONTEXT) -> ColumnResult:
    """Transform a column, calling the transform once per distinct value and broadcasting with `map`.

    Blank (or missing) cells map to `""` and count as valid: emptiness is the "required" check's business.
    Cost is per distinct value: 100,000 rows with 1,000 distinct phones take ~0.06 s; 100,000 distinct
    phones ~4 s, nearly all inside `phonenumbers` (~40 µs a number).
    """
    fn = get_transform(name)
    # each row's distinct value as an int: broadcasting is then one take, not a hash lookup per row
    shared = factorized(series)  # a block's source column, factorized once for every step (`column_codes`)
    if shared is not None:
        keys, (codes, values) = series, shared
    else:
        keys = series.where(series.notna(), "") if series.hasnans else series  # missing cells read as blank
        codes, distinct = pd.factorize(keys, use_na_sentinel=False)
        values = np.asarray(distinct, dtype=object).tolist()  # a list: an Index of str iterates slowly
    outcomes = _outcomes(fn, values, ctx, series.name, PARSE_MAX.get(name))

    # per distinct value: its text checked as a str once (`astype("str")` of the rows checked every row), its
    # flags as a bool array; then one take per column
    texts = pd.array([o.value for o in outcomes], dtype="str")
    oks = np.fromiter((o.ok for o in outcomes), dtype=bool, count=len(outcomes))
    rounded = np.fromiter((o.rounded for o in outcomes), dtype=bool, count=len(outcomes))
    extras = np.empty(len(outcomes), dtype=object)
    extras[:] = [o.extras for o in outcomes]
    return ColumnResult(
        values=pd.Series(texts.take(codes), index=keys.index),
        failed=pd.Series(~oks[codes], index=keys.index),
        extras=pd.Series(extras[codes], index=keys.index, dtype=object),
        rounded=pd.Series(rounded[codes], index=keys.index),
    )
