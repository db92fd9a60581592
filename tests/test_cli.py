"""The command line: exit codes, the reconciliation line, clean one-paragraph errors, JSON equal to the API."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import migrate
from migrate.cli import cli

FIX = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = str(ROOT / "samples" / "account.json")
DIRTY = str(FIX / "deals_dirty.csv")
PROFILE = str(FIX / "deals_dirty.yaml")


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_validate_prints_reconciliation_and_exits_1_on_data_errors():
    result = run("validate", DIRTY, "-p", PROFILE, "--schema", ACCOUNT, "-q")
    assert result.exit_code == 1
    assert "read 8 = exported 3 + rejected 5" in result.output


def test_export_writes_files_and_exits_1(tmp_path):
    out = tmp_path / "o.xlsx"
    result = run("export", DIRTY, "-p", PROFILE, "--schema", ACCOUNT, "-o", str(out), "--report",
                 str(tmp_path / "r.xlsx"), "-q")  # fmt: skip
    assert result.exit_code == 1
    assert out.exists() and (tmp_path / "o.rejects.xlsx").exists() and (tmp_path / "r.xlsx").exists()
    assert "read 8 = exported 3 + rejected 5" in result.output


def test_clean_data_exits_0(tmp_path):
    src = tmp_path / "clean.csv"
    src.write_text("Сделка;Менеджер\nОкна;Анна Смирнова\n", encoding="utf-8")
    prof = tmp_path / "p.yaml"
    prof.write_text("version: 1\nentity: leads\ncolumns:\n  Сделка: Название сделки\n"
                    "  Менеджер: {field: Ответственный за сделку, owner: true}\n", encoding="utf-8")  # fmt: skip
    result = run("export", str(src), "-p", str(prof), "--schema", ACCOUNT, "-o", str(tmp_path / "o.xlsx"), "-q")
    assert result.exit_code == 0, result.output
    assert "read 1 = exported 1 + rejected 0" in result.output


def test_format_json_equals_the_api_result():
    result = run("validate", DIRTY, "-p", PROFILE, "--schema", ACCOUNT, "--format", "json", "-q")
    data = json.loads(result.stdout)
    api = migrate.validate(DIRTY, PROFILE, ACCOUNT)
    assert data["counts"] == api.counts()
    assert data["issues"] == [i.to_dict() for i in api.issues]
    assert "read 8 = exported 3 + rejected 5" in result.stderr


@pytest.mark.parametrize("suffix", [".json", ".xlsx", ".html"])
def test_validate_writes_report_in_each_format(tmp_path, suffix):
    path = tmp_path / f"report{suffix}"
    run("validate", DIRTY, "-p", PROFILE, "--schema", ACCOUNT, "--report", str(path), "-q")
    assert path.stat().st_size > 0
    if suffix == ".html":
        text = path.read_text(encoding="utf-8")
        assert "Переговры" in text and "http" not in text.split("<body>")[0].replace("https://", "")


def _fails_cleanly(result, *needles):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: ")
    for n in needles:
        assert n in result.output


def test_missing_source_exits_2_naming_the_file(tmp_path):
    missing = str(tmp_path / "nope.xlsx")
    _fails_cleanly(run("validate", missing, "-p", PROFILE, "-q"), "nope.xlsx")


def test_empty_source_exits_2(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    _fails_cleanly(run("validate", str(empty), "-p", PROFILE, "-q"), "empty.csv")


def test_wrong_sheet_exits_2_naming_sheets(tmp_path):
    out = tmp_path / "o.xlsx"
    run("export", DIRTY, "-p", PROFILE, "--schema", ACCOUNT, "-o", str(out), "-q")
    _fails_cleanly(run("validate", str(out), "-p", PROFILE, "--sheet", "Нет такого", "-q"), "Нет такого", "Импорт")


def test_invalid_profile_exits_2_naming_the_file_and_path(tmp_path):
    prof = tmp_path / "bad.yaml"
    prof.write_text("version: 1\nentity: deals\ncolumns: {}\n", encoding="utf-8")
    _fails_cleanly(run("validate", DIRTY, "-p", str(prof), "-q"), "bad.yaml", "entity")


def test_invalid_schema_exits_2(tmp_path):
    bad = tmp_path / "acc.json"
    bad.write_text("{}", encoding="utf-8")
    _fails_cleanly(run("validate", DIRTY, "-p", PROFILE, "--schema", str(bad), "-q"), "acc.json", "pipelines")


def test_corrupt_workbook_exits_2(tmp_path):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 50)
    _fails_cleanly(run("validate", str(bad), "-p", PROFILE, "-q"), "broken.xlsx")


def test_console_script_runs_as_a_module():
    proc = subprocess.run([sys.executable, "-m", "migrate.cli", "--help"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0
    for command in ("validate", "export"):
        assert command in proc.stdout


def test_every_command_has_help_text():
    for name, command in cli.commands.items():
        assert command.help, f"command {name} has no help"
