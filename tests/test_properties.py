"""Properties over generated tables: no row is ever lost or duplicated, and text survives the round trip."""

import csv
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import migrate
from migrate.core.mapping import REJECT_ROW
from migrate.core.profile import Profile

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = migrate.load_schema(ROOT / "samples" / "account.json")

_cell = st.one_of(
    st.sampled_from(["", "Анна Смирнова", "смирнова анна", "Вася", "Переговоры", "переговры", "8 916 123-45-67",
                     "+79031112233", "12345", "a@b.ru", "bad@", "1 500,50", "abc", "=SUM(A1)", "00123", "Яндекс"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
)  # fmt: skip
_row = st.tuples(_cell, _cell, _cell, _cell, _cell, _cell)
HEADER = ["Сделка", "Менеджер", "Этап", "Телефон", "Почта", "Сумма"]


def _profile() -> Profile:
    p = Profile(entity="leads", columns={})
    p.map("Сделка", "Название сделки").map("Менеджер", "Ответственный за сделку", owner=True)
    p.map("Этап", "Статус сделки").map("Телефон", "Рабочий телефон (контакт)", transform="phone")
    p.map("Почта", "Рабочий email (контакт)").map("Сумма", "Бюджет сделки")
    return p


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_row, min_size=1, max_size=15).filter(lambda rows: any(c.strip() for r in rows for c in r)))
def test_every_row_ends_exactly_once_in_import_or_rejects(rows, tmp_path_factory):
    folder = tmp_path_factory.mktemp("prop")
    src = folder / "in.csv"
    with src.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(rows)
    table = migrate.read_source(src, delimiter=";", header_row=1)
    out = folder / "out.xlsx"
    report = migrate.export(table, _profile(), out, ACCOUNT)
    assert report.read + report.empty_rows == len(rows)
    assert report.exported + report.rejected == report.read
    imported = list(openpyxl.load_workbook(out).active.iter_rows(min_row=2, values_only=True))
    rejected = [
        r[0]
        for r in openpyxl.load_workbook(out.with_name("out.rejects.xlsx")).active.iter_rows(min_row=2, values_only=True)
    ]
    assert len(imported) == report.exported
    assert rejected == report.rejected_rows
    kept = [r for r in table.frame.index if r not in set(rejected)]
    assert len(kept) == len(imported)
    # rejected rows carry their source text unchanged
    wb = openpyxl.load_workbook(out.with_name("out.rejects.xlsx")).active
    header = [c.value for c in wb[1]]
    for line in wb.iter_rows(min_row=2, values_only=True):
        source_row = line[header.index(REJECT_ROW)]
        for column in HEADER:
            assert (line[header.index(column)] or "") == table.frame.at[source_row, column]
