"""Report and rejects files: how a user learns what went wrong and fixes it.

The rejects workbook holds each rejected row *as it was in the source* (original headers, original text),
plus its source row number and its reasons, so the user can fix the cells and run the very same profile
on it again: the two extra columns are ignored by the mapping (`mapping.REJECT_META`).
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from ..issues import ERROR, MigrateError
from ..mapping import REJECT_REASONS, REJECT_ROW
from ..report import Report
from ..table import SourceTable
from .xlsx import write_sheets

REPORT_SUFFIXES = (".json", ".xlsx", ".html")


def rejects_frame(table: SourceTable, report: Report) -> pd.DataFrame:
    """The rejected source rows with their row number and reasons (errors only, in row order)."""
    rows = report.rejected_rows
    reasons: dict[int, list[str]] = {r: [] for r in rows}
    for i in report.issues:
        if i.severity == ERROR and i.row is not None:
            col = f"{i.column}: " if i.column else ""
            reasons[i.row].append(col + i.message)
    body = table.frame.loc[rows]
    meta = pd.DataFrame(
        {REJECT_ROW: [int(r) for r in rows], REJECT_REASONS: ["\n".join(reasons[r]) for r in rows]},
        index=body.index,
    )
    return pd.concat([meta, body.drop(columns=[c for c in meta.columns if c in body.columns])], axis=1)


def write_rejects(table: SourceTable, report: Report, path: str | Path) -> Path:
    """Write the rejects workbook (always, even empty, so a stale one never misleads).

    The sheet keeps the source sheet's name, so a profile that names its sheet reads the fixed file too.
    """
    return write_sheets(path, {table.sheet or "Отклонённые": rejects_frame(table, report)})


def write_report(report: Report, path: str | Path) -> Path:
    """Write the report as .json (Report.to_json), .xlsx (summary + issues sheets) or .html."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise MigrateError(f"Report file {path} must end in {', '.join(REPORT_SUFFIXES)}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".json":
        path.write_text(report.to_json() + "\n", encoding="utf-8")
    elif suffix == ".xlsx":
        write_sheets(path, {"Summary": summary_frame(report), "Issues": report.to_frame()})
    else:
        path.write_text(report_html(report), encoding="utf-8")
    return path


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
    items += [(f"issues: {code}", n) for code, n in report.by_code().items()]
    return pd.DataFrame(items, columns=["item", "value"])


def report_html(report: Report) -> str:
    """A self-contained page (no network assets): summary, counts by code, the issue table."""
    frame = report.to_frame()
    table = frame.to_html(index=False, na_rep="", escape=True, classes="issues")
    return (
        "<!doctype html><html lang='ru'><head><meta charset='utf-8'>"
        f"<title>amomigrate report — {html.escape(Path(report.source).name)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}</style></head><body>"
        f"<h1>{html.escape(Path(report.source).name)}</h1>{report._repr_html_()}<h2>Issues</h2>{table}</body></html>"
    )
