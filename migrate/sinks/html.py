"""The HTML report: one self-contained page (no scripts, fonts or images from the network).

It is what a consultant mails to the customer: the reconciliation, a bar chart of issues by column and
code (inline SVG, so it prints and opens offline), and the issue table. `Report._repr_html_` shows the
same summary block in Jupyter.
"""

from __future__ import annotations

import html
from itertools import islice
from pathlib import Path

import pandas as pd

from ..core.report import Report
from ..quality.cluster_lines import DUPLICATE_COLUMNS, cluster_records

#: the page lists at most this many issues; the .xlsx/.json reports always hold every one
MAX_TABLE_ROWS = 5000
_PALETTE = ["#c0392b", "#e67e22", "#f1c40f", "#27ae60", "#2980b9", "#8e44ad", "#16a085", "#7f8c8d",
            "#d35400", "#2c3e50", "#e84393", "#00b894"]  # fmt: skip
_CSS = (
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}"
    "td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px;vertical-align:top}"
    "th{background:#f3f3f3}.error{color:#b00}.warning{color:#a60}svg text{font-size:12px}"
)


def issues_chart(report: Report, width: int = 760, bar: int = 18) -> str:
    """Horizontal stacked bars: one per source column, one colour per issue code, with a legend."""
    frame = report.issue_columns()
    if frame.empty:
        return "<p>No issues.</p>"
    counts = pd.crosstab(frame["column"], frame["code"])
    counts = counts.loc[counts.sum(axis=1).sort_values(ascending=False).index][:25]
    codes = list(counts.columns)
    colour = {c: _PALETTE[i % len(_PALETTE)] for i, c in enumerate(codes)}
    label_w, top = 220, 10
    scale = (width - label_w - 60) / max(int(counts.sum(axis=1).max()), 1)
    parts = []
    for n, (column, row) in enumerate(counts.iterrows()):
        y = top + n * (bar + 6)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar - 5}" text-anchor="end">{html.escape(str(column)[:32])}</text>'
        )
        x = float(label_w)
        for code in codes:
            if row[code]:
                w = row[code] * scale
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour[code]}">'
                             f"<title>{html.escape(code)}: {row[code]}</title></rect>")  # fmt: skip
                x += w
        parts.append(f'<text x="{x + 4:.1f}" y="{y + bar - 5}">{int(row.sum())}</text>')
    legend_y = top + len(counts) * (bar + 6) + 10
    for i, code in enumerate(codes):
        lx, ly = label_w + (i % 3) * 180, legend_y + (i // 3) * 18
        parts.append(f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="{colour[code]}"/>'
                     f'<text x="{lx + 16}" y="{ly + 11}">{html.escape(code)}</text>')  # fmt: skip
    height = legend_y + ((len(codes) + 2) // 3) * 18 + 10
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
            f'aria-label="issues by column and code">{"".join(parts)}</svg>')  # fmt: skip


def report_html(report: Report) -> str:
    """The whole page."""
    name = html.escape(Path(report.source).name)
    shown = report.to_frame(limit=MAX_TABLE_ROWS)
    rows = "".join(
        f"<tr class='{r.severity}'><td>{'' if pd.isna(r.row) else r.row}</td><td>{_e(r.column)}</td>"
        f"<td>{_e(r.field)}</td><td>{_e(r.code)}</td><td>{_e(r.severity)}</td><td>{_e(r.value)}</td><td>{_e(r.suggestion)}</td>"
        f"<td>{_e(r.message)}</td></tr>"
        for r in shown.itertuples(index=False)
    )
    more = (
        f"<p>… and {len(report.issues) - len(shown)} more in the .xlsx or .json report.</p>"
        if len(report.issues) > len(shown) else ""
    )  # fmt: skip
    head = "".join(f"<th>{c}</th>" for c in shown.columns)
    return (
        f"<!doctype html><html lang='ru'><head><meta charset='utf-8'><title>amomigrate report — {name}</title>"
        f"<style>{_CSS}</style></head><body><h1>{name}</h1>{report._repr_html_()}"
        f"{ledger_html(report)}<h2>Issues by column and code</h2>{issues_chart(report)}"
        f"<h2>Issues</h2><table><tr>{head}</tr>{rows}</table>{more}{duplicates_html(report)}</body></html>"
    )


def ledger_html(report: Report) -> str:
    """The cell ledger: per source column, where its non-empty cells went (the line says what was not exported)."""
    frame = report.ledger()
    if frame.empty:
        return ""
    head = "".join(f"<th>{c}</th>" for c in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in r) + "</tr>" for r in frame.itertuples(index=False))
    line = _e(report.cells.line() or "every non-empty cell is exported")
    return f"<h2>Cell ledger</h2><p>{line}</p><table><tr>{head}</tr>{rows}</table>"


def duplicates_html(report: Report) -> str:
    """The duplicate clusters (every member row with its key and score), capped like the issue table."""
    if not report.duplicates:
        return ""
    # the first lines only, a batch of clusters at a time: not a frame of 1.6 million member lines for 5,000
    shown = pd.DataFrame(list(islice(cluster_records(report.duplicates), MAX_TABLE_ROWS)), columns=DUPLICATE_COLUMNS)
    head = "".join(f"<th>{c}</th>" for c in shown.columns)
    rows = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in r) + "</tr>" for r in shown.itertuples(index=False))
    return f"<h2>Duplicates ({len(report.duplicates)} clusters)</h2><table><tr>{head}</tr>{rows}</table>"


def _e(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else html.escape(str(value))
