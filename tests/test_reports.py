"""Reports people act on: annotated rejects, the report workbook, the self-contained HTML page."""

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import migrate
from migrate.core.mapping import REJECT_ROW

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "customers.xlsx"
ACCOUNT = ROOT / "samples" / "account.json"


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("rep") / "import.xlsx"
    report = migrate.export(SAMPLE, "customers", out, ACCOUNT, report=out.with_name("report.xlsx"))
    return report, out


def _cells(ws):
    header = [c.value for c in ws[1]]
    return header, list(ws.iter_rows(min_row=2))


def test_rejects_cells_with_errors_are_red_and_commented(exported):
    report, out = exported
    ws = openpyxl.load_workbook(out.with_name("import.rejects.xlsx")).active
    assert ws.title == "Клиенты"
    header, rows = _cells(ws)
    stage = header.index("Этап")
    by_row = {r[0].value: r for r in rows}
    issue = report.to_frame(code="unknown_status").iloc[0]
    cell = by_row[issue.row][stage]
    assert cell.value == issue.value
    assert cell.fill.fgColor.rgb.endswith("F8CBAD")
    assert issue.message in cell.comment.text
    untouched = by_row[issue.row][header.index("Компания")]
    assert untouched.comment is None


def test_report_workbook_has_summary_counts_issues_and_annotated_rows(exported):
    report, out = exported
    wb = openpyxl.load_workbook(out.with_name("report.xlsx"))
    dup = ["Duplicates"] if report.duplicates else []
    assert wb.sheetnames == ["Summary", "Ledger", "By column", "Issues", *dup, "Rows"]
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["reconciliation"] == report.reconciliation()
    assert summary["read"] == 300
    by_column = list(wb["By column"].iter_rows(values_only=True))
    head = by_column[0]
    stage = next(r for r in by_column if r[0] == "Этап")
    assert stage[head.index("unknown_status")] == len(report.to_frame(code="unknown_status", column="Этап"))
    assert wb["Issues"].max_row == len(report.issues) + 1
    header, rows = _cells(wb["Rows"])
    annotated_rows = {r[header.index(REJECT_ROW)].value for r in rows}
    assert annotated_rows == {i.row for i in report.issues if i.row is not None}
    rounded = report.to_frame(code="number_rounded").iloc[0]
    warned = next(r for r in rows if r[header.index(REJECT_ROW)].value == rounded.row)
    cell = warned[header.index(rounded.column)]
    assert cell.fill.fgColor.rgb.endswith("FFE699") and rounded.message in cell.comment.text


def test_html_report_is_self_contained_with_a_chart(tmp_path):
    report = migrate.validate(SAMPLE, "customers", ACCOUNT)
    path = migrate.write_report(report, tmp_path / "r.html")
    text = path.read_text(encoding="utf-8")
    assert "<svg" in text and "<rect" in text
    assert report.reconciliation() in text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)
    assert "<script" not in text
    assert text.count("<tr class=") == len(report.issues)


def test_repr_html_shows_the_summary():
    report = migrate.validate(SAMPLE, "customers", ACCOUNT)
    block = report._repr_html_()
    assert report.reconciliation() in block and "unknown_status" in block


def test_duplicate_clusters_appear_in_the_report_workbook_and_page(tmp_path):
    fix = Path(__file__).parent / "fixtures"
    report = migrate.validate(fix / "dup_base.csv", fix / "dup_base.yaml")
    assert report.duplicates
    wb = openpyxl.load_workbook(migrate.write_report(report, tmp_path / "r.xlsx"))
    assert "Duplicates" in wb.sheetnames
    assert wb["Duplicates"].max_row == len(report.duplicates_frame()) + 1
    page = migrate.write_report(report, tmp_path / "r.html").read_text(encoding="utf-8")
    assert f"Duplicates ({len(report.duplicates)} clusters)" in page


def test_a_frame_longer_than_a_sheet_goes_on_in_the_next_sheets_and_no_row_is_lost(tmp_path, monkeypatch):
    """Excel holds 1,048,575 rows under a header and xlsxwriter drops the rest without a word: the report's
    issues and duplicate lines, and the rejected rows, go on in `name (2)`, `name (3)`, … (here at 7 rows)."""
    monkeypatch.setattr("migrate.sinks.xlsx.SHEET_DATA_ROWS", 7)
    out = tmp_path / "import.xlsx"
    report = migrate.export(SAMPLE, "customers", out, ACCOUNT, report=tmp_path / "report.xlsx")
    assert len(report.issues) > 14 and len(report.duplicates_frame()) > 7 and len(report.rejected_rows) > 7
    wb = openpyxl.load_workbook(tmp_path / "report.xlsx")

    def lines(base: str) -> list[tuple[object, ...]]:
        parts = [n for n in wb.sheetnames if n == base or re.fullmatch(rf"{re.escape(base)} \(\d+\)", n)]
        assert parts == [base] + [f"{base} ({k})" for k in range(2, len(parts) + 1)]
        assert all(wb[n].max_row <= 8 for n in parts)
        header = [c.value for c in wb[base][1]]
        assert all([c.value for c in wb[n][1]] == header for n in parts)
        return [r for n in parts for r in wb[n].iter_rows(min_row=2, values_only=True)]

    assert [r[-1] for r in lines("Issues")] == [i.message for i in report.issues]
    assert [r[4] for r in lines("Duplicates")] == report.duplicates_frame()["row"].tolist()
    rejects = openpyxl.load_workbook(out.with_name("import.rejects.xlsx"))
    parts = [n for n in rejects.sheetnames if n.startswith("Клиенты")]
    assert len(parts) > 1
    rows = [r[0].value for n in parts for r in rejects[n].iter_rows(min_row=2)]
    assert rows == report.rejected_rows


def test_a_page_reads_only_the_issues_and_member_lines_it_shows(exported):
    report, _ = exported
    whole = report.to_frame()
    assert report.to_frame(limit=5).equals(whole.head(5))
    assert report.to_frame(code="unknown_status", limit=2).equals(report.to_frame(code="unknown_status").head(2))
    pairs = report.issue_columns()
    assert pairs["column"].tolist() == whole["column"].fillna("(row)").tolist()
    assert pairs["code"].tolist() == whole["code"].tolist()


def test_upload_results_and_a_bases_report_go_on_past_a_sheets_rows_too(tmp_path, monkeypatch):
    """`write_sheets` (an upload's success and error files, a whole base's report) splits a long frame the
    same way: a 2M-row upload's results would otherwise have lost every row past the sheet limit."""
    from migrate.sinks.xlsx import write_sheets

    monkeypatch.setattr("migrate.sinks.xlsx.SHEET_DATA_ROWS", 7)
    frame = pd.DataFrame({"Строка": list(range(2, 22)), "ID": [f"{n:05d}" for n in range(20)]})
    wb = openpyxl.load_workbook(write_sheets(tmp_path / "success.xlsx", {"Загружено": frame, "Пусто": frame[:0]}))
    assert wb.sheetnames == ["Загружено", "Загружено (2)", "Загружено (3)", "Пусто"]
    rows = [r for n in wb.sheetnames[:3] for r in wb[n].iter_rows(min_row=2, values_only=True)]
    assert rows == list(frame.itertuples(index=False, name=None))
    assert all([c.value for c in wb[n][1]] == ["Строка", "ID"] for n in wb.sheetnames)
