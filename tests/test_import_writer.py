"""The import workbook writer: what a user typed comes back from Excel readers as the same text."""

import openpyxl
import pandas as pd
import pytest
import python_calamine

from migrate.sinks.sheetxml import xml_text
from migrate.sinks.xlsx import write_import

TRICKY = [
    "=SUM(A1:A2)",
    "=СРОЧНО перезвонить",
    "+79161234567",
    "-минус",
    "@упомянуть",
    "00123",
    "  leading and trailing  ",
    "line one\nline two",
    "a & b < c > d",
    "литерал _x0041_ не буква A",
    "bell\x07 and tab\t",
    "€ ₽ ё 😀",
    "1E+10",
    "0.1",
]


@pytest.fixture
def written(tmp_path):
    frame = pd.DataFrame(
        {"Текст": TRICKY, "Бюджет сделки": ["1500000", "12.5", "", "-7"] + [""] * (len(TRICKY) - 4)},
        dtype=object,
    )
    path = tmp_path / "import.xlsx"
    write_import(frame, path, numeric=["Бюджет сделки"])
    return path


def test_text_reads_back_identically_in_openpyxl(written):
    ws = openpyxl.load_workbook(written).active
    assert [c.value for c in ws[1]] == ["Текст", "Бюджет сделки"]
    got = [ws.cell(r, 1).value for r in range(2, len(TRICKY) + 2)]
    # openpyxl does not undo OOXML's `_xHHHH_` escapes (Excel and calamine do: see the next test)
    escaped = {i for i, t in enumerate(TRICKY) if "_x0041_" in t or "\x07" in t}
    assert [g for i, g in enumerate(got) if i not in escaped] == [t for i, t in enumerate(TRICKY) if i not in escaped]
    for row in ws.iter_rows():
        for cell in row:
            assert cell.data_type != "f"


def test_text_reads_back_identically_in_calamine(written):
    rows = python_calamine.CalamineWorkbook.from_path(written).get_sheet_by_index(0).to_python()
    assert [r[0] for r in rows[1:]] == TRICKY


def test_only_whole_numbers_in_numeric_columns_become_number_cells(written):
    ws = openpyxl.load_workbook(written).active
    assert ws.cell(2, 2).value == 1500000 and ws.cell(2, 2).data_type == "n"
    assert ws.cell(3, 2).value == "12.5" and ws.cell(3, 2).data_type == "s"
    assert ws.cell(4, 2).value is None
    assert ws.cell(5, 2).value == -7


def test_header_is_bold_and_frozen(written):
    ws = openpyxl.load_workbook(written).active
    assert ws.cell(1, 1).font.b
    assert ws.freeze_panes == "A2"
    assert ws.dimensions == f"A1:B{len(TRICKY) + 1}"


def test_no_scratch_file_is_left_behind(written):
    assert [p.name for p in written.parent.iterdir()] == ["import.xlsx"]


@pytest.mark.parametrize(
    "text, xml",
    [("plain", "plain"), ("a&b", "a&amp;b"), ("<t>", "&lt;t&gt;"), ("_x0041_", "_x005F_x0041_"), ("\x01", "_x0001_")],
)
def test_xml_text_escapes_markup_controls_and_ooxml_escapes(text, xml):
    assert xml_text(text) == xml


def test_many_rows_stream_in_chunks(tmp_path, monkeypatch):
    import migrate.sinks.sheetxml as sx

    monkeypatch.setattr(sx, "CHUNK", 7)
    frame = pd.DataFrame({"A": [str(i) for i in range(50)], "B": ["x"] * 50}, dtype=object)
    path = tmp_path / "big.xlsx"
    ticks = []
    write_import(frame, path, tick=ticks.append)
    rows = python_calamine.CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()
    assert [r[0] for r in rows[1:]] == [str(i) for i in range(50)]
    assert sum(ticks) == 50
