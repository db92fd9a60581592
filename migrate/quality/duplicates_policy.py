"""What happens to duplicate clusters: the profile's policy per entity, turned into issues and rows.

Policies (profile key `duplicates`, see `Profile.duplicate_policies`):

- `report` (default): every member row after the first gets a `duplicate_row` warning naming the first
  row. The import is unchanged.
- `keep-first`: the first row is imported; every later member gets a `duplicate_rejected` *error*, so it
  goes to the rejects file with "duplicate of row N". Why an error and not a silent drop: every source row
  must end in exactly one of the import file and the rejects file (`read = exported + rejected`).
- `merge`: one import row per cluster — the first, completed with every distinct phone and e-mail of the
  other members (into the same column when it is empty there, else into the entity's "other" column,
  comma-joined), their notes (one per line) and tags, and any cell the first row left empty. The other
  members leave the import with a `duplicate_merged` warning and are counted as `Report.merged_rows`, so
  the reconciliation reads `read N = exported X + merged M + rejected Y`. Nothing of a member is lost
  silently: a value that differs from the kept row's and has no second column to go to (another name,
  another owner) is named in that member's warning.

Only rows without errors take part in keep-first and merge: a row already rejected for another reason is
neither kept nor merged (it is in the rejects file, to be fixed); it gets the `duplicate_row` warning
pointing at the kept row. Clusters of a linked entity (a deal's contact in a deals file) are expected
repetition, whatever the policy: they are listed in `Report.duplicates`, and a `repeated_in_rows`
warning goes only to a row that writes that contact or company differently from its first row (another
name for the same phone, «Ромашка» for «ООО «Ромашка»»): a 100,000-deal file with 60,000 repeat clients
would otherwise bury its real problems under 60,000 warnings about normal data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..core.issue_log import IssueSpool
from ..core.issues import Issue, IssueCode
from ..core.linked_words import WHAT, LinkedBatch, because, member_issue, worded
from ..core.mapping import MappedTable
from ..core.schema import Target
from .duplicates import Cluster, Member
from .linked_warnings import linked_batches

POLICIES = ("report", "keep-first", "merge")
_MULTI_CODES = ("PHONE", "EMAIL")


@dataclass
class Outcome:
    """Issues for the Report and the rows merged away (not exported, not rejected)."""

    issues: list[Issue] = field(default_factory=list)
    merged_rows: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class MergeSpec:
    """Which mapped columns of one entity merge how: per code, its columns, the overflow column
    (None → join into the same column) and whether values compare case-insensitively; notes; tags."""

    multi: tuple[tuple[tuple[str, ...], str | None, bool], ...]
    notes: tuple[str, ...]
    tags: tuple[str, ...]


def resolve_duplicates(
    mapped: MappedTable,
    clusters: list[Cluster],
    policies: Mapping[str, str],
    rejected: set[int],
    targets: Mapping[str, Target],
    *,
    into: IssueSpool | None = None,
    word_linked: Callable[[Iterator[LinkedBatch]], None] | None = None,
) -> Outcome:
    """Issues for every cluster under its entity's policy; with `merge`, the mapped frame is changed in
    place: kept rows completed, merged rows removed (so every consumer of the frame skips them).

    `into`: a spool that takes the issues as they are made, in the same order (the Outcome's list stays
    empty) — a big deals file's linked-row warnings are then never all in memory at once.
    `word_linked`: given with `into`, gets the linked clusters' warnings as batches to word
    (`core.linked_words.worded`) instead of their issues; it must give `into` their places first (reserve
    them) — the issues of the other clusters follow them."""
    outcome = Outcome()
    issues: list[Issue] | IssueSpool = into if into is not None else outcome.issues
    cells = _Cells(mapped)
    merges: list[tuple[Cluster, int, list[Member]]] = []
    batches = linked_batches(mapped, cells.values, [c for c in clusters if c.linked])
    if into is not None and word_linked is not None:
        word_linked(batches)
    else:
        issues += (issue for batch in batches for issue in worded(batch))
    for cluster in (c for c in clusters if not c.linked):
        policy = policies.get(cluster.entity, "report")
        if policy == "report":
            issues += _report(cells, cluster, cluster.first)
        else:
            issues += _act(cells, cluster, policy, rejected, merges)
    if merges:
        issues += _merge_all(mapped, cells, merges, targets)
        outcome.merged_rows = sorted(m.row for _, _, members in merges for m in members)
    return outcome


def _act(cells: _Cells, cluster: Cluster, policy: str, rejected: set[int],
         merges: list[tuple[Cluster, int, list[Member]]]) -> list[Issue]:  # fmt: skip
    """keep-first / merge among the rows without errors; the first of them is kept. Rows already rejected
    are told which row they duplicate; with merge, the cluster is queued in `merges`."""
    keeper = next((m.row for m in cluster.members if m.row not in rejected), None)
    actionable = [m for m in cluster.members if m.row not in rejected and m.row != keeper]
    told = [m for m in cluster.members if m.row in rejected and (m.row != cluster.first or keeper is not None)]
    issues = [_issue(IssueCode.DUPLICATE_ROW, cells, cluster, m, keeper or cluster.first) for m in told]
    if keeper is None or not actionable:
        return issues
    if policy == "keep-first":
        return issues + [_issue(IssueCode.DUPLICATE_REJECTED, cells, cluster, m, keeper) for m in actionable]
    merges.append((cluster, keeper, actionable))
    return issues


def _report(cells: _Cells, cluster: Cluster, first: int) -> list[Issue]:
    return [_issue(IssueCode.DUPLICATE_ROW, cells, cluster, m, first) for m in cluster.members if m.row != first]


class _Cells:
    """The source cell behind a target column, by row: the column's values as an array, found through the
    index's hash table (`get_loc`, ~1 µs) — a pandas `.at` per issue would cost more than the whole
    duplicate search, and a dict per column as much memory as the column."""

    def __init__(self, mapped: MappedTable) -> None:
        self.mapped = mapped
        self._cache: dict[str, tuple[pd.Index, np.ndarray]] = {}

    def column(self, header: str) -> str | None:
        return self.mapped.sources.get(header)

    def _column(self, header: str) -> tuple[pd.Index, np.ndarray]:
        if header not in self._cache:
            source, column = self.mapped.table.frame, self.column(header)
            series = source[column] if column in source.columns else self.mapped.frame[header]
            # the index's own hash table (built once, shared by the columns of one frame) finds the row; a
            # dict per column would cost ~100 MB a column at a million rows
            self._cache[header] = (series.index, series.to_numpy(dtype=object))
        return self._cache[header]

    def value(self, header: str, row: int) -> str:
        index, values = self._column(header)
        try:
            return values[index.get_loc(row)]
        except KeyError:
            return ""

    def values(self, headers: list[str], rows: np.ndarray) -> list[object]:
        """`value` of each (header, row) pair, looked up a header at a time (one `get_indexer` per header,
        not a `get_loc` per row: 368,214 of them were a second of a million-row run)."""
        out = np.full(len(rows), "", dtype=object)
        named = np.asarray(headers, dtype=object)
        for header in dict.fromkeys(headers):
            index, values = self._column(header)
            here = np.flatnonzero(named == header)
            if not index.is_unique or not len(values):
                out[here] = [self.value(header, r) for r in rows[here].tolist()]
                continue
            at = index.get_indexer(rows[here])
            found = values[np.maximum(at, 0)]
            found[at < 0] = ""
            out[here] = found
        return out.tolist()


def _issue(code: IssueCode, cells: _Cells, cluster: Cluster, m: Member, first: int, **context: str) -> Issue:
    """One member's issue (`linked_warnings.member_issue`), the key's source cell looked up."""
    what, why = WHAT.get(cluster.entity, cluster.entity), because(m.key_kind, m.key, m.score, m.via, first)
    return member_issue(code, what, cells.column(m.header), m.row, m.header, cells.value(m.header, m.row), first,
                        why, context)  # fmt: skip


# --- merge -------------------------------------------------------------------------------------------------


def _merge_all(
    mapped: MappedTable, cells: _Cells, merges: list[tuple[Cluster, int, list[Member]]], targets: Mapping[str, Target]
) -> list[Issue]:
    """Merge each cluster into its kept row; one pass over the member rows only."""
    frame = mapped.frame
    rows = [r for _, keeper, members in merges for r in (keeper, *(m.row for m in members))]
    records: dict[int, dict[str, str]] = frame.loc[rows].to_dict("index")
    specs = {e: merge_spec(list(frame.columns), targets, e) for e in {c.entity for c, _, _ in merges}}
    kept: dict[int, dict[str, str]] = {}
    issues = []
    for cluster, keeper, members in merges:
        merged, dropped = merge_records([records[keeper]] + [records[m.row] for m in members], specs[cluster.entity])
        kept[keeper] = merged
        for m, lost in zip(members, dropped, strict=True):
            issues.append(_issue(IssueCode.DUPLICATE_MERGED, cells, cluster, m, keeper, dropped=_dropped_text(lost)))
    _write_back(mapped, kept, [m.row for _, _, members in merges for m in members], targets)
    return issues


def _dropped_text(headers: list[str]) -> str:
    if not headers:
        return ""
    return "; its different " + ", ".join(repr(h) for h in headers) + " could not be kept"


def merge_spec(columns: list[str], targets: Mapping[str, Target], entity: str) -> MergeSpec:
    """The merge rules of `entity` for a frame with `columns` (targets: every header of the layout)."""
    multi = []
    for code in _MULTI_CODES:
        headers = tuple(h for h in columns if h in targets and targets[h].entity == entity and targets[h].code == code)
        if headers:
            other = next((t.header for t in targets.values() if t.entity == entity and t.code == code
                          and t.enum == "OTHER"), None)  # fmt: skip
            multi.append((headers, other, code == "EMAIL"))
    roles = {h: targets[h].role for h in columns if h in targets and targets[h].entity == entity}
    notes = tuple(h for h, r in roles.items() if r == "note")
    tags = tuple(h for h, r in roles.items() if r == "tags")
    return MergeSpec(tuple(multi), notes, tags)


def merge_records(records: list[dict[str, str]], spec: MergeSpec) -> tuple[dict[str, str], list[list[str]]]:
    """Merge rows (the kept one first) into one; also, per later row, the columns whose different
    non-empty value could not be kept. Pure: the property tests call it directly too."""
    out = dict(records[0])
    handled: set[str] = set(spec.notes) | set(spec.tags)
    for headers, other, fold in spec.multi:
        _merge_multi(out, records, headers, other, fold)
        handled |= {*headers, *([other] if other else [])}
    for h in spec.notes:
        out[h] = "\n".join(dict.fromkeys(r[h] for r in records if r.get(h, "").strip()))
    for h in spec.tags:
        out[h] = ", ".join(dict.fromkeys(t for r in records for t in _split(r.get(h, ""))))
    rest = [h for h in out if h not in handled]
    for h in rest:
        out[h] = out[h] or next((r[h] for r in records if r.get(h, "")), "")
    dropped = [[h for h in rest if r.get(h, "") and r[h] != out[h]] for r in records[1:]]
    return out, dropped


def _merge_multi(out: dict[str, str], records: list[dict[str, str]], headers: tuple[str, ...],
                 other: str | None, fold: bool) -> None:  # fmt: skip
    """Every distinct phone (e-mail) of every row ends in the kept row: in its own column when empty there,
    else in the "other" column (or, without one, joined into its own column)."""
    key = str.casefold if fold else str
    seen = {key(v) for h in headers for v in _split(out.get(h, ""))}
    if other:
        seen |= {key(v) for v in _split(out.get(other, ""))}
    for record in records[1:]:
        for h in (*headers, *([other] if other and other not in headers else [])):
            for value in _split(record.get(h, "")):
                if key(value) in seen:
                    continue
                seen.add(key(value))
                if not out.get(h):
                    out[h] = value
                else:
                    spill = other or h
                    out[spill] = ", ".join(v for v in (out.get(spill, ""), value) if v)


def _split(cell: str) -> list[str]:
    return [v.strip() for v in cell.split(",") if v.strip()]


def _write_back(mapped: MappedTable, kept: dict[int, dict[str, str]], merged: list[int],
                targets: Mapping[str, Target]) -> None:  # fmt: skip
    """Kept rows get their merged values (an "other" column the profile did not map is added), merged rows
    leave the frame."""
    update = pd.DataFrame.from_dict(kept, orient="index").fillna("")
    for header in update.columns.difference(mapped.frame.columns):
        mapped.frame[header] = ""
        mapped.targets[header] = targets[header]
    mapped.frame.loc[update.index, update.columns] = update
    mapped.frame = mapped.frame.drop(index=merged)
    if mapped.stages is not None:
        mapped.stages = mapped.stages.drop(index=merged)
