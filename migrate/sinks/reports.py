"""Report and rejects files: how a user learns what went wrong and fixes it.

The rejects workbook holds each rejected row *as it was in the source* (original headers, original text),
plus its source row number and its reasons, with every problem cell coloured and commented, so the user
can fix the cells and run the very same profile on it again: the two extra columns are ignored by the
mapping (`core.columns.REJECT_META`) and the sheet keeps the source sheet's name.
"""

from __future__ import annotations

from itertools import chain
from pathlib import Path

import pandas as pd

from ..core.columns import REJECT_REASONS, REJECT_ROW
from ..core.issue_log import SpilledIssues, issues_on
from ..core.issues import ERROR, Issue, MigrateError
from ..core.paths import guard_outputs, write_pieces_atomic, write_text_atomic
from ..core.report import COLUMNS, Report
from ..core.table import SourceTable
from ..quality.cluster_lines import DUPLICATE_COLUMNS, cluster_records
from .annotated import Lines, write_annotated
from .html import report_html

REPORT_SUFFIXES = (".json", ".xlsx", ".html")
BASE_REPORT_SUFFIXES = (".json", ".xlsx")
#: the report's annotated "Rows" sheet stops here; the Issues sheet always lists everything
MAX_ANNOTATED_ROWS = 50_000


def rows_frame(table: SourceTable, report: Report, rows: list[int], *, errors_only: bool,
               issues: list[Issue] | None = None) -> pd.DataFrame:  # fmt: skip
    """Source rows `rows` as they were, preceded by their row number and their reasons. `issues`: those
    of `rows` (`row_issues`) when the caller has them already, so the report's issues are walked once."""
    if issues is None:
        issues = row_issues(report, rows, errors_only=errors_only)
    reasons: dict[int, list[str]] = {r: [] for r in rows}
    for i in issues:
        col = f"{i.column}: " if i.column else ""
        reasons[i.row].append(col + i.message)  # type: ignore[index]  # row_issues gives rows of `rows` only
    body = table.take(rows)
    meta = pd.DataFrame(
        {REJECT_ROW: [int(r) for r in rows], REJECT_REASONS: ["\n".join(reasons[r]) for r in rows]},
        index=body.index,
    )
    return pd.concat([meta, body.drop(columns=[c for c in meta.columns if c in body.columns])], axis=1)


def row_issues(report: Report, rows: list[int], *, errors_only: bool) -> list[Issue]:
    """The issues on `rows` (errors only, or all), in report order: one walk of the report's issues, and
    none when `rows` is empty (`issue_log.issues_on`)."""
    return list(issues_on(report.issues, rows, ERROR if errors_only else None))


def rejects_frame(table: SourceTable, report: Report, issues: list[Issue] | None = None) -> pd.DataFrame:
    """The rejected source rows with their row number and reasons (errors only, in row order)."""
    return rows_frame(table, report, report.rejected_rows, errors_only=True, issues=issues)


def checked_report_path(path: str | Path, *, whole_base: bool = False) -> Path:
    """`path` as a report file (a whole base's, `api_base.write_base_report`, has no .html), or MigrateError
    when its suffix names no report format: called before a run as well as at the write, so a typo fails in
    a second, not after a million rows were read."""
    path = Path(path)
    suffixes = BASE_REPORT_SUFFIXES if whole_base else REPORT_SUFFIXES
    if path.suffix.lower() not in suffixes:
        raise MigrateError(f"Report file {path} must end in {', '.join(suffixes)}.")
    return path


def checked_rejects_path(path: str | Path) -> Path:
    """`path` as the rejects workbook, or MigrateError: a name ending in .csv got a workbook's bytes,
    which a spreadsheet then refuses or shows as noise."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise MigrateError(f"Rejects file {path} must end in .xlsx: it is a workbook, each rejected row with "
                           "its errors as cell notes.")  # fmt: skip
    return path


def write_rejects(table: SourceTable, report: Report, path: str | Path) -> Path:
    """Write the rejects workbook (always, even empty, so a stale one never misleads)."""
    path = checked_rejects_path(path)
    issues = row_issues(report, report.rejected_rows, errors_only=True)
    frame = rejects_frame(table, report, issues)
    return write_annotated(path, {table.sheet or "Отклонённые": (frame, REJECT_ROW, issues)})


def write_report(report: Report, path: str | Path) -> Path:
    """Write the report as .json (Report.to_json), .xlsx (summary, counts, issues, annotated rows) or .html."""
    path = checked_report_path(path)
    suffix = path.suffix.lower()
    inputs = [("source", report.source), ("profile", report.profile), ("account schema", report.schema)]
    guard_outputs(inputs, [("report", path)])
    if suffix == ".json":
        write_pieces_atomic(path, chain(report.json_pieces(), ["\n"]))  # written as it is made
    elif suffix == ".xlsx":
        _write_report_workbook(report, path)
    else:
        write_text_atomic(path, report_html(report))
    return path


def _write_report_workbook(report: Report, path: Path) -> None:
    # the issues and the duplicate lines as rows made while written: a frame of each was most of the 2.8 GB
    # a million-row file's report workbook took (368,214 issues, 1.6 million member lines)
    issues = ((i.row, i.column, i.field, i.code.value, i.severity, i.value, i.suggestion, i.message)
              for i in report.issues)  # fmt: skip
    plain: dict[str, pd.DataFrame | Lines] = {
        "Summary": summary_frame(report), "Ledger": report.ledger(), "By column": by_column_frame(report),
        "Issues": Lines(list(COLUMNS), issues),
    }  # fmt: skip
    if report.duplicates:
        records = (tuple(r.values()) for r in cluster_records(report.duplicates))
        plain["Duplicates"] = Lines(list(DUPLICATE_COLUMNS), records)
    annotated = {}
    if report.table is not None:
        rows, shown = _first_rows(report.issues, MAX_ANNOTATED_ROWS)  # and the notes of those rows only
        annotated["Rows"] = (rows_frame(report.table, report, rows, errors_only=False, issues=shown), REJECT_ROW,
                             shown)  # fmt: skip
    write_annotated(path, annotated, first=plain)


def _first_rows(issues: list[Issue] | SpilledIssues, limit: int) -> tuple[list[int], list[Issue]]:
    """The first `limit` rows with an issue and their issues. Spilled issues are in report order (file-level
    first, then by row), so they are read only up to the next row; a list may be a Report built by hand."""
    if not isinstance(issues, SpilledIssues):
        rows = sorted({i.row for i in issues if i.row is not None})[:limit]
        return rows, list(issues_on(issues, rows))
    rows: list[int] = []
    shown: list[Issue] = []
    for issue in issues:
        if issue.row is None:
            continue
        if not rows or rows[-1] != issue.row:
            if len(rows) == limit:
                break
            rows.append(issue.row)
        shown.append(issue)
    return rows, shown


def summary_frame(report: Report) -> pd.DataFrame:
    """Key/value rows: where the data came from, the reconciliation, and the count of each issue code."""
    items: list[tuple[str, object]] = [
        ("source", report.source),
        ("sheet", report.sheet or ""),
        ("entity", report.entity),
        ("profile", report.profile or ""),
        ("schema", report.schema or ""),
        ("reconciliation", report.reconciliation()),
    ]
    items += [(k, v) for k, v in report.counts().items() if k != "by_code"]
    items.append(("not exported", report.cells.line() or "every non-empty cell is exported"))
    items += [(f"issues: {code}", n) for code, n in report.by_code().items()]
    return pd.DataFrame(items, columns=["item", "value"])


def by_column_frame(report: Report) -> pd.DataFrame:
    """Issue counts per source column (rows) and code (columns), file-level issues under '(file)'."""
    frame = report.issue_columns()
    if frame.empty:
        return pd.DataFrame({"column": []})
    table = pd.crosstab(frame["column"], frame["code"])
    table["total"] = table.sum(axis=1)
    table = table.sort_values("total", ascending=False)
    return table.reset_index().astype({c: int for c in table.columns})
