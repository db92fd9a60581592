"""Properties of the cell ledger and of every workbook a run writes, over generated tables and profiles.

- Ledger: for every source column, the non-empty cells read = exported + rejected + merged + linked +
  dropped + unmapped, and "exported" is exactly the non-empty cells of mapped columns in exported rows.
- Output integrity: the import, rejects and report workbooks open in openpyxl and in calamine, whatever the
  table (no row, one column, odd headers) and whatever the profile maps.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

import migrate
from migrate.core.issues import ProfileError
from migrate.core.ledger import BUCKETS, Ledger
from migrate.core.profile import ColumnSpec, Profile
from migrate.core.table import SourceTable
from migrate.sinks.reports import write_rejects
from migrate.sinks.xlsx import write_import

HEADERS = ["Сделка", "Эл.\xa0почта", "Телефон", "Сумма", "Комментарий", "Менеджер", "Этап", "Поле X", "Cумма"]
TARGETS = ["Название сделки", "Рабочий email (контакт)", "Рабочий телефон (контакт)", "Бюджет сделки",
           "Примечание к сделке", "Ответственный за сделку", "Статус сделки", "Нет такого поля"]  # fmt: skip
CELLS = st.one_of(
    st.sampled_from(["", " ", "Окна", "a@b.ru", "bad@", "+79161234567", "8 916", "1 500", "x", "=1+1", "Итого",
                     "Переговоры", "Анна Смирнова", "строка\nдругая"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=8),
)  # fmt: skip
# what a profile does with a column: map it (to one of TARGETS), drop it (None), or not mention it
CHOICE = st.one_of(st.sampled_from(TARGETS), st.none(), st.just("absent"))


@st.composite
def tables_and_profiles(draw, min_rows: int = 1):  # noqa: ANN001, ANN201
    headers = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=6, unique=True))
    rows = draw(st.integers(min_value=min_rows, max_value=12))
    data = {h: draw(st.lists(CELLS, min_size=rows, max_size=rows)) for h in headers}
    frame = pd.DataFrame(data, index=pd.RangeIndex(2, rows + 2), dtype=object)
    table = SourceTable(frame=frame, path=Path("generated.csv"), kind="csv")
    columns: dict[str, ColumnSpec | None] = {}
    for h in headers + draw(st.lists(st.sampled_from(["Нет в файле", "Эл. почта", "Сумма"]), max_size=2)):
        choice = draw(CHOICE)
        if choice != "absent":
            columns[h] = None if choice is None else ColumnSpec(choice)
    assume(columns)
    return table, Profile(entity="leads", columns=columns, owner_default="Анна Смирнова")


def _validate(table: SourceTable, profile: Profile) -> migrate.Report:
    try:
        return migrate.validate(table, profile)
    except ProfileError:  # nothing mapped, or two columns on a one-value target: refused, not a ledger case
        assume(False)
        raise


@settings(max_examples=60, deadline=None)
@given(case=tables_and_profiles())
def test_every_non_empty_cell_is_in_exactly_one_bucket(case):
    table, profile = case
    report = _validate(table, profile)
    ledger = report.ledger().set_index("column")
    assert list(ledger.index) == table.columns
    filled = table.frame.map(lambda v: v.strip() != "")
    for column in table.columns:
        assert ledger.at[column, "read"] == filled[column].sum()
        assert ledger.at[column, "read"] == sum(ledger.at[column, b] for b in BUCKETS)
    exported_rows = ~table.frame.index.isin(report.rejected_rows)
    mapped = [c for c in table.columns if ledger.at[c, "exported"] + ledger.at[c, "rejected"] > 0]
    for column in mapped:
        assert ledger.at[column, "exported"] == filled[column][exported_rows].sum()


@settings(max_examples=20, deadline=None)
@given(case=tables_and_profiles(min_rows=2))
def test_ledgers_of_chunks_add_up_to_the_ledger_of_the_whole(case):
    table, profile = case
    whole = _validate(table, profile)
    half = len(table.frame) // 2
    parts = []
    for frame in (table.frame.iloc[:half], table.frame.iloc[half:]):
        parts.append(_validate(SourceTable(frame=frame, path=table.path, kind="csv"), profile).cells)
    assert (parts[0] + parts[1]).counts == whole.cells.counts
    assert Ledger() + whole.cells == whole.cells


def _read_everywhere(path: Path) -> list[list[object]]:
    """Every sheet of `path` through openpyxl and through calamine; both must agree on the cell count."""
    book = openpyxl.load_workbook(path)
    rows = [list(r) for ws in book.worksheets for r in ws.iter_rows(values_only=True)]
    calamine = CalamineWorkbook.from_path(str(path))
    for name in calamine.sheet_names:
        calamine.get_sheet_by_name(name).to_python()
    return rows


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=tables_and_profiles(min_rows=0))
def test_every_workbook_a_run_writes_opens_in_openpyxl_and_calamine(case, tmp_path_factory):
    table, profile = case
    folder = tmp_path_factory.mktemp("out")
    try:
        report = migrate.export(table, profile, folder / "import.xlsx", report=folder / "report.xlsx")
    except ProfileError:
        assume(False)
        raise
    imported = _read_everywhere(folder / "import.xlsx")
    assert len(imported) == 1 + report.exported
    rejected = _read_everywhere(folder / "import.rejects.xlsx")
    assert len(rejected) == 1 + report.rejected
    _read_everywhere(folder / "report.xlsx")


@pytest.mark.parametrize("columns", [[], ["Название сделки"]])
@pytest.mark.parametrize("rows", [0, 3])
def test_import_workbook_is_valid_with_no_column_one_column_and_no_row(tmp_path, columns, rows):
    frame = pd.DataFrame({c: ["x"] * rows for c in columns}, index=pd.RangeIndex(2, rows + 2), dtype=object)
    path = write_import(frame, tmp_path / "i.xlsx")[0]
    assert len(_read_everywhere(path)) == (1 + rows if columns else 0)


def test_rejects_workbook_is_valid_with_no_rejected_row(tmp_path):
    table = SourceTable(frame=pd.DataFrame({"Сделка": pd.Series([], dtype=object)}), path=Path("e.csv"), kind="csv")
    report = migrate.validate(table, Profile(entity="leads", columns={"Сделка": ColumnSpec("Название сделки")}))
    assert _read_everywhere(write_rejects(table, report, tmp_path / "r.xlsx"))[0][:2] == ["Строка источника", "Ошибки"]
