"""The records of a whole base, their keys, and their links resolved across files.

Input: each manifest entity's MappedTable, Report and Profile (what `validate_table` gave for its file).
Output: a `Base` — one `Record` per (entity, key) in run order, each knowing which file and row hold its
data and which records it links to; comments and tasks as `Attachment`s to one record each. Problems go
into the Report of the file and row they belong to:

- an empty or repeated source key is an error on that row (the row is left out);
- a link to a key no file has is a `dangling_link` warning; the record goes without that link;
- a record named from several files is one record: a deal's contact found by name among the contacts
  file's records is linked, not created again (counted as merged across files);
- a by-name link that finds nothing, on a row that carries that record's data (a UI deals export's
  «Контакт» with its phone), makes the record from that row — once per folded name, however many rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..core.issues import ERROR, Issue, IssueCode, make_issue
from ..core.mapping import MappedTable
from ..core.profile import Profile
from ..core.report import Report
from .links import ENTITY_ORDER, RECORD_ENTITIES, Ref, column_links, link_specs, name_fold

ATTACHED = ("comments", "tasks")


@dataclass
class Record:
    """One company, contact or lead of the base. `file`/`row`: the manifest entity whose file holds its data
    and the physical row there (a record made from a deal row's contact columns has file "leads")."""

    entity: str
    key: str
    file: str
    row: int
    name: str
    links: dict[str, list[str]] = field(default_factory=dict)  # entity → keys, in the source's order
    reached_from: set[str] = field(default_factory=set)  # other files that name it

    @property
    def source_key(self) -> str | None:
        """The source system's key, None for a record the source knew only by name."""
        return None if self.key.startswith("name:") else self.key

    def link(self, entity: str, key: str) -> None:
        keys = self.links.setdefault(entity, [])
        if key not in keys:
            keys.append(key)


@dataclass
class Attachment:
    """A comment or a task of the base, attached to one record (entity, key)."""

    entity: str
    key: str
    row: int
    target: tuple[str, str]


@dataclass
class Base:
    """Every record and attachment of the base, with what the cross-file report counts."""

    parts: dict[str, tuple[MappedTable, Report, Profile]]
    records: dict[str, dict[str, Record]] = field(default_factory=dict)
    attachments: dict[str, list[Attachment]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, set[str]] = field(default_factory=dict)  # entity → keys of rows left out with errors
    _names: dict[tuple[str, str], dict[int, str]] = field(default_factory=dict, repr=False)

    def names_in(self, file: str, entity: str) -> dict[int, str]:
        """row → the name of `entity` in that file's rows (computed once per file and entity)."""
        if (file, entity) not in self._names:
            self._names[(file, entity)] = record_names(self.parts[file][0], entity)
        return self._names[(file, entity)]

    def record(self, entity: str, key: str) -> Record | None:
        return self.records.get(entity, {}).get(key)

    def ordered(self, entity: str) -> list[Record]:
        return list(self.records.get(entity, {}).values())


def build_base(parts: dict[str, tuple[MappedTable, Report, Profile]]) -> Base:
    """Resolve keys and links of every file; issues go into the files' Reports (see the module doc)."""
    base = Base(parts)
    names: dict[str, dict[str, str]] = {e: {} for e in RECORD_ENTITIES}
    counts = dict.fromkeys(("links_resolved", "links_dangling", "links_unknown", "merged_across_files"), 0)
    for entity in RECORD_ENTITIES:
        base.records[entity] = {}
        if entity in parts:
            _own_records(base, entity, names[entity])
    for entity in ENTITY_ORDER:
        if entity in parts:
            _resolve_links(base, entity, names, counts)
    counts["merged_across_files"] = sum(1 for e in RECORD_ENTITIES for r in base.ordered(e) if r.reached_from)
    for entity in RECORD_ENTITIES:
        counts[entity] = len(base.records[entity])
    for entity in ATTACHED:
        counts[entity] = len(base.attachments.get(entity, []))
    base.counts = counts
    return base


def _valid_rows(report: Report, frame: pd.DataFrame) -> list[int]:
    rejected = set(report.rejected_rows) | set(report.merged_rows)
    return [int(r) for r in frame.index if r not in rejected]


def record_name(mapped: MappedTable, row: int, entity: str) -> str:
    """The record's name in a mapped row: its name column, else first + last name (contacts)."""
    return record_names(mapped, entity).get(row, "")


def record_names(mapped: MappedTable, entity: str) -> dict[int, str]:
    """Every row's name for `entity`, column by column (not cell by cell: a base has tens of thousands)."""
    frame = mapped.frame
    parts = {t.role: h for h, t in mapped.targets.items() if t.entity == entity and h in frame.columns}
    text = {role: frame[h].astype(str).str.strip() for role, h in parts.items()}
    empty = pd.Series("", index=frame.index)
    joined = (text.get("first_name", empty) + " " + text.get("last_name", empty)).str.strip()
    names = text["name"].where(text["name"] != "", joined) if "name" in text else joined
    return dict(zip(frame.index.astype(int), names, strict=True))


def _column(frame: pd.DataFrame, column: str | None) -> dict[int, str]:
    if not column or column not in frame.columns:
        return {}
    return dict(zip(frame.index.astype(int), frame[column].astype(str).str.strip(), strict=True))


def _own_records(base: Base, entity: str, names: dict[str, str]) -> None:
    mapped, report, profile = base.parts[entity]
    frame = mapped.table.frame
    first: dict[str, int] = {}
    issues: list[Issue] = []
    keys = _column(frame, profile.key)
    names_of = base.names_in(entity, entity)
    if keys:
        left_out = set(report.rejected_rows) | set(report.merged_rows)
        base.rejected[entity] = {keys[r] for r in left_out if r in keys}
    keyed = bool(profile.key) and profile.key in frame.columns  # a UI export of the same list may lack the ID
    for row in _valid_rows(report, mapped.frame):
        name = names_of.get(row, "")
        if keyed:
            key = keys.get(row, "")
            if not key:
                issues.append(make_issue(IssueCode.EMPTY_KEY, row=row, column=profile.key))
                continue
        else:  # a UI export without IDs: the record is known by its name (or, nameless, by its row)
            key = name_fold(entity, name) or f"row:{row}"
        if key in first:
            if keyed:
                issues.append(make_issue(IssueCode.DUPLICATE_KEY, row=row, column=profile.key, value=key,
                                         first=first[key]))  # fmt: skip
            continue  # without a key column a repeated name is the duplicates rules' business, not an error
        first[key] = row
        base.records[entity][key] = Record(entity, key, entity, row, name)
        names.setdefault(name_fold(entity, name), key)
    _add_issues(report, issues)


def _add_issues(report: Report, issues: list[Issue]) -> None:
    if issues:
        report.issues.extend(issues)
        report.issues.sort(key=lambda i: (i.row is not None, i.row or 0))


def _carries(mapped: MappedTable, row: int, entity: str) -> bool:
    """Whether the row holds data for `entity` other than its own (a deal row's contact columns)."""
    if entity == mapped.entity or entity not in RECORD_ENTITIES:
        return False
    headers = [h for h, t in mapped.targets.items() if t.entity == entity and t.role != "note" and h in mapped.frame]
    return any(str(v).strip() for v in mapped.frame.loc[row, headers]) if headers else False


def _resolve_links(base: Base, entity: str, names: dict[str, dict[str, str]], counts: dict[str, int]) -> None:
    mapped, report, profile = base.parts[entity]
    frame = mapped.table.frame
    rows = _valid_rows(report, mapped.frame)
    per_spec = []
    for spec in link_specs(profile):
        if spec.column not in frame.columns:
            continue
        cells = frame.loc[rows, spec.column].astype(str).tolist()
        kinds = frame.loc[rows, spec.entity_column].astype(str).tolist() if spec.entity_column in frame else None
        types = kinds
        per_spec.append(column_links(spec, cells, types))
    own = {r.row: r for r in base.ordered(entity) if r.file == entity} if entity in RECORD_ENTITIES else {}
    keys = _column(frame, profile.key) if entity not in RECORD_ENTITIES else {}
    issues: list[Issue] = []
    for i, row in enumerate(rows):
        found: list[tuple[str, str]] = []
        seen: set[tuple[str, str]] = set()  # CONTACT_ID and CONTACT_IDS naming one contact: one link
        for links in per_spec:
            refs, unknown = links[i]
            for u in unknown:
                counts["links_unknown"] += 1
                issues.append(make_issue(IssueCode.UNKNOWN_LINK_TYPE, row=row, column=u.column, value=u.value,
                                         known=u.known or "none"))  # fmt: skip
            for ref in refs:
                if (ref.entity, ref.key) in seen:
                    continue
                seen.add((ref.entity, ref.key))
                key = _find(base, names, ref)
                if key is None and ref.by == "name" and _carries(mapped, row, ref.entity):
                    key = _embed(base, names, entity, row, ref)
                if key is None:
                    counts["links_dangling"] += 1
                    issues.append(_dangling(ref, row, base))
                    continue
                counts["links_resolved"] += 1
                target = base.records[ref.entity][key]
                if target.file != entity and entity in RECORD_ENTITIES:
                    target.reached_from.add(entity)
                found.append((ref.entity, key))
        if entity in RECORD_ENTITIES:
            _link_record(base, own.get(row), found)
        else:
            _attach(base, entity, keys.get(row) or f"row:{row}", row, found, issues)
    _add_issues(report, issues)


def _find(base: Base, names: dict[str, dict[str, str]], ref: Ref) -> str | None:
    if ref.entity not in base.records:
        return None
    if ref.by == "name":
        return names[ref.entity].get(ref.key)
    return ref.key if ref.key in base.records[ref.entity] else None


def _embed(base: Base, names: dict[str, dict[str, str]], entity: str, row: int, ref: Ref) -> str:
    """A record made from another file's row (a deal row's contact): keyed by its folded name, once."""
    record = Record(ref.entity, ref.key, entity, row, base.names_in(entity, ref.entity).get(row) or ref.value)
    base.records[ref.entity][ref.key] = record
    names[ref.entity][ref.key] = ref.key
    return ref.key


_ONE = {"companies": "Company", "contacts": "Contact", "leads": "Deal"}


def _dangling(ref: Ref, row: int, base: Base) -> Issue:
    if ref.entity not in base.parts:
        where = f"the manifest has no {ref.entity} file"
    elif ref.key in base.rejected.get(ref.entity, set()):
        where = f"its row in the {ref.entity} file has errors and is left out"
    else:
        where = f"not among the {ref.entity}"
    what = f"{_ONE.get(ref.entity, ref.entity)} " + ("name" if ref.by == "name" else "key")
    return make_issue(IssueCode.DANGLING_LINK, row=row, column=ref.column, value=ref.value, what=what, where=where)


def _link_record(base: Base, record: Record | None, found: list[tuple[str, str]]) -> None:
    """Links of a record's own row; records made from this row (its deal's contact) link to its company."""
    if record is None:
        return
    for target_entity, key in found:
        if target_entity != record.entity:
            record.link(target_entity, key)
    companies = [k for e, k in found if e == "companies"]
    for target_entity, key in found:
        target = base.records[target_entity][key]
        if target_entity == "contacts" and target.file == record.file and target.row == record.row and companies:
            target.link("companies", companies[0])


def _attach(base: Base, entity: str, key: str, row: int, found: list[tuple[str, str]], issues: list[Issue]) -> None:
    """A comment or task goes on the first record it names (a deal before a contact if the cell says so)."""
    if not found:
        what = "comment" if entity == "comments" else "task"
        issues.append(make_issue(IssueCode.NOTHING_TO_ATTACH, row=row, what=what))
        return
    base.attachments.setdefault(entity, []).append(Attachment(entity, key, row, found[0]))


def errors_in(report: Report) -> int:
    return sum(1 for i in report.issues if i.severity == ERROR)
