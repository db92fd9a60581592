"""validate and export through the Python API: what is rejected, why, and what the import file holds."""

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import migrate
from migrate import IssueCode, ProfileError
from migrate.core.mapping import REJECT_REASONS, REJECT_ROW

FIX = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = ROOT / "samples" / "account.json"
DIRTY = FIX / "deals_dirty.csv"
DIRTY_PROFILE = FIX / "deals_dirty.yaml"


def issues_of(report, code):
    return [i for i in report.issues if i.code is code]


def read_xlsx(path):
    ws = openpyxl.load_workbook(path).active
    return [[c for c in row] for row in ws.iter_rows()]


@pytest.fixture(scope="module")
def report():
    return migrate.validate(DIRTY, DIRTY_PROFILE, ACCOUNT)


def test_every_row_is_counted_once(report):
    assert report.read == 8
    assert report.empty_rows == 1
    assert report.exported + report.rejected == report.read
    assert report.rejected_rows == [4, 6, 7, 10, 11]
    assert report.reconciliation() == "read 8 = exported 3 + rejected 5"


def test_row_numbers_are_physical_under_title_rows(report):
    # header at row 3 under a title row and a blank row; the first deal is row 4
    first = issues_of(report, IssueCode.UNKNOWN_STATUS)[0]
    assert (first.row, first.column, first.value) == (4, "Этап", "Переговры")


def test_misspelt_stage_suggests_the_right_stage(report):
    first = issues_of(report, IssueCode.UNKNOWN_STATUS)[0]
    assert first.severity == "error"
    assert first.suggestion == "Переговоры"
    assert "Воронка" in first.message


def test_stage_is_checked_in_the_rows_own_pipeline(report):
    wrong_pipeline = [i for i in issues_of(report, IssueCode.UNKNOWN_STATUS) if i.row == 10]
    assert wrong_pipeline and "Оптовые продажи" in wrong_pipeline[0].message
    # "Расчет" without ё is the pipeline's "Расчёт": accepted silently
    assert not [i for i in report.issues if i.row == 9 and i.severity == "error"]


def test_misspelt_pipeline_is_an_error_with_suggestion(report):
    (issue,) = issues_of(report, IssueCode.UNKNOWN_PIPELINE)
    assert (issue.row, issue.value, issue.suggestion) == (11, "Оптовые продаж", "Оптовые продажи")


def test_misspelt_owner_suggests_the_right_user(report):
    (issue,) = issues_of(report, IssueCode.UNKNOWN_OWNER)
    assert (issue.row, issue.value, issue.suggestion) == (6, "Смирнва Анна", "Анна Смирнова")


def test_bad_values_keep_the_original_text(report):
    assert [(i.row, i.value) for i in issues_of(report, IssueCode.BAD_NUMBER)] == [(6, "abc")]
    assert [(i.row, i.value) for i in issues_of(report, IssueCode.BAD_EMAIL)] == [(6, "bad@mail")]


def test_unknown_list_option_is_an_error(report):
    (issue,) = issues_of(report, IssueCode.VALUE_NOT_IN_LIST)
    assert (issue.row, issue.field, issue.value) == (6, "Источник", "Яндекс")


def test_field_required_at_stage_is_enforced(report):
    (issue,) = issues_of(report, IssueCode.REQUIRED_AT_STATUS)
    assert (issue.row, issue.field) == (7, "Номер договора")
    assert "Согласование договора" in issue.message


def test_row_without_deal_name_is_a_warning(report):
    (issue,) = issues_of(report, IssueCode.NO_NAME)
    assert (issue.row, issue.severity) == (12, "warning")


def test_dropped_column_gives_no_warning(report):
    assert not [i for i in report.issues if i.column == "Служебное"]


def test_report_frame_has_fixed_columns_and_filters(report):
    frame = report.to_frame()
    assert list(frame.columns) == ["row", "column", "field", "code", "severity", "value", "suggestion", "message"]
    errors = report.to_frame(severity="error")
    assert set(errors["severity"]) == {"error"}
    assert len(errors) == report.errors
    assert list(report.to_frame(code="unknown_owner")["value"]) == ["Смирнва Анна"]
    assert set(report.to_frame(column="Этап")["code"]) == {"unknown_status"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "deals.xlsx"
    result = migrate.export(DIRTY, DIRTY_PROFILE, out, ACCOUNT, report=out.with_suffix(".json"))
    return result, out


def test_import_file_header_is_the_target_headers(exported):
    result, out = exported
    header = [c.value for c in read_xlsx(out)[0]]
    profile = migrate.load_profile(DIRTY_PROFILE)
    targets = [spec.field for spec in profile.mapped().values()]
    assert header == targets + ["Другой телефон (контакт)"]


def test_import_file_holds_exported_rows_in_source_order(exported):
    result, out = exported
    rows = read_xlsx(out)[1:]
    assert len(rows) == result.exported == 3
    assert [r[0].value for r in rows] == ["Крыша", "Опт бетон", None]


def test_import_cells_keep_plus_zeros_and_are_never_formulas(exported):
    _, out = exported
    rows = read_xlsx(out)
    header = [c.value for c in rows[0]]
    krysha = {h: c for h, c in zip(header, rows[1], strict=True)}
    assert krysha["Рабочий телефон (контакт)"].value == "+79031112233"
    assert krysha["ИНН (компания)"].value == "007700000001"
    assert krysha["Примечание к сделке"].value == "@упомянуть"
    assert krysha["Ответственный за сделку"].value == "Игорь Петров"
    assert krysha["Статус сделки"].value == "Согласование договора"
    assert krysha["Бюджет сделки"].value == 250000  # the importer wants whole numbers; a number cell
    for row in rows:
        for cell in row:
            assert cell.data_type != "f"


def test_rejects_keep_original_text_row_and_reasons(exported):
    result, out = exported
    rows = read_xlsx(out.with_name("deals.rejects.xlsx"))
    header = [c.value for c in rows[0]]
    assert header[:2] == [REJECT_ROW, REJECT_REASONS]
    body = [{h: c.value for h, c in zip(header, r, strict=True)} for r in rows[1:]]
    assert [b[REJECT_ROW] for b in body] == result.rejected_rows
    first = body[0]
    assert first["Комментарий"] == "=СРОЧНО перезвонить"
    assert first["Телефон"] == "8 (916) 123-45-67, 8-903-111-22-33"
    assert "Переговры" in first[REJECT_REASONS] and "Переговоры" in first[REJECT_REASONS]
    for row in rows:
        for cell in row:
            assert cell.data_type != "f"


def test_fixed_rejects_run_again_through_the_same_profile(exported, tmp_path):
    _, out = exported
    wb = openpyxl.load_workbook(out.with_name("deals.rejects.xlsx"))
    ws = wb.active
    header = [c.value for c in ws[1]]
    col = {h: i + 1 for i, h in enumerate(header)}
    fixes = {
        "Этап": {"Переговры": "Переговоры", "Переговоры": "Новая заявка", "первичный контакт": "Первичный контакт"},
        "Сумма": {"abc": "10"},
        "Менеджер": {"Смирнва Анна": "Анна Смирнова"},
        "E-mail": {"bad@mail": "a@b.ru"},
        "Источник": {"Яндекс": "Реклама"},
        "Воронка": {"Оптовые продаж": "Оптовые продажи"},
    }
    for r in range(2, ws.max_row + 1):
        for column, repl in fixes.items():
            cell = ws.cell(r, col[column])
            if cell.value in repl:
                cell.value = repl[cell.value]
        if ws.cell(r, col["Этап"]).value == "Согласование договора":
            ws.cell(r, col["Номер договора"]).value = "Д-1"
    fixed = tmp_path / "fixed.xlsx"
    wb.save(fixed)
    again = migrate.validate(fixed, DIRTY_PROFILE, ACCOUNT)
    assert again.read == 5
    assert again.rejected == 0, again.summary()
    assert not issues_of(again, IssueCode.UNMAPPED_COLUMN)


def test_report_json_written(exported):
    import json

    result, out = exported
    data = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert data["counts"]["read"] == 8
    assert data["counts"]["rejected"] == 5
    assert len(data["issues"]) == len(result.issues)


def test_owner_as_email_writes_emails(tmp_path):
    out = tmp_path / "e.xlsx"
    migrate.export(DIRTY, DIRTY_PROFILE, out, ACCOUNT, owner_as="email")
    rows = read_xlsx(out)
    col = [c.value for c in rows[0]].index("Ответственный за сделку")
    assert {r[col].value for r in rows[1:]} <= {
        "igor.petrov@example.ru",
        "olga.kuznetsova@example.ru",
        "dmitry.volkov@example.ru",
    }


def test_max_rows_splits_parts_with_header_repeated(tmp_path):
    out = tmp_path / "p.xlsx"
    result = migrate.export(DIRTY, DIRTY_PROFILE, out, ACCOUNT, max_rows=2)
    parts = result.outputs["import"]
    assert [p.name for p in parts] == ["p.part1.xlsx", "p.part2.xlsx"]
    first, second = read_xlsx(parts[0]), read_xlsx(parts[1])
    assert [c.value for c in first[0]] == [c.value for c in second[0]]
    assert len(first) - 1 + len(second) - 1 == result.exported


def test_csv_output_is_semicolon_utf8_with_text_intact(tmp_path):
    out = tmp_path / "d.csv"
    migrate.export(DIRTY, DIRTY_PROFILE, out, ACCOUNT)
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith('"Название сделки";"Бюджет сделки"')
    assert '"007700000001"' in text and '"+79031112233"' in text


def test_default_schema_passes_owners_through_with_one_warning_each(tmp_path):
    report = migrate.validate(DIRTY, DIRTY_PROFILE)
    unchecked = issues_of(report, IssueCode.UNCHECKED_OWNER)
    values = [i.value for i in unchecked]
    assert len(values) == len(set(values))
    assert "Ольга Кузнецова" in values
    assert not issues_of(report, IssueCode.UNKNOWN_OWNER)
    # custom fields of samples/account.json are unknown to a fresh account: one file-level error each
    unknown = {i.field for i in issues_of(report, IssueCode.UNKNOWN_FIELD)}
    assert unknown == {"Источник", "Продукты", "ИНН (компания)", "Номер договора"}
    assert all(i.row is None for i in issues_of(report, IssueCode.UNKNOWN_FIELD))


def test_unknown_target_suggests_close_headers():
    profile = migrate.load_profile(DIRTY_PROFILE)
    profile.map("Сделка", "Название сдлки")
    report = migrate.validate(DIRTY, profile, ACCOUNT)
    (issue,) = issues_of(report, IssueCode.UNKNOWN_FIELD)
    assert issue.suggestion.startswith("Название сделки")


def test_unmapped_column_warns_with_a_suggested_header():
    profile = migrate.load_profile(DIRTY_PROFILE)
    del profile.columns["Воронка"]
    report = migrate.validate(DIRTY, profile, ACCOUNT)
    (issue,) = issues_of(report, IssueCode.UNMAPPED_COLUMN)
    assert issue.column == "Воронка" and issue.severity == "warning"
    assert issue.suggestion == "Воронка"


def test_owner_default_fills_empty_owner_cells():
    profile = migrate.load_profile(DIRTY_PROFILE)
    profile.owner_default = "dmitry.volkov@example.ru"
    mapped = migrate.apply_profile(FIX / "deals_dirty.csv", profile, ACCOUNT)
    assert not [i for i in mapped.issues if i.code is IssueCode.EMPTY_OWNER]


def test_owner_map_naming_a_missing_user_is_a_profile_error():
    profile = migrate.load_profile(DIRTY_PROFILE)
    profile.owners["Менеджер Вася"] = "vasya@example.ru"
    with pytest.raises(ProfileError, match="vasya@example.ru"):
        migrate.validate(DIRTY, profile, ACCOUNT)


def test_two_columns_on_one_single_value_target_is_a_profile_error():
    # a budget holds one number: two columns on it cannot be joined (text targets can, see test_foreign_files)
    profile = migrate.load_profile(DIRTY_PROFILE)
    profile.map("Комментарий", "Бюджет сделки")
    with pytest.raises(ProfileError, match="same target"):
        migrate.validate(DIRTY, profile, ACCOUNT)


def test_text_longer_than_an_excel_cell_is_rejected_not_cut(tmp_path):
    src = tmp_path / "long.csv"
    src.write_text("Сделка;Комментарий\nОкна;" + "я" * 40000 + "\nДвери;коротко\n", encoding="utf-8")
    profile = migrate.Profile(entity="leads", columns={})
    profile.map("Сделка", "Название сделки").map("Комментарий", "Примечание к сделке")
    report = migrate.validate(src, profile, ACCOUNT)
    (issue,) = issues_of(report, IssueCode.TEXT_TOO_LONG)
    assert issue.row == 2 and "40000" in issue.message
    assert report.rejected_rows == [2]


@settings(max_examples=200, deadline=None)
@given(cells=st.lists(st.one_of(st.text(max_size=6), st.none(), st.just(float("nan"))), min_size=1, max_size=20)
       .filter(lambda cells: any(isinstance(c, str) for c in cells)))  # fmt: skip
def test_cell_lengths_are_what_pandas_str_len_gives(cells: list[object]) -> None:
    from migrate.quality.checks import _lengths

    column = pd.Series(cells, dtype=object, index=range(2, len(cells) + 2))
    pd.testing.assert_series_equal(_lengths(column), column.str.len(), check_dtype=False)


def test_split_name_fills_first_and_last_name_in_russian_order(tmp_path):
    src = tmp_path / "people.csv"
    src.write_text("Сделка;ФИО\nОкна;Иванов Иван Иванович\nДвери;Анна Смирнова\n", encoding="utf-8")
    profile = migrate.Profile(entity="leads", columns={})
    profile.map("Сделка", "Название сделки")
    profile.columns["ФИО"] = migrate.ColumnSpec("Полное имя (контакт)", split_name=True)
    mapped = migrate.apply_profile(src, profile, ACCOUNT)
    assert list(mapped.frame["Фамилия (контакт)"]) == ["Иванов", "Смирнова"]
    assert list(mapped.frame["Имя (контакт)"]) == ["Иван Иванович", "Анна"]
    assert list(mapped.frame["Полное имя (контакт)"]) == ["Иванов Иван Иванович", "Анна Смирнова"]


def test_unknown_transform_in_a_profile_names_the_registry(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text("version: 1\nentity: leads\ncolumns:\n  A: {field: X, transform: upper}\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="columns/A/transform: 'upper' is not one of .*'phone'"):
        migrate.load_profile(p)


def test_unknown_field_suggestions_compare_names_not_entity_suffixes():
    report = migrate.validate(DIRTY, DIRTY_PROFILE)  # fresh account: no ИНН field
    (inn,) = [i for i in issues_of(report, IssueCode.UNKNOWN_FIELD) if i.field == "ИНН (компания)"]
    assert inn.suggestion is None
