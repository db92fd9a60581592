"""Report: what a validation found, in the shapes people and programs use.

Counts reconcile by construction: `read = exported + rejected`, where a row is rejected when it has at
least one error — and `read = exported + merged + rejected` when the profile merges duplicates (a merged
row is neither exported on its own nor rejected: its data went into the row it duplicates). `to_frame()`
has fixed columns (row, column, field, code, severity, value, suggestion, message) so a notebook can filter
it and a test can compare it, as has `duplicates_frame()` (cluster, entity, key_kind, key, row, score);
`to_json()` is what `--format json` and `--report x.json` write.
"""

from __future__ import annotations

import heapq
import html
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import pandas as pd

from .issue_log import SpilledIssues
from .issues import ERROR, WARNING, Issue
from .json_stream import json_pieces
from .ledger import Ledger

COLUMNS = ["row", "column", "field", "code", "severity", "value", "suggestion", "message"]


@dataclass
class Report:
    """The outcome of validating one source with one profile against one account schema."""

    source: str
    entity: str
    read: int
    issues: list[Issue] | SpilledIssues  # SpilledIssues: a block pass's issues past a bound (core.issue_log)
    empty_rows: int = 0
    sheet: str | None = None
    profile: str | None = None
    schema: str | None = None
    outputs: dict[str, list[Path]] = field(default_factory=dict)
    table: Any = field(default=None, repr=False, compare=False)  # the SourceTable, for annotated sheets
    duplicates: list[Any] = field(default_factory=list, repr=False)  # duplicates.Cluster, every member row
    merged_rows: list[int] = field(default_factory=list)  # rows merged into the row they duplicate
    cells: Ledger = field(default_factory=Ledger, repr=False)  # where every non-empty source cell went
    notes: list[str] = field(default_factory=list)  # advice about the whole file (repeated clients, ...)

    # --- counts ----------------------------------------------------------------------------------
    @property
    def rejected_rows(self) -> list[int]:
        """Physical source rows that have at least one error, ascending."""
        if isinstance(self.issues, SpilledIssues):  # counted when written: no walk over the disk
            return self.issues.tally.rejected_rows()
        return sorted({i.row for i in self.issues if i.severity == ERROR and i.row is not None})

    @property
    def rejected(self) -> int:
        return len(self.rejected_rows)

    @property
    def merged(self) -> int:
        return len(self.merged_rows)

    @property
    def exported(self) -> int:
        return self.read - self.rejected - self.merged

    @property
    def errors(self) -> int:
        if isinstance(self.issues, SpilledIssues):
            return self.issues.tally.errors
        return sum(1 for i in self.issues if i.severity == ERROR)

    @property
    def warnings(self) -> int:
        if isinstance(self.issues, SpilledIssues):
            return self.issues.tally.warnings
        return sum(1 for i in self.issues if i.severity == WARNING)

    @property
    def ok(self) -> bool:
        """True when nothing is an error (warnings allowed): the CLI's exit code 0."""
        return self.errors == 0

    def by_code(self) -> dict[str, int]:
        if isinstance(self.issues, SpilledIssues):
            return self.issues.tally.by_code()
        return dict(Counter(i.code.value for i in self.issues).most_common())

    def reconciliation(self, verb: str = "exported") -> str:
        merged = f" + merged {self.merged}" if self.merged else ""
        return f"read {self.read} = {verb} {self.exported}{merged} + rejected {self.rejected}"

    def ledger(self) -> pd.DataFrame:
        """The cell ledger (see `core.ledger`): per source column, non-empty cells read = exported +
        rejected + merged + linked + dropped + unmapped."""
        return self.cells.frame()

    def duplicates_frame(self) -> pd.DataFrame:
        """Duplicate clusters, one line per member row: cluster, entity, key_kind, key, row, score."""
        # late: the report stays importable without the mapping layer
        from ..quality.cluster_lines import clusters_frame

        return clusters_frame(self.duplicates)

    # --- shapes ----------------------------------------------------------------------------------
    def to_frame(
        self, *, code: str | None = None, severity: str | None = None, column: str | None = None,
        limit: int | None = None,
    ) -> pd.DataFrame:  # fmt: skip
        """Issues as a DataFrame with the fixed columns, optionally filtered by code, severity, column;
        `limit`: the first so many of them only (a page's table of a million-row file's issues)."""
        rows = (
            [i.row, i.column, i.field, i.code.value, i.severity, i.value, i.suggestion, i.message]
            for i in self.issues
            if (code is None or i.code.value == str(getattr(code, "value", code)))
            and (severity is None or i.severity == severity)
            and (column is None or i.column == column)
        )
        frame = pd.DataFrame(list(islice(rows, limit)), columns=COLUMNS)
        frame["row"] = frame["row"].astype("Int64")
        return frame

    def issue_columns(self) -> pd.DataFrame:
        """Each issue's source column ("(row)" for none) and code: what the by-column counts read, without
        the issues' messages (a million-row file's issues frame is most of a GB)."""
        pairs = [("(row)" if i.column is None else i.column, i.code.value) for i in self.issues]
        return pd.DataFrame(pairs, columns=["column", "code"])

    def counts(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "exported": self.exported,
            "rejected": self.rejected,
            "merged": self.merged,
            "duplicate_clusters": len(self.duplicates),
            "empty_rows": self.empty_rows,
            "errors": self.errors,
            "warnings": self.warnings,
            "by_code": self.by_code(),
        }

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, Iterator) else v for k, v in self._json_fields().items()}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def json_pieces(self, indent: int = 2) -> Iterator[str]:
        """`to_json(indent)` a piece at a time: the issues and the duplicate members are read as they are
        written, never all at once (a million-row file's report: 5.3 GB built whole; see `core.json_stream`)."""
        return json_pieces(self._json_fields(), indent)

    def _json_fields(self) -> dict[str, Any]:
        """`to_dict` with its two long lists as iterators: the one definition of the report's JSON."""
        # late, as in duplicates_frame
        from ..quality.cluster_lines import cluster_records

        return {
            "source": self.source,
            "sheet": self.sheet,
            "entity": self.entity,
            "profile": self.profile,
            "schema": self.schema,
            "ok": self.ok,
            "counts": self.counts(),
            "outputs": {k: [str(p) for p in v] for k, v in self.outputs.items()},
            "issues": (i.to_dict() for i in self.issues),
            "duplicates": cluster_records(self.duplicates),
            "ledger": self.cells.to_dict(),
            "notes": list(self.notes),
        }

    def summary(self, limit: int = 10) -> str:
        """A few lines for a terminal: reconciliation, counts by code, the first issues."""
        lines = [
            f"{self.source}" + (f" [{self.sheet}]" if self.sheet else "") + f" → {self.entity}",
            self.reconciliation(),
            f"{self.errors} errors, {self.warnings} warnings"
            + (f", {self.empty_rows} empty rows skipped" if self.empty_rows else ""),
        ]
        lost = self.cells.line()
        if lost:
            lines.append(lost)
        for code, n in self.by_code().items():
            lines.append(f"  {code:<22} {n}")
        lines += [f"note: {n}" for n in self.notes]
        for i in self._first_issues(limit):
            where = f"row {i.row}" if i.row is not None else "file"
            col = f", {i.column!r}" if i.column else ""
            lines.append(f"  {i.severity:<7} {where}{col}: {i.message}")
        if len(self.issues) > limit:
            lines.append(f"  … {len(self.issues) - limit} more (see the report file or report.to_frame())")
        return "\n".join(lines)

    def _first_issues(self, limit: int) -> list[Issue]:
        """The first `limit` issues, errors first, each kind by row, without a sorted copy of them all.
        Issues on disk are in the Report's order already (file-level, then by row), which is this order
        within each kind: the walk stops once it has the `limit` first errors, or every error and enough of
        the rest (a million-row file's 368,214 warnings were all read back to print ten: 1.7 s)."""
        if limit <= 0:
            return []
        if not isinstance(self.issues, SpilledIssues):
            return heapq.nsmallest(limit, self.issues, key=lambda i: (i.severity != ERROR, i.row or 0))
        errors: list[Issue] = []
        others: list[Issue] = []
        seen, every = 0, self.errors
        for issue in self.issues:
            if issue.severity == ERROR:
                seen += 1
                errors.append(issue)
            elif len(others) < limit:
                others.append(issue)
            if len(errors) == limit or (seen == every and len(errors) + len(others) >= limit):
                break
        return (errors + others)[:limit]

    def __repr__(self) -> str:
        return f"<Report {self.source}: {self.reconciliation()}, {self.errors} errors, {self.warnings} warnings>"

    def _repr_html_(self) -> str:
        """The reconciliation line, then one line per issue code: severity, issues, rows, columns, an example."""
        groups: dict[str, _CodeLine] = {}
        for issue in self.issues:
            groups.setdefault(issue.code.value, _CodeLine(issue)).add(issue)
        order = sorted(groups.items(), key=lambda kv: (kv[1].first.severity != ERROR, -kv[1].count, kv[0]))
        lines = "".join(line.html(code) for code, line in order)
        head = "<tr><th>code</th><th>severity</th><th>issues</th><th>rows</th><th>columns</th><th>example</th></tr>"
        return (
            f"<div><b>{html.escape(self.source)}</b>" + (f" [{html.escape(self.sheet)}]" if self.sheet else "")
            + f" → {self.entity}<br><b>{html.escape(self.reconciliation())}</b>; {self.errors} errors, "
            f"{self.warnings} warnings<table>{head}{lines}</table></div>"
        )


class _CodeLine:
    """One issue code's line of `_repr_html_`, counted issue by issue (the issues are never listed)."""

    def __init__(self, first: Issue) -> None:
        self.first = first
        self.count = 0
        self.rows: set[int] = set()
        self.columns: dict[str, None] = {}

    def add(self, issue: Issue) -> None:
        self.count += 1
        if issue.row is not None:
            self.rows.add(issue.row)
        if issue.column:
            self.columns.setdefault(issue.column)

    def html(self, code: str) -> str:
        cells = [code, self.first.severity, str(self.count), str(len(self.rows)), ", ".join(self.columns),
                 self.first.message]  # fmt: skip
        return "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"
