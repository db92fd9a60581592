"""Repeated clients: which rows of a deals (or contacts) file name the *same* contact or company.

In a deals file one client has many deals, so its contact and company are written again on every row.
The upload must create each of them once and link every other row to it; the export path can only warn
(the AmoCRM importer decides by itself). This module gives each row's contact and company a *client key*;
rows with one key are one client. Only the entities that are not the file's own are keyed (a contact in a
deals file, a company in a contacts file): repeated *primary* records are the duplicates policy's job.

The rules are the duplicate rules (duplicates.py), made strict enough to create one record from them —
a wrong join here merges two real clients into one record, which is worse than a duplicate:

- a company: its INN (valid check digits) when the row has one; else its folded name (`company_key`:
  legal form, quotes, case folded) — joined to the INN of that name when exactly one INN goes with it in
  the file, and never to any when several do (same name, several INNs = namesakes);
- a contact: its folded name (`name_key`, word order ignored) *and* something that ties two rows to one
  person: a shared phone, e-mail, or the same company. A switchboard phone shared by five different names
  joins nobody, and two «Иван Петров» of two companies stay two people. A contact without a name is never
  joined (there is nothing to tell two of them apart).

Keys are plain strings such as `inn:7707083893` or `name:ромашка`, stable for the same source, so the
upload journal can record key → AmoCRM id and a resumed run links to what was created before the crash.

Cost: every text rule (`cell_keys`, `company_key`, `name_key`) runs once per *distinct* cell text of a
column (`pd.factorize`), and rows only carry integer codes; the contact joins are connected components of
an edge list (`duplicates._dense_components`). `repeated_clients_notes` counts codes and never builds the
row → key strings that `client_keys` returns for the upload.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.distinct import sorted_distinct
from ..core.mapping import MappedTable
from ..core.report import Report
from .duplicates import _dense_components, cell_keys, is_inn_header
from .duplicates_keys import keys_per_row
from .fuzzy import company_key, name_key

KEYED = {"leads": ("contacts", "companies"), "contacts": ("companies",), "companies": ()}

_UNSET = -2  # a row no column has answered for yet (first non-blank cell wins)


@dataclass(frozen=True)
class Repeats:
    """How many rows name a client already named by an earlier row, per entity, and how many clients."""

    entity: str
    rows: int  # rows that repeat a client (the first row of each client excluded)
    clients: int  # clients named by more than one row

    def __str__(self) -> str:
        what = {"contacts": "contact", "companies": "company"}[self.entity]
        return f"{self.rows} rows repeat a {what} of an earlier row ({self.clients} {self.entity} in several rows)"


def client_keys(mapped: MappedTable, rows: Iterable[int] | None = None) -> dict[str, dict[int, str]]:
    """entity → row → client key, for the linked entities of the layout (`KEYED`).

    Only rows that hold a key are listed; `rows` limits the rows considered (e.g. those without errors).
    Companies are listed in the order of `rows` (the frame's order without it); contacts client by client
    (clients by their first row), each client's rows ascending.

    >>> keys = client_keys(mapped)  # doctest: +SKIP
    >>> keys["companies"][7] == keys["companies"][12]  # doctest: +SKIP
    True
    """
    return {entity: coded.as_dict() for entity, coded in _coded(mapped, rows).items()}


def repeats(keys: dict[str, dict[int, str]]) -> list[Repeats]:
    """Per entity, how many rows repeat a client and how many clients repeat (entities with none left out)."""
    out = []
    for entity, by_row in keys.items():
        found = _repeats_of(entity, np.fromiter(Counter(by_row.values()).values(), dtype=np.int64))
        if found:
            out.append(found)
    return out


def repeated_clients_notes(mapped: MappedTable, report: Report) -> list[str]:
    """The export's advice when exported rows repeat a client: the importer may create it once per row."""
    return repeated_clients_notes_for(mapped, report.rejected_rows)


def repeated_clients_notes_for(mapped: MappedTable, rejected_rows: list[int]) -> list[str]:
    """`repeated_clients_notes` given the rejected rows instead of the Report: a block pass asks before
    its duplicate search, while only the key columns are in memory, so the two peaks do not add up."""
    rejected = pd.Index(rejected_rows)
    kept = mapped.frame.index[~mapped.frame.index.isin(rejected)] if len(rejected) else None
    found = [r for entity, coded in _coded(mapped, kept).items() if (r := coded.repeats(entity))]
    if not found:
        return []
    return [
        "; ".join(str(r) for r in found) + ". AmoCRM's importer creates such a client again for every row "
        "unless the account's duplicate control (import settings) merges them; `amomigrate upload` creates each "
        "client once and links every row to it (see the report's duplicates for the rows)."
    ]


def _repeats_of(entity: str, counts: np.ndarray) -> Repeats | None:
    many = counts[counts > 1]
    return Repeats(entity, int(many.sum()) - len(many), len(many)) if len(many) else None


@dataclass
class _Coded:
    """One entity's keys as codes: the keyed rows (labels, in `client_keys`' order), a key code per row
    (equal codes ⇔ equal keys) and, built only when asked, the key text of each code."""

    labels: np.ndarray
    at: np.ndarray  # each keyed row's position among the considered rows (`_Cells`)
    codes: np.ndarray
    texts: Callable[[], list[str]]

    def as_dict(self) -> dict[int, str]:
        texts = np.array(self.texts(), dtype=object)
        return dict(zip(self.labels.tolist(), texts[self.codes].tolist(), strict=True))

    def repeats(self, entity: str) -> Repeats | None:
        return _repeats_of(entity, np.bincount(self.codes)) if len(self.codes) else None


def _coded(mapped: MappedTable, rows: Iterable[int] | None) -> dict[str, _Coded]:
    keyed = KEYED.get(mapped.entity, ())
    if not keyed:
        return {}
    cols = _columns(mapped)
    cells = _Cells(mapped, rows)
    companies = _company_keys(cells, cols.get("companies", {}))
    out = {}
    if "companies" in keyed:
        out["companies"] = companies
    if "contacts" in keyed:
        out["contacts"] = _contact_keys(cells, cols.get("contacts", {}), companies)
    return out


# --- columns -----------------------------------------------------------------------------------------------


def _columns(mapped: MappedTable) -> dict[str, dict[str, list[str]]]:
    """entity → part (name | first | last | phone | email | inn) → mapped headers."""
    out: dict[str, dict[str, list[str]]] = {}
    for header in mapped.frame.columns:
        t = mapped.targets.get(header)
        if t is None or t.entity not in ("contacts", "companies"):
            continue
        part = None
        if is_inn_header(header):
            part = "inn"
        elif t.role == "name":
            part = "name"
        elif t.role in ("first_name", "last_name"):
            part = t.role
        elif t.code in ("PHONE", "EMAIL"):
            part = t.code.lower()
        if part:
            out.setdefault(t.entity, {}).setdefault(part, []).append(header)
    return out


class _Vocab:
    """Distinct strings → dense codes 0, 1, … in the order first seen."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}

    def __call__(self, text: str) -> int:
        return self.codes.setdefault(text, len(self.codes))

    def texts(self) -> list[str]:
        return list(self.codes)


class _Cells:
    """The considered rows (distinct labels of `rows` found in the frame, first occurrence first) and their
    key columns read per distinct cell text: `codes(header, f)` applies `f` to each distinct stripped,
    non-blank text of the column (None for a blank or non-text cell) and broadcasts the ints it returns."""

    def __init__(self, mapped: MappedTable, rows: Iterable[int] | None) -> None:
        frame = mapped.frame
        index = frame.index
        last = ~index.duplicated(keep="last")  # a label written twice: its last row, as a dict of it would
        unique = index if last.all() else index[last]
        wanted = unique if rows is None else pd.Index(rows if isinstance(rows, pd.Index) else list(rows)).unique()
        at = np.arange(len(index)) if last.all() else np.flatnonzero(last)
        found = unique.get_indexer(wanted)
        self.frame = frame
        self.labels = wanted[found >= 0].to_numpy()
        self.positions = at[found[found >= 0]]
        self.every = rows is None and last.all()  # positions are 0..n-1: no take needed

    def __len__(self) -> int:
        return len(self.labels)

    def codes(self, header: str, f: Callable[[str | None], int]) -> np.ndarray:
        codes, distinct = pd.factorize(self.frame[header])
        blank = f(None)
        # one int at a time into the table: a list of a million distinct e-mails' ints was 36 MB more
        texts = ((v.strip() or None) if isinstance(v, str) else None for v in distinct.to_numpy(dtype=object))
        table = np.fromiter((blank if t is None else f(t) for t in texts), dtype=np.int64, count=len(distinct))
        table = np.append(table, blank)
        return table[codes if self.every else codes[self.positions]]  # -1 (missing) picks the last entry

    def first(self, headers: list[str], f: Callable[[str | None], int]) -> np.ndarray:
        """Per row, `f` of the first non-blank cell of `headers` (`f` returns `_UNSET` for a blank)."""
        out = np.full(len(self), _UNSET, dtype=np.int64)
        for h in headers:
            unset = out == _UNSET
            if not unset.any():
                break
            out[unset] = self.codes(h, f)[unset]
        return out

    def order(self) -> np.ndarray:
        """Each considered row's rank by label (the rows ascending)."""
        rank = np.empty(len(self), dtype=np.int64)
        rank[np.argsort(self.labels, kind="stable")] = np.arange(len(self))
        return rank


# --- companies ---------------------------------------------------------------------------------------------


def _company_keys(cells: _Cells, cols: dict[str, list[str]]) -> _Coded:
    """`inn:…` for a row with a valid INN, or without one whose folded name goes with exactly one INN in
    the rows; else `name:…`. Codes: INNs first, then names."""
    inns, names = _Vocab(), _Vocab()

    def inn(text: str | None) -> int:
        keys = cell_keys("inn", text) if text else []
        return inns(keys[0]) if keys else _UNSET

    def name(text: str | None) -> int:
        return _UNSET if text is None else (names(key) if (key := company_key(text)) else -1)

    inn_of = cells.first(cols.get("inn", []), inn)
    name_of = cells.first(cols.get("name", []), name)
    inn_of[inn_of == _UNSET] = -1
    name_of[name_of == _UNSET] = -1
    n_inns, n_names = len(inns.codes), len(names.codes)
    both = (inn_of >= 0) & (name_of >= 0)
    pairs = sorted_distinct(name_of[both] * max(n_inns, 1) + inn_of[both])
    pair_name, pair_inn = np.divmod(pairs, max(n_inns, 1))
    single = np.full(n_names, -1, dtype=np.int64)  # name → its one INN (-1: none, or several)
    one = np.bincount(pair_name, minlength=n_names)[pair_name] == 1
    single[pair_name[one]] = pair_inn[one]
    key = np.where(name_of >= 0, n_inns + name_of, -1)
    via_name = np.where(name_of >= 0, single[np.maximum(name_of, 0)] if n_names else -1, -1)
    key = np.where(via_name >= 0, via_name, key)
    key = np.where(inn_of >= 0, inn_of, key)
    keyed = key >= 0

    def texts() -> list[str]:
        return [f"inn:{t}" for t in inns.texts()] + [f"name:{t}" for t in names.texts()]

    return _Coded(cells.labels[keyed], np.flatnonzero(keyed), key[keyed], texts)


# --- contacts ----------------------------------------------------------------------------------------------


def _contact_keys(cells: _Cells, cols: dict[str, list[str]], companies: _Coded) -> _Coded:
    """Rows with one folded name joined when they share an anchor (phone, e-mail, company): the connected
    components of 'row — first row with its (name, anchor)'. A client's key is `name|smallest anchor of
    its rows`, or `row:N` for a named row with no anchor (never joined)."""
    names = _Vocab()
    person = _persons(cells, cols, names)
    named = person >= 0
    anchors = _Anchors(cells, cols, companies, named)
    size = max(anchors.size, 1)
    rank = cells.order()
    node = rank[anchors.at].astype(anchors.at.dtype)
    # the first row with each (name, anchor), then an edge from every other row with it to that row; the
    # big pair arrays are freed as soon as read (three million pairs on a million-row deals file)
    group = person[anchors.at] * size + anchors.codes
    order = np.lexsort((node, group))
    group, n = group[order], node[order]
    del order
    start = np.r_[True, group[1:] != group[:-1]] if len(group) else np.zeros(0, dtype=bool)
    del group
    first = n[np.maximum.accumulate(np.where(start, np.arange(len(n)), 0))] if len(n) else n
    del start
    edge = first != n
    root = _dense_components(first[edge], n[edge], len(cells))  # by rank: the rank of the component's first row
    del first, n, edge
    smallest = anchors.smallest(root[node], len(cells))  # by root rank; -1: no anchor
    rows = np.flatnonzero(named)
    rows = rows[np.lexsort((rank[rows], root[rank[rows]]))]  # client by client, each client's rows ascending
    low = smallest[root[rank[rows]]]
    codes, distinct = pd.factorize(np.where(low < 0, -1 - rows, person[rows] * size + low))
    labels = cells.labels

    def key_texts() -> list[str]:
        who = names.texts()
        return [f"row:{labels[-1 - p]}" if p < 0 else f"{who[p // size]}|{anchors.text(p % size)}"
                for p in distinct.tolist()]  # fmt: skip

    return _Coded(labels[rows], rows, codes, key_texts)


def _persons(cells: _Cells, cols: dict[str, list[str]], names: _Vocab) -> np.ndarray:
    """Each row's folded person name (`names` code; -1 for none): the first full name cell, else the
    first- and last-name cells that are filled, joined in column order."""

    def full(text: str | None) -> int:
        return _UNSET if text is None else (names(key) if (key := name_key(text)) else -1)

    person = cells.first(cols.get("name", []), full)
    rest = np.flatnonzero(person == _UNSET)
    parts_cols = cols.get("first_name", []) + cols.get("last_name", [])
    person[rest] = -1
    if not len(rest) or not parts_cols:
        return person
    parts = _Vocab()
    codes = [cells.codes(h, lambda t: -1 if t is None else parts(t))[rest] for h in parts_cols]
    combo = np.zeros(len(rest), dtype=np.int64)
    for c in codes:
        combo, _ = pd.factorize(combo * (len(parts.codes) + 1) + c + 1)
    distinct, at = np.unique(combo, return_index=True)
    words = parts.texts()
    folded = []
    for i in at.tolist():
        held = [words[c[i]] for c in codes if c[i] >= 0]
        key = name_key(" ".join(held)) if held else ""
        folded.append(names(key) if key else -1)
    person[rest] = np.array(folded, dtype=np.int64)[np.searchsorted(distinct, combo)]
    return person


#: the anchor kinds in text order: any anchor of an earlier kind is a smaller text than one of a later kind
_KINDS = ("company", "email", "phone")


class _Anchors:
    """The (row, anchor) pairs of the named rows — each phone and e-mail of their cells, their company key.

    Anchors are coded kind by kind in `_KINDS` order; only the keys (`kind:…` without the kind) are kept,
    and only the anchors a client may show are sorted by text (`smallest`)."""

    def __init__(self, cells: _Cells, cols: dict[str, list[str]], companies: _Coded, named: np.ndarray) -> None:
        self.keys: list[Sequence[str]] = []
        at, codes, self.starts = [], [], [0]
        for kind in _KINDS:
            if kind == "company":
                company = np.full(len(cells), -1, dtype=np.int64)
                company[companies.at] = companies.codes
                rows = np.flatnonzero(named & (company >= 0))
                at.append(rows)
                codes.append(company[rows] + self.starts[-1])
                self.keys.append(companies.texts())
            else:
                flat: list[str] = []  # the kind's keys, distinct cell after distinct cell, column after column
                found = []
                for h in cols.get(kind, []):
                    rows, positions = _cell_anchors(cells, h, kind, named, flat)
                    at.append(rows)
                    found.append(positions)
                key_codes, texts = (pd.factorize(np.array(flat, dtype=object)) if flat
                                    else (np.zeros(0, dtype=np.int64), []))  # fmt: skip
                del flat
                codes += [key_codes[positions] + self.starts[-1] for positions in found]
                self.keys.append(texts)
            self.starts.append(self.starts[-1] + len(self.keys[-1]))
        self.size = self.starts[-1]
        # int32 where they fit: three pairs a named row, the largest arrays of the repeated-client count
        small = np.int32 if max(len(cells), self.size) < np.iinfo(np.int32).max else np.int64
        self.at, self.codes = np.concatenate(at).astype(small), np.concatenate(codes).astype(small)

    def kind(self, codes: np.ndarray) -> np.ndarray:
        return np.searchsorted(np.array(self.starts[1:]), codes, side="right")

    def text(self, code: int) -> str:
        kind = int(self.kind(np.array([code]))[0])
        return f"{_KINDS[kind]}:{self.keys[kind][code - self.starts[kind]]}"

    def smallest(self, client: np.ndarray, n: int) -> np.ndarray:
        """Per client (0..n-1; `client` = each pair's), its smallest anchor by text; -1 for none. Only the
        anchors of each client's first kind are compared, so only those are sorted."""
        kind = self.kind(self.codes)
        best = np.full(n, len(_KINDS), dtype=np.int64)
        np.minimum.at(best, client, kind)
        shown = kind == best[client]
        needed, which = np.unique(self.codes[shown], return_inverse=True)
        if not len(needed):
            return np.full(n, -1, dtype=np.int64)
        kinds = self.kind(needed).tolist()
        texts = [self.keys[k][c - self.starts[k]] for k, c in zip(kinds, needed.tolist(), strict=True)]
        by_text = np.array(sorted(range(len(needed)), key=lambda i: (kinds[i], texts[i])), dtype=np.int64)
        place = np.empty(len(needed), dtype=np.int64)
        place[by_text] = np.arange(len(needed))
        low = np.full(n, len(needed), dtype=np.int64)
        np.minimum.at(low, client[shown], place[which])
        return np.where(low < len(needed), needed[by_text][np.minimum(low, len(needed) - 1)], -1)


def _cell_anchors(cells: _Cells, header: str, kind: str, named: np.ndarray,
                  flat: list[str]) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(row, position in `flat`) for each `kind` key (`cell_keys`) of the column's cells on the named rows;
    the keys of each distinct cell text are appended to `flat` once."""
    sizes: list[int] = []  # per distinct cell text, how many keys it holds (appended to `flat` in turn)
    base = len(flat)

    def keep(text: str | None) -> int:
        keys = cell_keys(kind, text) if text else ()
        flat.extend(keys)
        sizes.append(len(keys))
        return len(sizes) - 1

    which = cells.codes(header, keep)
    rows, found = keys_per_row(which[named], np.array(sizes, dtype=np.int64),
                               np.arange(base, len(flat), dtype=np.int64))  # fmt: skip
    return np.flatnonzero(named)[rows], found
