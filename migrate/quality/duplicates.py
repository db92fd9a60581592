"""Duplicates inside one file: which rows hold the same contact or company, found after mapping.

Why after mapping: the values are already normalised (phones in E.164, e-mail domains in lower case), so
"8 (916) 123-45-67" and "+7 916 123 45 67" are one key without any work here. The keys:

- contacts: a phone (every PHONE column of the entity, the "other" column's comma-joined list included;
  an extension is part of the key — one switchboard serves many people), an e-mail (case-insensitive),
  an INN;
- companies: an INN (a column whose header holds the word "ИНН": 10 or 12 digits with a valid checksum,
  so a placeholder like 0000000000 or 1234567890 joins nothing), the name with legal form, quotes, case
  and spacing folded (`fuzzy.company_key`), and names that are spelling variants of each other
  (`fuzzy.near_duplicate_names`, blocked, so the cost stays near-linear). Two rows whose INNs are both
  filled in and different are never joined by their name: same name, different INN = two firms.

Rows sharing a key are joined; joins chain (row 2 and 5 share a phone, 5 and 9 an e-mail: one cluster of
three), computed as connected components over the join edges with vectorised label propagation. Every
step works per distinct key (pandas groupby over the exploded key columns); no loop runs over all rows.

What a cluster means depends on the file (`Cluster.linked`): in a contacts file a contact cluster is the
same person imported twice; in a deals file a row is a deal, and one contact in several rows is normal —
many deals of one client. `duplicates_policy` turns clusters into issues and applies the profile's policy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..core.blank import filled_cells
from ..core.distinct import sorted_distinct
from ..core.mapping import MappedTable
from .components import _components, _dense_components  # noqa: F401 (clients and tests import them here)
from .duplicates_keys import (  # noqa: F401 (the cell-key helpers stay importable from here)
    _CELL_KEYS,
    _INN_HEADER,
    _emails,
    _inns,
    _phones,
    _veto_other_inn,
    cell_keys,
    is_inn_header,
    valid_inn,
)
from .fuzzy import near_duplicate_names
from .near_names import Possible, short_name_pairs

#: key kinds, strongest first: when a row is joined to its cluster by several keys, the first one is shown
KINDS = ("inn", "phone", "email", "name", "fuzzy-name")
_KIND_RANK = {k: n for n, k in enumerate(KINDS)}
_LONG = ["row", "header", "key"]


class Member(NamedTuple):
    """One row of a cluster and why it is there: `key` of kind `key_kind` in target column `header`,
    shared with row `via` (None for the cluster's first row). `score` is 100 for exact keys, the name
    similarity (0–100) for `fuzzy-name`.

    A named tuple, immutable and hashable as a frozen dataclass would be, but built ~4× faster: a big
    deals file has a member for nearly every row (1.6 million on the million-row benchmark)."""

    row: int
    key_kind: str
    key: str
    score: float
    header: str
    via: int | None = None


@dataclass(frozen=True, eq=False)
class MemberColumns:
    """The members of one entity's clusters as columns, cluster after cluster: 26 bytes a member instead
    of a Member object each (a 2M-row deals file has 3.7 million members). `via` is -1 for a cluster's
    first row. A cluster holds a slice of these and builds its Members only when asked. Each column is
    read by slicing or taking positions and `tolist()`, which gives Members plain ints and strs whatever
    the column's type."""

    row: np.ndarray  # int32 when the rows fit, else int64
    kind: pd.Categorical  # the few kind names, a byte each
    key: np.ndarray  # object
    score: np.ndarray  # float64
    header: pd.Categorical  # the few target headers, a byte each
    via: np.ndarray  # as `row`

    def members(self, start: int, stop: int) -> tuple[Member, ...]:
        vias = [None if v < 0 else v for v in self.via[start:stop].tolist()]
        columns = (self.row, self.kind, self.key, self.score, self.header)
        return tuple(map(Member, *(c[start:stop].tolist() for c in columns), vias))


_set = object.__setattr__  # Cluster is immutable: its __setattr__ refuses


class Cluster:
    """Rows holding one contact or company. `members` are in source order; the first is the one kept.

    `linked`: the entity is not the file's own (a deal's contact in a deals file), so the repetition is
    expected and only reported. Built from a tuple of Members, or (by the search) from a slice of an
    entity's `MemberColumns`, whose Members are made each time `members` is read: a caller that walks
    every cluster holds one cluster's Members at a time. Immutable; equal when id, entity, linked and
    members are.
    """

    __slots__ = ("id", "entity", "linked", "_members", "_columns", "_span")

    def __init__(self, id: int, entity: str, linked: bool, members: tuple[Member, ...] = (), *,  # noqa: A002
                 columns: MemberColumns | None = None, span: tuple[int, int] = (0, 0)) -> None:  # fmt: skip
        # set one by one, unrolled: a million-row file's search builds ~300,000 clusters (a loop over
        # (name, value) pairs was 0.7 s of it)
        _set(self, "id", id)
        _set(self, "entity", entity)
        _set(self, "linked", linked)
        _set(self, "_members", tuple(members))
        _set(self, "_columns", columns)
        _set(self, "_span", span)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Cluster is immutable: cannot set {name!r}")

    @property
    def members(self) -> tuple[Member, ...]:
        return self._columns.members(*self._span) if self._columns is not None else self._members

    @property
    def first(self) -> int:
        return int(self._columns.row[self._span[0]]) if self._columns is not None else self._members[0].row

    @property
    def rows(self) -> list[int]:
        if self._columns is not None:
            return self._columns.row[self._span[0] : self._span[1]].tolist()
        return [m.row for m in self._members]

    def __len__(self) -> int:
        return self._span[1] - self._span[0] if self._columns is not None else len(self._members)

    def _identity(self) -> tuple[object, ...]:
        return (self.id, self.entity, self.linked, self.members)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cluster) and self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        return f"Cluster(id={self.id!r}, entity={self.entity!r}, linked={self.linked!r}, members={self.members!r})"

    def __reduce__(self) -> tuple[object, ...]:
        return (Cluster, (self.id, self.entity, self.linked, self.members))


def find_duplicates(mapped: MappedTable) -> list[Cluster]:
    """Every duplicate cluster of the mapped table, contacts then companies, each by first row.

    >>> clusters = find_duplicates(mapped)  # doctest: +SKIP
    >>> [(c.entity, c.rows, c.members[1].key_kind) for c in clusters]  # doctest: +SKIP
    [('contacts', [2, 7], 'phone')]
    """
    clusters: list[Cluster] = []
    for entity in _key_columns(mapped):
        clusters += entity_clusters(mapped, entity, start=len(clusters) + 1)
    return clusters


def entity_clusters(mapped: MappedTable, entity: str, start: int = 1) -> list[Cluster]:
    """`find_duplicates` for one entity ("contacts" or "companies"), numbered from `start`: the searches of
    the two entities share nothing, so they can run apart (`migrate.end_searches`)."""
    columns = _key_columns(mapped).get(entity)
    if not columns:
        return []
    return _clusters(_entity_edges(mapped.frame, columns, mapped), entity, linked=entity != mapped.entity,
                     start=start)  # fmt: skip


def packed_clusters(clusters: list[Cluster]) -> tuple[object, ...]:
    """One search's clusters as its member columns and spans (numbers, no Member per row), to send to
    another process; `unpacked_clusters(packed, start)` numbers them again from `start`."""
    if not clusters:
        return ()
    first = clusters[0]
    return (first.entity, first.linked, first._columns, [c._span for c in clusters])


def unpacked_clusters(packed: tuple[object, ...], start: int) -> list[Cluster]:
    if not packed:
        return []
    entity, linked, columns, spans = packed
    return [Cluster(start + n, entity, linked, columns=columns, span=span)  # type: ignore[arg-type]
            for n, span in enumerate(spans)]  # type: ignore[arg-type]  # fmt: skip


# --- which columns hold which keys -------------------------------------------------------------------------


def _key_columns(mapped: MappedTable) -> dict[str, dict[str, list[str]]]:
    """entity → key kind → the mapped target headers holding that key, in the frame's column order."""
    out: dict[str, dict[str, list[str]]] = {}
    for header in mapped.frame.columns:
        target = mapped.targets.get(header)
        if target is None:
            continue
        kind = _kind_of(header, target.entity, target.code, target.role)
        if kind:
            out.setdefault(target.entity, {}).setdefault(kind, []).append(header)
    return {e: out[e] for e in ("contacts", "companies") if e in out}


def _kind_of(header: str, entity: str, code: str | None, role: str) -> str | None:
    if _INN_HEADER.search(header):
        return "inn"
    if entity == "contacts" and code == "PHONE":
        return "phone"
    if entity == "contacts" and code == "EMAIL":
        return "email"
    if entity == "companies" and role == "name":
        return "name"
    return None


# --- keys: one long frame (row, header, key) per kind --------------------------------------------------------


def _long_keys(frame: pd.DataFrame, headers: list[str], kind: str) -> pd.DataFrame:
    """Every (row, header, key) of one kind, a row's repeated key kept once (in its first column)."""
    keys = [_column_keys(frame[h], kind) for h in headers]
    parts = [found.to_frame("key").assign(header=h) for h, (found, _) in zip(headers, keys, strict=True)]
    long = pd.concat(parts).rename_axis("row").reset_index()
    long = long[long["key"] != ""]
    # one column of one key a cell, on a frame whose rows are unique: no (row, key) can repeat, no hashing
    if len(headers) > 1 or keys[0][1] or not frame.index.is_unique:
        long = long.drop_duplicates(["row", "key"])
    return long[_LONG].astype({"row": "int64"})


def _column_keys(column: pd.Series, kind: str) -> tuple[pd.Series, bool]:
    """One column's keys, one per line (a cell with several phones gives several lines), decided once per
    distinct cell text; and whether any cell gave several."""
    column = column[filled_cells(column)]
    codes, distinct = pd.factorize(column)
    found = [_CELL_KEYS[kind](v) for v in distinct]
    # a missing cell (code -1) takes the entry appended last: no key
    if all(len(keys) <= 1 for keys in found):  # the usual cell: one key or none; no explode needed
        firsts = np.array([keys[0] if keys else None for keys in found] + [None], dtype=object)
        return pd.Series(firsts[codes], index=column.index, dtype=object).dropna(), False
    lists = np.empty(len(found) + 1, dtype=object)
    lists[:] = [*found, []]
    return pd.Series(lists[codes], index=column.index, dtype=object).explode().dropna(), True


# --- edges: row a shares `key` with row b ---------------------------------------------------------------------


def possible_duplicates(mapped: MappedTable) -> list[Possible]:
    """Company names one typo apart, too short to join on spelling, with nothing else in their rows agreeing
    (near_names.py): reported as possible duplicates, never clustered or merged."""
    headers = _key_columns(mapped).get("companies", {}).get("name", [])
    if not headers:
        return []
    long = _long_keys(mapped.frame, headers, "name")
    return short_name_pairs(mapped, _first_rows(long))[1]


def _entity_edges(frame: pd.DataFrame, columns: dict[str, list[str]], mapped: MappedTable) -> list[pd.DataFrame]:
    """Join edges of one entity, in parts whose concatenation is its edge list (columns a, b (rows, a > b),
    kind, key_a, key_b, header_a, header_b, score). Never concatenated into one frame: on a 2M-row deals
    file the name edges alone are two million, and each concatenation was a copy of them."""
    parts = []
    for kind, headers in columns.items():  # one kind's keys at a time: each is a frame of a row per key
        long = _long_keys(frame, headers, kind)
        found = _exact_edges(long, kind)
        if kind == "name":
            shapes = _long_keys(frame, columns["inn"], "inn-shape") if "inn" in columns else None
            short, _ = short_name_pairs(mapped, _first_rows(long))
            parts += [_veto_other_inn(part, shapes) for part in (found, _fuzzy_edges(long), short)]
        else:
            parts.append(found)
    return [part for part in parts if len(part)]


def _first_rows(long: pd.DataFrame) -> pd.DataFrame:
    """The first row's line of each key. Lines already in strictly increasing row order (one key column,
    the usual case) are not sorted again: the sort copied every line of a 2M-row file twice a search."""
    rows = long["row"].to_numpy()
    in_order = len(rows) < 2 or bool((rows[1:] > rows[:-1]).all())
    return (long if in_order else long.sort_values("row")).drop_duplicates("key")


def _exact_edges(long: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Each row holding a key joined to the first row holding it (a star per key: n − 1 edges, not n²)."""
    if long.empty:
        return _no_edges()
    # keys as integer codes: grouping and finding the first row's line hash each key once, not twice
    code = pd.factorize(long["key"])[0]
    rows = pd.Series(long["row"].to_numpy(dtype="int64"))
    head = rows.groupby(code).transform("idxmin").to_numpy()  # position of the key's first row ((row, key) unique)
    row = rows.to_numpy()
    later = np.flatnonzero(row != row[head])
    keys = long["key"].to_numpy(dtype=object)
    # kind and headers as categoricals: a byte an edge, not a pointer; a 2M-row deals file's company search
    # holds two million name edges and as many INN edges at once
    at, names = pd.factorize(long["header"])
    names, one_kind = pd.Index(names, dtype=object), pd.Index([kind], dtype=object)
    return pd.DataFrame({
        "a": row[later], "b": row[head[later]],
        "kind": pd.Categorical.from_codes(np.zeros(len(later), dtype=np.int8), categories=one_kind),
        "key_a": keys[later], "key_b": keys[later],
        "header_a": pd.Categorical.from_codes(at[later], categories=names),
        "header_b": pd.Categorical.from_codes(at[head[later]], categories=names), "score": 100.0,
    }, columns=_no_edges().columns)  # fmt: skip


def _fuzzy_edges(long: pd.DataFrame) -> pd.DataFrame:
    """Spelling variants of a name: the first row of one name key joined to the first row of the other."""
    firsts = _first_rows(long)
    keys = firsts["key"].tolist()
    pairs = near_duplicate_names(keys)
    if not pairs:
        return _no_edges()
    i, j, score = (list(x) for x in zip(*pairs, strict=True))
    left, right = firsts.iloc[i].reset_index(drop=True), firsts.iloc[j].reset_index(drop=True)
    swap = left["row"] > right["row"]
    a, b = right.where(~swap, left), left.where(~swap, right)
    return pd.DataFrame({
        "a": a["row"].astype("int64"), "b": b["row"].astype("int64"), "kind": "fuzzy-name",
        "key_a": a["key"], "key_b": b["key"], "header_a": a["header"], "header_b": b["header"], "score": score,
    })  # fmt: skip


def _no_edges() -> pd.DataFrame:
    return pd.DataFrame(columns=["a", "b", "kind", "key_a", "key_b", "header_a", "header_b", "score"])


# --- clusters: connected components, then each member's reason ------------------------------------------------


def _clusters(parts: list[pd.DataFrame], entity: str, *, linked: bool, start: int) -> list[Cluster]:
    """Clusters from the join edges (`_entity_edges`' parts, in order): connected components; each member
    row's reason is one edge at it, the edge to the cluster's first row preferred, then the strongest kind,
    then the lowest other row (ties: the earlier edge); the first row shows its strongest key. Numbered by
    first row.

    Every edge is seen from both ends as parallel arrays of numbers (no frame of candidates: on a
    million-row deals file that frame and its sorted copy were the search's largest allocation); the text
    columns are read at the chosen edges only."""
    if not parts:
        return []
    a, b = (np.concatenate([p[end].to_numpy("int64") for p in parts]) for end in ("a", "b"))
    if max(int(a.max()), int(b.max())) < np.iinfo(np.int32).max:  # rows as int32 while sorting: half the bytes
        a, b = a.astype(np.int32), b.astype(np.int32)
    kinds = np.concatenate([p["kind"].map(_KIND_RANK).to_numpy(dtype="int8") for p in parts])
    nodes, labels = _components(a, b)
    member, via = np.concatenate([a, b]), np.concatenate([b, a])
    del a, b
    first = nodes[labels][np.searchsorted(nodes, member)]
    del nodes, labels
    order = np.lexsort((via, np.tile(kinds, 2), via != first, member))  # stable: equal reasons keep edge order
    sorted_member = member[order]
    best = order[np.r_[True, sorted_member[1:] != sorted_member[:-1]]]  # one reason per member row
    del order, sorted_member
    best = best[np.lexsort((member[best], first[best]))]  # cluster after cluster, rows ascending
    is_first = member[best] == first[best]
    edge, end = best % len(kinds), best >= len(kinds)
    offsets = np.cumsum([0, *map(len, parts)])

    def pick(column: str) -> np.ndarray:
        return np.where(end, _gather(parts, offsets, f"{column}_b", edge), _gather(parts, offsets, f"{column}_a", edge))

    columns = MemberColumns(
        row=member[best],
        kind=pd.Categorical.from_codes(kinds[edge], categories=pd.Index(KINDS, dtype=object)),
        key=np.array([k if isinstance(k, str) else str(k) for k in pick("key").tolist()], dtype=object),
        score=np.where(is_first, 100.0, _gather(parts, offsets, "score", edge).astype("float64")),
        header=pd.Categorical(pick("header")),
        via=np.where(is_first, -1, via[best]).astype(member.dtype),
    )  # fmt: skip
    firsts = first[best]
    starts = np.flatnonzero(np.r_[True, firsts[1:] != firsts[:-1]])
    bounds = [*starts.tolist(), len(firsts)]
    return [Cluster(start + n, entity, linked, columns=columns, span=span) for n, span in enumerate(pairwise(bounds))]


def _gather(parts: list[pd.DataFrame], offsets: np.ndarray, column: str, at: np.ndarray) -> np.ndarray:
    """`column` of the concatenated parts at positions `at`, read part by part (nothing concatenated)."""
    out = np.empty(len(at), dtype=object)
    which = np.searchsorted(offsets, at, side="right") - 1
    for k, part in enumerate(parts):
        here = which == k
        if here.any():
            out[here] = part[column].to_numpy(dtype=object)[at[here] - offsets[k]]
    return out


def cluster_rows(clusters: list[Cluster]) -> np.ndarray:
    """Every row of any cluster, sorted, each once (read from the search's member columns, not cluster by
    cluster)."""
    shared = {id(c._columns): c._columns.row for c in clusters if c._columns is not None}
    listed = [np.array(c.rows, dtype=np.int64) for c in clusters if c._columns is None]
    return sorted_distinct(np.concatenate([*shared.values(), *listed])) if shared or listed else np.zeros(0, np.int64)


#: the members' fields at positions `ks` of `later_members`' rows: rows, key kinds, keys, scores, headers,
#: vias (None for none) and the row each is compared with (its via, else its cluster's first), as lists
MemberFields = tuple[list[int], list[str], list[str], list[float], list[str], list[int | None], list[int]]
Fields = Callable[[np.ndarray], MemberFields]


def later_members(clusters: list[Cluster]) -> tuple[np.ndarray, np.ndarray, Fields]:
    """Every member but each cluster's first, in cluster order: their rows, the rows they join through
    (`via`), and `fields(ks)` → the fields of the k-th ones, in the order of `ks`. Clusters that are one
    search's consecutive slices of one `MemberColumns` are read as arrays, a slice of members at a time,
    without a Member per row."""
    columns = clusters[0]._columns if clusters else None
    spans = [c._span for c in clusters]
    whole = (columns is not None and all(c._columns is columns for c in clusters) and spans[0][0] == 0
             and spans[-1][1] == len(columns.row) and all(a[1] == b[0] for a, b in pairwise(spans)))  # fmt: skip
    if not whole:
        listed = [(c, m) for c in clusters for m in c.members[1:]]
        rows = np.array([m.row for _, m in listed], dtype="int64")
        vias = np.array([m.via for _, m in listed], dtype="int64")

        def listed_fields(ks: np.ndarray) -> MemberFields:
            chosen = [listed[k] for k in ks.tolist()]
            ms = [m for _, m in chosen]
            firsts = [m.via if m.via is not None else c.first for c, m in chosen]
            return ([m.row for m in ms], [m.key_kind for m in ms], [m.key for m in ms], [m.score for m in ms],
                    [m.header for m in ms], [m.via for m in ms], firsts)  # fmt: skip

        return rows, vias, listed_fields
    assert columns is not None
    later = np.flatnonzero(columns.via >= 0)  # a cluster's first row alone has no via
    owner = np.searchsorted(np.array([a for a, _ in spans]), later, side="right") - 1
    first_rows = columns.row[np.array([a for a, _ in spans], dtype=np.int64)] if spans else columns.row[:0]

    def fields(ks: np.ndarray) -> MemberFields:
        # each column read once for all of `ks`, not per member: the caller asks a slice of members at a
        # time (`linked_warnings.AT_ONCE`), which bounds these lists
        at = later[ks]
        via = columns.via[at]
        firsts = np.where(via >= 0, via, first_rows[owner[ks]]).tolist()
        vias = [None if v < 0 else v for v in via.tolist()]
        return (columns.row[at].tolist(), columns.kind[at].tolist(), columns.key[at].tolist(),
                columns.score[at].tolist(), columns.header[at].tolist(), vias, firsts)  # fmt: skip

    return columns.row[later], columns.via[later], fields
