"""Short company names one typo apart («Хакезопу» / «Хакзопу», 6–8 letters, the usual length of a brand):
joined only when a second signal in the rows agrees, else reported as a *possible* duplicate, never merged.

Why a second signal: among short names one letter is often the whole difference between two firms
(«Партнер» / «Партнеры», «Электрон» / «Электра» are one edit from a neighbour), so the spelling alone joins
nothing below `fuzzy.FUZZY_MIN_LEN`. What agrees, strongest first: a phone or an e-mail (of the company or
its contact), the INN, the contact's name (word order folded) — each alone is enough — or the owner *and*
the city together (each alone is shared by too many firms to mean anything).

Work is per candidate pair (blocked in `fuzzy.short_near_duplicate_names`), and the signals are read only
for the rows of those pairs, so the cost does not grow with the rows of the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from ..core.mapping import MappedTable
from .duplicates_keys import cell_keys, is_inn_header
from .fuzzy import name_key, normalise, short_near_duplicate_names

_CITY_MARK = re.compile(r"^(?:г|город|гор)\s+")


@dataclass(frozen=True)
class Possible:
    """Row `row`'s company may be row `other`'s (`other` < `row`): names one typo apart, nothing else agrees."""

    row: int
    other: int
    name: str
    other_name: str
    score: float


@dataclass(frozen=True)
class _Signals:
    strong: frozenset[str]
    owner: str
    city: str


def short_name_pairs(mapped: MappedTable, firsts: pd.DataFrame) -> tuple[pd.DataFrame, list[Possible]]:
    """From the first row of each folded company name (`firsts`: row, header, key): join edges for the
    confirmed short-name pairs (the duplicates edge shape, kind `fuzzy-name`), and the unconfirmed ones."""
    keys = firsts["key"].tolist()
    pairs = short_near_duplicate_names(keys)
    edges, possible = [], []
    if not pairs:
        return pd.DataFrame(edges), possible
    rows = firsts["row"].tolist()
    headers = firsts["header"].tolist()
    signals = _signals(mapped, {rows[i] for p in pairs for i in p[:2]})
    for i, j, score in pairs:
        a, b = sorted((rows[i], rows[j]), reverse=True)  # a: the later row
        ka, kb = (keys[i], keys[j]) if rows[i] == a else (keys[j], keys[i])
        ha, hb = (headers[i], headers[j]) if rows[i] == a else (headers[j], headers[i])
        if _agree(signals[a], signals[b]):
            edges.append({"a": a, "b": b, "kind": "fuzzy-name", "key_a": ka, "key_b": kb, "header_a": ha,
                          "header_b": hb, "score": score})  # fmt: skip
        else:
            va, vb = mapped.frame.at[a, ha], mapped.frame.at[b, hb]
            possible.append(Possible(a, b, str(va), str(vb), score))
    return pd.DataFrame(edges), sorted(possible, key=lambda p: (p.row, p.other))


def _agree(x: _Signals, y: _Signals) -> bool:
    return bool(x.strong & y.strong) or (bool(x.owner) and x.owner == y.owner and bool(x.city) and x.city == y.city)


def _signals(mapped: MappedTable, rows: set[int]) -> dict[int, _Signals]:
    frame = mapped.frame.loc[sorted(rows)]
    strong: dict[int, set[str]] = {r: set() for r in rows}
    owner = dict.fromkeys(rows, "")
    city = dict.fromkeys(rows, "")
    for header, t in mapped.targets.items():
        if header not in frame.columns:
            continue
        for row, cell in frame[header].items():
            text = cell.strip() if isinstance(cell, str) else ""
            if not text:
                continue
            if is_inn_header(header):
                strong[row] |= {f"inn:{k}" for k in cell_keys("inn", text)}
            elif t.code == "PHONE":
                strong[row] |= {f"phone:{k}" for k in cell_keys("phone", text)}
            elif t.code == "EMAIL":
                strong[row] |= {f"email:{k}" for k in cell_keys("email", text)}
            elif t.entity == "contacts" and t.role == "name":
                strong[row].add(f"contact:{name_key(text)}")
            elif t.role == "responsible_user" and t.entity in (mapped.entity, "companies"):
                owner[row] = owner[row] or normalise(text)
            elif t.entity == "companies" and t.role != "name" and "адрес" in header.casefold():
                city[row] = city[row] or _city(text)
    return {r: _Signals(frozenset(strong[r]), owner[r], city[r]) for r in rows}


def _city(address: str) -> str:
    """The city of an address: its part marked «г.», else its first part that is not a postcode."""
    parts = [normalise(p) for p in address.split(",")]
    parts = [p for p in parts if p and not p.replace(" ", "").isdigit()]
    marked = [_CITY_MARK.sub("", p) for p in parts if _CITY_MARK.match(p)]
    return (marked or parts or [""])[0]
