"""Golden outputs: each sample through its profile exports exactly the checked-in table.

A case is `tests/golden/<name>.json` — `{"source": ..., "profile": ..., "schema": ... | null}` with paths
relative to the repository root — next to its golden `<name>.csv` (UTF-8, comma-separated: the import
workbook's header and rows as text). After an intended change, rewrite the goldens with
`AMOMIGRATE_REGEN_GOLDEN=1 pytest tests/test_golden.py` and review the diff like code.
"""

import csv
import json
import os
from pathlib import Path

import openpyxl
import pytest

import migrate

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*.json"))


def _workbook_rows(path: Path) -> list[list[str]]:
    ws = openpyxl.load_workbook(path, read_only=True).active
    return [["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_sample_exports_its_golden_table(case, tmp_path):
    spec = json.loads(case.read_text(encoding="utf-8"))
    schema = ROOT / spec["schema"] if spec.get("schema") else None
    profile = spec["profile"] if (ROOT / spec["profile"]).suffix == "" else ROOT / spec["profile"]
    out = tmp_path / "import.xlsx"
    report = migrate.export(ROOT / spec["source"], profile, out, schema)
    assert report.exported + report.rejected == report.read
    rows = _workbook_rows(out)
    golden = case.with_suffix(".csv")
    if os.environ.get("AMOMIGRATE_REGEN_GOLDEN"):
        with golden.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    with golden.open(encoding="utf-8", newline="") as fh:
        expected = list(csv.reader(fh))
    assert rows[0] == expected[0]
    assert len(rows) == len(expected)
    for n, (got, want) in enumerate(zip(rows, expected, strict=True)):
        assert got == want, f"import row {n + 1} differs"


def test_there_are_golden_cases():
    assert CASES
