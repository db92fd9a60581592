"""Cell keys of the duplicate rules: which phones, e-mails, INNs and folded names one mapped cell holds.

Shared by the duplicate search (duplicates.py), the repeated-client keys of the upload (clients.py) and the
short-name signals (near_names.py), so all three read a cell the same way.
"""

from __future__ import annotations

import re
from functools import lru_cache
from operator import mul

import numpy as np
import pandas as pd

from .fuzzy import company_key

_PHONE = re.compile(r"\+\d{7,15}(?: доб\. \d+)?")
# starts only where a run of address characters starts: linear on a 100,000-character cell without '@'
_EMAIL = re.compile(r"(?<![^@\s,;])[^@\s,;]++@[^@\s,;]++")
_INN_SEPARATORS = re.compile(r"[\s\-]")
_DIGIT_RUN = re.compile(r"(?<!\d)(?:\d{12}|\d{10})(?!\d)")
_INN_HEADER = re.compile(r"(?<![а-яёa-z])инн(?![а-яёa-z])", re.IGNORECASE)
_INN_WEIGHTS = {
    10: ((2, 4, 10, 3, 5, 9, 4, 6, 8),),
    12: ((7, 2, 4, 10, 3, 5, 9, 4, 6, 8), (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)),
}


def _phones(cell: str) -> list[str]:
    # a cell that is one phone (the usual mapped cell) is its own key: the same object, not a copy of it —
    # a million-row file's keys would otherwise be a second million strings
    return [cell] if _PHONE.fullmatch(cell) else _PHONE.findall(cell)


def _emails(cell: str) -> list[str]:
    if _EMAIL.fullmatch(cell):  # one address, as `_phones`: the cell itself when it is already folded
        folded = cell.casefold()
        return [cell if folded == cell else folded]
    return [e.casefold() for e in _EMAIL.findall(cell)]


def _inns(cell: str) -> list[str]:
    """The INN of a cell: "7707 083 893" → 7707083893; "7707083893 / 770701001" (INN/KPP) → the INN."""
    return [c for c in _inn_candidates(cell) if valid_inn(c)][:1]


def _inn_shapes(cell: str) -> list[str]:
    """Anything shaped like an INN, check digits or not: evidence enough that two firms differ."""
    return [c for c in _inn_candidates(cell) if len(set(c)) > 1][:1]


def _inn_candidates(cell: str) -> list[str]:
    """Digit strings that may be the cell's INN, in order, each once (a clean cell is its own digit run:
    checking it three times cost a third of a big file's duplicate search)."""
    digits = _INN_SEPARATORS.sub("", cell)
    found = ([digits] if digits.isdigit() else []) + _DIGIT_RUN.findall(digits) + _DIGIT_RUN.findall(cell)
    return list(dict.fromkeys(found)) if len(found) > 1 else found


def _names(cell: str) -> list[str]:
    return [company_key(cell)] if cell.strip() else []


_CELL_KEYS = {"phone": _phones, "email": _emails, "inn": _inns, "inn-shape": _inn_shapes, "name": _names}


def cell_keys(kind: str, cell: str) -> list[str]:
    """The keys of one mapped cell by the rules above: `phone` (E.164, extension kept), `email`
    (case-folded), `inn` (valid check digits only), `name` (`company_key`)."""
    return _CELL_KEYS[kind](cell)


def keys_per_row(which: np.ndarray, sizes: np.ndarray, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(i, key) for each key of the distinct cell `which[i]`: the keys of distinct cell d are `sizes[d]`
    entries of `flat`, those of cell d − 1 just before them. The keys are read once per distinct cell
    text; this broadcasts them to the rows, a cell with several keys giving several lines."""
    starts = np.cumsum(sizes) - sizes
    count = sizes[which]
    rows = np.repeat(np.arange(len(which)), count)
    offset = np.arange(len(rows)) - np.repeat(np.cumsum(count) - count, count)
    return rows, flat[starts[which][rows] + offset] if len(rows) else np.zeros(0, dtype=np.int64)


def is_inn_header(header: str) -> bool:
    """Whether a target header holds an INN (the word «ИНН» in it)."""
    return bool(_INN_HEADER.search(header))


@lru_cache(maxsize=1 << 16)
def valid_inn(digits: str) -> bool:
    """A Russian INN: 10 digits (organisation) or 12 (person), check digits right, not one digit repeated.

    Memoised (bounded): a file repeats its clients' INNs on many rows, and the check is pure Python."""
    if len(digits) not in _INN_WEIGHTS or not digits.isdigit() or digits.count(digits[0]) == len(digits):
        return False
    # ASCII digits as bytes iterate as ints in C; other Unicode digits (which int() reads) the slow way
    nums = digits.encode() if digits.isascii() else bytes(48 + int(c) for c in digits)
    for weights in _INN_WEIGHTS[len(digits)]:
        check = (sum(map(mul, weights, nums)) - 48 * sum(weights)) % 11 % 10
        if check != nums[len(weights)] - 48:
            return False
    return True


# --- the INN veto on name joins (duplicates._entity_edges) ----------------------------------------------


def _veto_other_inn(edges: pd.DataFrame, inn: pd.DataFrame | None) -> pd.DataFrame:
    """Drop name joins between rows whose INNs are both filled in and differ: namesakes, not duplicates.
    Any INN-shaped value counts here, a bad check digit too: a wrong INN is still a different one."""
    if inn is None or edges.empty:
        return edges
    rows = inn["row"].to_numpy(dtype="int64")
    if len(rows) > 1 and not (rows[1:] > rows[:-1]).all():  # one INN column's keys come one per row, in order
        inn = inn.drop_duplicates("row")
        rows = inn["row"].to_numpy(dtype="int64")
        order = np.argsort(rows, kind="stable")
        rows, inn = rows[order], inn.iloc[order]
    code = pd.factorize(inn["key"])[0]  # compared as ints: no object column per edge end
    ia, ib = (_code_at(rows, code, edges[end].to_numpy(dtype="int64")) for end in ("a", "b"))
    vetoed = (ia >= 0) & (ib >= 0) & (ia != ib)
    return edges[~vetoed] if vetoed.any() else edges  # no copy of a million edges to drop none


def _code_at(rows: np.ndarray, code: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """`code` of each wanted row (-1: none), found by binary search in the sorted `rows`: no hash table of
    two million rows for each end of the edges."""
    if not len(rows):
        return np.full(len(wanted), -1, dtype=np.int64)
    at = np.minimum(np.searchsorted(rows, wanted), len(rows) - 1)
    return np.where(rows[at] == wanted, code[at], -1)
