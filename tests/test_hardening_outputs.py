"""Outputs never destroy inputs (issue 12, items 1, 5, 9, 10, 12): every writer refuses a path that is an
input or another output of the run, writes atomically, neutralises formulas in CSV, strips control
characters, sanitises sheet names and never writes more rows than a sheet holds."""

import csv
import os
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter
from click.testing import CliRunner

from migrate import api
from migrate.cli.main import cli
from migrate.core.paths import OutputClash, atomic_path, guard_outputs
from migrate.sinks.csvout import csv_cell
from migrate.sinks.xlsx import SheetNames, write_import

ACCOUNT = Path(__file__).resolve().parents[1] / "samples" / "account.json"
PROFILE = """version: 1
entity: leads
columns:
  Сделка: Название сделки
  Телефон: {field: Рабочий телефон (контакт), transform: phone}
"""


def workbook(path: Path, rows: list[list[str]], sheet: str = "Лист1") -> Path:
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    ws = book.add_worksheet(sheet)
    for r, row in enumerate([["Сделка", "Телефон"], *rows]):
        ws.write_row(r, 0, row)
    book.close()
    return path


@pytest.fixture
def run_dir(tmp_path):
    (tmp_path / "p.yaml").write_text(PROFILE, encoding="utf-8")
    workbook(tmp_path / "x.xlsx", [["A", "+79161234567"], ["B", "not a phone"]])
    return tmp_path


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.mark.parametrize(
    "args",
    [
        ["init", "x.xlsx", "-o", "x.xlsx"],
        ["export", "x.xlsx", "-p", "p.yaml", "-o", "x.xlsx"],
        ["export", "x.xlsx", "-p", "p.yaml", "-o", "out.xlsx", "--rejects", "x.xlsx"],
        ["export", "x.xlsx", "-p", "p.yaml", "-o", "out.xlsx", "--report", "p.yaml"],
        ["export", "x.xlsx", "-p", "p.yaml", "-o", "out.xlsx", "--rejects", "out.xlsx"],
        ["export", "x.xlsx", "-p", "p.yaml", "-o", "out.xlsx", "--report", "link.xlsx"],
        ["validate", "x.xlsx", "-p", "p.yaml", "--report", "x.xlsx"],
        ["plan", "x.xlsx", "-p", "p.yaml", "-o", "hard.xlsx"],
    ],
    ids=["init", "export-o", "rejects", "report=profile", "rejects=out", "symlink", "validate", "plan-hardlink"],
)
def test_a_writer_refuses_an_input_or_another_output_and_writes_nothing(run_dir, monkeypatch, args):
    monkeypatch.chdir(run_dir)
    (run_dir / "link.xlsx").symlink_to(run_dir / "x.xlsx")
    os.link(run_dir / "x.xlsx", run_dir / "hard.xlsx")
    before = {p.name: p.read_bytes() for p in run_dir.iterdir()}
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert "Refusing to write" in result.output and "Nothing was written" in result.output
    assert "Traceback" not in result.output
    assert {p.name: p.read_bytes() for p in run_dir.iterdir()} == before


def test_upload_refuses_success_file_equal_to_the_source_before_any_request(run_dir, monkeypatch):
    monkeypatch.chdir(run_dir)
    monkeypatch.setenv("AMOCRM_TOKEN", "t0ken")
    before = (run_dir / "x.xlsx").read_bytes()
    with pytest.raises(OutputClash, match="success workbook"):  # port 9: a request would fail otherwise
        api.upload("x.xlsx", "p.yaml", ACCOUNT, base_url="http://127.0.0.1:9", journal="j.sqlite", success="x.xlsx")
    with pytest.raises(OutputClash, match="upload journal"):
        api.upload("x.xlsx", "p.yaml", dry_run=run_dir / "dry", journal="p.yaml")
    assert (run_dir / "x.xlsx").read_bytes() == before and not (run_dir / "j.sqlite").exists()


def test_guard_names_both_files_and_accepts_distinct_paths(tmp_path):
    guard_outputs([("source", tmp_path / "a.csv"), ("profile", None)], [("report", tmp_path / "b.json")])
    with pytest.raises(OutputClash, match="source"):
        guard_outputs([("source", tmp_path / "a.csv")], [("report", tmp_path / "sub" / ".." / "a.csv")])


def test_an_interrupted_write_leaves_the_old_file_whole_and_no_temp_file(tmp_path):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"old and whole")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("crash mid-write")
    assert target.read_bytes() == b"old and whole"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_csv_output_neutralises_formulas_keeps_phones_and_drops_control_characters(tmp_path):
    rows = [["=cmd|' /C calc'!A0", "+7 916 123-45-67"], ["@SUM(A1)", "+79161234567"], ["-2+3", ""],
            ["\tTAB", ""], ["A\x00B\x07C", ""], ["-1500", ""], ["обычный текст", ""]]  # fmt: skip
    src = workbook(tmp_path / "f.xlsx", rows)  # xlsx keeps NUL/BEL as _x0000_/_x0007_; calamine gives them back
    assert "A\x00B\x07C" in api.read_source(src).frame["Сделка"].tolist()
    (tmp_path / "p.yaml").write_text(PROFILE.replace(", transform: phone", ""), encoding="utf-8")
    api.export(src, tmp_path / "p.yaml", tmp_path / "out.csv")
    raw = (tmp_path / "out.csv").read_bytes()
    assert b"\x00" not in raw and b"\x07" not in raw
    with open(tmp_path / "out.csv", encoding="utf-8-sig", newline="") as fh:
        got = list(csv.reader(fh, delimiter=";"))[1:]
    names = [r[0] for r in got]
    assert names == ["'=cmd|' /C calc'!A0", "'@SUM(A1)", "'-2+3", "TAB", "ABC", "-1500", "обычный текст"]
    assert [r[1] for r in got[:2]] == ["+79161234567", "+79161234567"]  # phones keep their plus


@pytest.mark.parametrize("cell", ["+7 916 123-45-67", "+79161234567", "-1500", "-1 500,50", "8 (916) 123-45-67"])
def test_csv_cell_keeps_phones_and_numbers_as_they_are(cell):
    assert csv_cell(cell) == cell


@pytest.mark.parametrize("cell", ["=1", "+1+cmd", "-A1", "@x", "\r=1", "=" + "9" * 100_000])
def test_csv_cell_never_starts_with_a_formula_trigger(cell):
    assert csv_cell(cell).startswith("'")


def test_odd_sheet_names_are_sanitised_and_the_rejects_file_written(tmp_path):
    src = workbook(tmp_path / "odd.xlsx", [["A", "not a phone"]], sheet="Лист1")
    names = SheetNames()
    assert names("../../tmp/pwned") == ".._.._tmp_pwned" and names("a/b\\c:*?[]") == "a_b_c_____"
    assert names("x" * 40) == "x" * 31 and names("x" * 40) == "x" * 27 + " (2)"
    table = api.read_source(src)
    table.sheet = "../../tmp/pwned"  # what calamine returns for a sheet another tool named so
    report = api.export(table, PROFILE_FILE(tmp_path), tmp_path / "o.xlsx")
    assert report.sheet == "../../tmp/pwned"  # the original name stays in the report
    assert api.read_source(report.outputs["rejects"][0], sheet=".._.._tmp_pwned").rows == 1
    assert not (tmp_path.parent / "tmp").exists()


def PROFILE_FILE(folder: Path) -> Path:  # noqa: N802
    (folder / "p.yaml").write_text(PROFILE, encoding="utf-8")
    return folder / "p.yaml"


def test_the_import_writer_splits_at_what_a_sheet_holds(tmp_path, monkeypatch):
    import migrate.sinks.xlsx as xlsx

    monkeypatch.setattr(xlsx, "SHEET_ROWS", 3)  # the real bound is 1,048,575 data rows
    frame = pd.DataFrame({"Название сделки": [f"r{i}" for i in range(7)], "Бюджет сделки": ["1"] * 7})
    paths = write_import(frame, tmp_path / "big.xlsx")
    assert [p.name for p in paths] == ["big.part1.xlsx", "big.part2.xlsx", "big.part3.xlsx"]
    assert [api.read_source(p).rows for p in paths] == [3, 3, 1]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["export", "x.xlsx", "-p", "p.yaml", "-o", "out.csv", "--rejects", "bad.csv"], "Rejects file bad.csv"),
        (["export", "x.xlsx", "-p", "p.yaml", "-o", "out.xlsx", "--report", "r.txt"], "Report file r.txt must end in"),
        (["validate", "x.xlsx", "-p", "p.yaml", "--report", "r.TXT"], "Report file r.TXT must end in"),
    ],
    ids=["rejects-csv", "export-report-txt", "validate-report-txt"],
)
def test_an_output_name_no_writer_can_honour_fails_before_the_run_and_writes_nothing(run_dir, monkeypatch, args,
                                                                                     said):  # fmt: skip
    """The rejects file is a workbook: named .csv it got a workbook's bytes under a text name. A report
    suffix was checked only at the write, after the whole run and after the import file was written."""
    monkeypatch.chdir(run_dir)
    before = {p.name: p.read_bytes() for p in run_dir.iterdir()}
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert said in result.output and "Traceback" not in result.output
    assert {p.name: p.read_bytes() for p in run_dir.iterdir()} == before
    with pytest.raises(api.MigrateError, match="must end in .xlsx"):
        api.export(run_dir / "x.xlsx", run_dir / "p.yaml", run_dir / "out.xlsx", rejects=run_dir / "r.csv")
    assert not (run_dir / "out.xlsx").exists()
