"""EditSession: the mapping editor's state and logic, without any widget.

One source table (read once), one account schema, one Profile being edited. Every edit changes the
Profile in place and re-validates the in-memory table through `validate_table` — the same path `validate`
takes, so what the editor shows is what `export` will do. The file is never read again: a re-validation
reuses the transform memo (`quality.transforms`) and the fuzzy caches, so it costs what a second
`validate` of the same table costs, not a first one.

A caller may rely on: `report` always matching `profile` (or `problem` saying why the profile cannot be
applied); target choices listing the best suggestions first, then NOT_MAPPED and DROP, then every other
import header in layout order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

from ..core.issues import ERROR, WARNING, Issue, IssueCode, MigrateError
from ..core.mapping import MappedTable
from ..core.profile import ColumnSpec, Profile
from ..core.report import Report
from ..core.schema import AccountSchema, Target
from ..core.table import SourceTable
from ..core.validate import validate_table
from ..drafting.headers import REVIEW, synonym_index
from ..quality.fuzzy import Matcher, normalise

#: the target dropdown's two non-header choices
NOT_MAPPED = "(not mapped)"
DROP = "(drop)"
#: the value dropdown's "no mapping: the value as written"
AS_IS = "(as is)"
#: how many suggested targets lead the target list
SUGGESTIONS = 4
#: distinct values listed per value column (most frequent first); more is not a list a person reads
MAX_VALUES = 60
#: Roles a stage / pipeline value may be mapped to (core/roles.py resolves them against the account).
STAGE_ROLES = ("@won", "@lost", "@first")
PIPELINE_ROLES = ("@main",)

#: the issue codes that say a value did not resolve to a stage, pipeline, user or list option
_VALUE_CODES = {
    IssueCode.UNKNOWN_STATUS, IssueCode.UNKNOWN_PIPELINE, IssueCode.UNKNOWN_OWNER, IssueCode.INACTIVE_OWNER,
    IssueCode.VALUE_NOT_IN_LIST, IssueCode.UNCHECKED_OWNER,
}  # fmt: skip


@dataclass(frozen=True)
class ColumnStats:
    """What a source column holds: non-empty cells, their share, a few distinct sample values."""

    header: str
    filled: int
    fill: float
    samples: tuple[str, ...]


@dataclass(frozen=True)
class ValueLine:
    """One distinct value of a stage/pipeline/owner/list column and what it resolves to.

    `state`: "exact" (the account has it, maybe folded), "mapped" (the profile maps it), "fuzzy" (unknown,
    with a suggestion), "unknown" (no close choice), "inactive" (a deactivated user), "unchecked" (owners
    with no users in the schema).
    """

    value: str
    rows: int
    state: str
    resolved: str | None
    suggestion: str | None
    mapped_to: str | None
    problem: str | None = None  # a mapped value that still fails in some rows (a stage of another pipeline)


@dataclass(frozen=True)
class Feedback:
    """The issues of one source column in the current report."""

    errors: int
    warnings: int
    codes: dict[str, int]


def rows_text(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def column_stats(table: SourceTable, column: str, samples: int = 3) -> ColumnStats:
    """Fill rate and the first few distinct non-empty values of one column."""
    cells = table.frame[column].str.strip()
    filled = cells[cells != ""]
    rows = max(table.rows, 1)
    return ColumnStats(column, len(filled), len(filled) / rows, tuple(filled.drop_duplicates().head(samples)))


class EditSession:
    """The profile being edited, its current Report, and the choices each control offers."""

    def __init__(self, table: SourceTable, schema: AccountSchema, profile: Profile,
                 notes: dict[str, str] | None = None) -> None:  # fmt: skip
        self.table = table
        self.schema = schema
        self.profile = profile
        #: per source column, how the draft matched it ("synonym 100", "fuzzy 90"); shown and saved
        self.notes = dict(notes or {})
        self.targets: dict[str, Target] = schema.targets(profile.entity)
        self.stats = {c: column_stats(table, c) for c in table.columns}
        self._suggested = self._suggest_targets()
        self.report: Report | None = None
        self.mapped: MappedTable | None = None
        self.problem: str | None = None
        self.revalidate()

    # --- choices -------------------------------------------------------------------------------------
    def _suggest_targets(self) -> dict[str, list[str]]:
        index = synonym_index(self.targets, self.profile.entity)
        fuzzy = Matcher(list(self.targets), cutoff=REVIEW)
        out: dict[str, list[str]] = {}
        for column in self.table.columns:
            found = [index[k]] if (k := normalise(column)) in index else []
            found += [m.choice for m in fuzzy.suggest_many(column, limit=SUGGESTIONS)]
            out[column] = list(dict.fromkeys(found))[:SUGGESTIONS]
        return out

    def target_choices(self, column: str) -> list[str]:
        """Suggested headers first, then NOT_MAPPED and DROP, then every other header; the current target
        is always offered (even one the account lacks, so an unknown field stays visible)."""
        first = self._suggested.get(column, [])
        current = self.target_of(column)
        extra = [current] if current not in self.targets and current not in (NOT_MAPPED, DROP) else []
        rest = [h for h in self.targets if h not in first]
        return [*first, *extra, NOT_MAPPED, DROP, *rest]

    def target_of(self, column: str) -> str:
        if column not in self.profile.columns:
            return NOT_MAPPED
        spec = self.profile.columns[column]
        return DROP if spec is None else spec.field

    def spec_of(self, column: str) -> ColumnSpec | None:
        return self.profile.columns.get(column)

    def value_kind(self, column: str) -> str | None:
        """"status", "pipeline", "owner" or "list" for a column whose values resolve against the account."""
        spec = self.spec_of(column)
        target = self.targets.get(spec.field) if spec else None
        if spec is None or target is None:
            return None
        if spec.owner or target.type == "user":
            return "owner"
        if target.type in ("status", "pipeline"):
            return target.type
        return "list" if target.is_list else None

    def value_choices(self, column: str) -> list[str]:
        """What a value of `column` may be mapped to (roles first where the account layer offers them)."""
        kind = self.value_kind(column)
        if kind == "status":  # a role keeps its meaning on any account (core/roles.py)
            pipes = [self.schema.main_pipeline, *self.schema.pipelines]
            return [*STAGE_ROLES, *dict.fromkeys(s for p in pipes for s in p.status_names())]
        if kind == "pipeline":
            return [*PIPELINE_ROLES, *(p.name for p in self.schema.pipelines)]
        if kind == "owner":
            return [u.name for u in sorted(self.schema.users, key=lambda u: not u.active)]
        if kind == "list":
            spec = self.spec_of(column)
            return list(self.targets[spec.field].options) if spec else []
        return []

    # --- edits ---------------------------------------------------------------------------------------
    def set_target(self, column: str, target: str) -> None:
        """Map `column` to an import header, DROP it on purpose, or leave it NOT_MAPPED."""
        if target == NOT_MAPPED:
            self.profile.columns.pop(column, None)
        elif target == DROP:
            self.profile.columns[column] = None
        else:
            old = self.spec_of(column)
            meant = self.targets.get(target)
            owner = bool(meant and meant.role == "responsible_user")
            values = dict(old.values) if old else {}
            self.profile.columns[column] = ColumnSpec(target, None, values, owner, old.required if old else False)
        self.notes[column] = "chosen in the editor"
        self.revalidate()

    def set_transform(self, column: str, transform: str | None) -> None:
        spec = self._spec(column)
        spec.transform = transform or None
        self.revalidate()

    def set_owner(self, column: str, owner: bool) -> None:
        spec = self._spec(column)
        spec.owner = bool(owner)
        self.revalidate()

    def map_value(self, column: str, value: str, to: str | None) -> None:
        """Map one distinct value (None or AS_IS removes the mapping). Owners go to `owners.map`, every
        other kind to the column's `values`."""
        value = value.strip()
        book = self.profile.owners if self.value_kind(column) == "owner" else self._spec(column).values
        if to is None or to == AS_IS:
            book.pop(value, None)
        else:
            book[value] = to
        self.revalidate()

    def _spec(self, column: str) -> ColumnSpec:
        spec = self.spec_of(column)
        if spec is None:
            raise MigrateError(f"Column {column!r} is not mapped; choose its target first.")
        return spec

    # --- validation ----------------------------------------------------------------------------------
    def revalidate(self) -> Report | None:
        """Validate the in-memory table with the current profile. A profile that cannot be applied at all
        (two columns on one target) keeps the last report and sets `problem`."""
        try:
            self.mapped, self.report = validate_table(self.table, self.profile, self.schema)
            self.problem = None
        except MigrateError as e:
            self.problem = str(e)
        self._index_issues()
        return self.report

    def _index_issues(self) -> None:
        self._feedback: dict[str | None, Counter[tuple[str, str]]] = {}
        self._value_issue: dict[tuple[str, str], Issue] = {}
        self._ledger: dict[str, dict] | None = None
        for issue in self.report.issues if self.report else []:
            self._feedback.setdefault(issue.column, Counter())[(issue.severity, issue.code.value)] += 1
            if issue.code in _VALUE_CODES and issue.column and issue.value is not None:
                self._value_issue.setdefault((issue.column, issue.value.strip()), issue)

    def feedback(self, column: str | None) -> Feedback:
        """Errors, warnings and issue codes of one column (None: issues of no column, such as a missing
        owner column)."""
        found = self._feedback.get(column, Counter())
        codes: Counter[str] = Counter()
        for (_, code), n in found.items():
            codes[code] += n
        return Feedback(
            sum(n for (sev, _), n in found.items() if sev == ERROR),
            sum(n for (sev, _), n in found.items() if sev == WARNING),
            dict(codes.most_common()),
        )

    def values(self, column: str) -> list[ValueLine]:
        """The distinct non-empty values of a value column, most frequent first, with what each becomes."""
        if self.value_kind(column) is None:
            return []
        cells = self.table.frame[column].str.strip()
        cells = cells[cells != ""]
        counts = cells.value_counts().head(MAX_VALUES)
        first = cells[~cells.duplicated()]
        first_row = dict(zip(first.array, first.index, strict=True))
        return [self._value_line(column, str(v), int(n), first_row[v]) for v, n in counts.items()]

    def _mapping_of(self, column: str, value: str) -> str | None:
        book = self.profile.owners if self.value_kind(column) == "owner" else self._spec(column).values
        book = {str(k).strip(): str(v) for k, v in book.items()}
        if value in book:
            return book[value]
        folded = {normalise(k): v for k, v in book.items()}
        return folded.get(normalise(value))

    def _value_line(self, column: str, value: str, rows: int, row: int) -> ValueLine:
        mapped_to = self._mapping_of(column, value)
        issue = self._value_issue.get((column, value))
        if issue is None and mapped_to is not None:
            issue = self._value_issue.get((column, mapped_to.strip()))
        if issue is not None and issue.code is IssueCode.UNCHECKED_OWNER:
            return ValueLine(value, rows, "unchecked", mapped_to or value, None, mapped_to)
        if issue is not None and issue.code is IssueCode.INACTIVE_OWNER:
            return ValueLine(value, rows, "inactive", None, None, mapped_to)
        if issue is not None and mapped_to is not None:
            return ValueLine(value, rows, "mapped", mapped_to, issue.suggestion, mapped_to, issue.message)
        if issue is not None:
            state = "fuzzy" if issue.suggestion else "unknown"
            return ValueLine(value, rows, state, None, issue.suggestion, mapped_to)
        state = "mapped" if mapped_to is not None else "exact"
        return ValueLine(value, rows, state, self._written(column, row, mapped_to), None, mapped_to)

    def _written(self, column: str, row: int, mapped_to: str | None) -> str | None:
        """What the import file gets for a value: read off the mapped table at the value's first row."""
        spec = self.spec_of(column)
        frame = self.mapped.frame if self.mapped is not None else None
        if frame is None or spec is None or spec.field not in frame.columns or row not in frame.index:
            return mapped_to
        return str(frame.at[row, spec.field])

    def ledger(self) -> pd.DataFrame | None:
        """The report's cell ledger (per source column: non-empty cells read = exported + rejected + ...)."""
        ledger = getattr(self.report, "ledger", None)
        return ledger() if callable(ledger) else None

    def ledger_of(self, column: str) -> dict[str, int]:
        """One column's ledger buckets that are not zero, e.g. {"exported": 254, "rejected": 35}."""
        if self._ledger is None:
            frame = self.ledger()
            self._ledger = {} if frame is None else {str(r["column"]): r for r in frame.to_dict("records")}
        row = self._ledger.get(column, {})
        return {k: int(v) for k, v in row.items() if k not in ("column", "read") and v}
