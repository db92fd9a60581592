"""The mapping editor, driven through its widgets' public state as a person's clicks would drive it.

Every check compares the editor's live report with a fresh `migrate.validate` of the same profile, so the
editor can never show counts that `export` would not produce.
"""

from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import migrate
from migrate.core.table import SourceTable
from migrate.editor import AS_IS, DROP, NOT_MAPPED

pytest.importorskip("ipywidgets", reason="install the notebook extra: pip install -e '.[notebook]'")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "customers.xlsx"
ACCOUNT = ROOT / "samples" / "account.json"


@pytest.fixture(scope="module")
def table():
    return migrate.read_source(SAMPLE, sheet="Клиенты", header_row=3)


@pytest.fixture(scope="module")
def schema():
    return migrate.load_schema(ACCOUNT)


@pytest.fixture
def editor(table, schema):
    return migrate.MappingEditor(table, schema=schema)  # no profile: the `init` draft


def _fresh(editor):
    """What a separate validate of the editor's current profile says."""
    return migrate.validate(editor.session.table, editor.profile, editor.session.schema)


def _rows_of(report, column, code):
    return {i.row for i in report.issues if i.column == column and i.code.value == code}


def test_a_new_editor_starts_from_the_init_draft_with_one_line_per_column(editor, table, schema):
    draft = migrate.draft_profile(table, schema=schema)
    assert editor.profile.columns == draft.profile.columns
    assert list(editor.columns) == table.columns
    amount = editor.columns["Сумма"]
    assert amount.target.value == "Бюджет сделки"
    assert amount.fill.value.endswith("%") and amount.samples.value
    assert "bad_number" in amount.feedback.value and "errors" in amount.feedback.value
    assert _fresh(editor).reconciliation() in editor.summary.value


def test_target_choices_put_the_best_suggestions_first_then_drop_and_not_mapped(editor, schema):
    options = list(editor.columns["Моб. телефон"].target.options)
    assert options[0] == "Мобильный телефон (контакт)"
    assert NOT_MAPPED in options and DROP in options
    assert set(schema.targets("leads")) <= set(options)
    assert options.index(NOT_MAPPED) < options.index("Название сделки") or options[0] == "Название сделки"


def test_setting_a_target_changes_the_profile_and_the_counts(editor):
    before = editor.report
    bad_amounts = _rows_of(before, "Сумма", "bad_number")
    assert bad_amounts and bad_amounts <= set(before.rejected_rows)

    editor.columns["Сумма"].target.value = DROP

    assert editor.profile.columns["Сумма"] is None
    assert editor.report is not before
    assert not _rows_of(editor.report, "Сумма", "bad_number")
    assert editor.report.rejected < before.rejected
    assert editor.report.counts() == _fresh(editor).counts()
    assert editor.report.reconciliation() in editor.summary.value
    assert "ok" in editor.columns["Сумма"].feedback.value
    assert editor.columns["Сумма"].transform.disabled

    editor.columns["Сумма"].target.value = NOT_MAPPED
    assert "Сумма" not in editor.profile.columns
    assert "unmapped_column" in editor.columns["Сумма"].feedback.value

    editor.columns["Сумма"].target.value = "Бюджет сделки"
    assert editor.profile.columns["Сумма"].field == "Бюджет сделки"
    assert editor.report.counts() == before.counts()


def test_mapping_a_stage_value_takes_its_rows_out_of_the_rejects(editor):
    stages = editor.values["Этап"]
    refusals = {i.row for i in editor.report.issues if i.column == "Этап" and i.value == "Отказ"}
    assert refusals and refusals <= set(editor.report.rejected_rows)
    other_errors = {i.row for i in editor.report.issues if i.severity == "error" and i.value != "Отказ"}
    freed = refusals - other_errors
    assert freed, "the sample must have an 'Отказ' row with no other error"

    stages["Отказ"].value = "Закрыто и не реализовано"

    assert editor.profile.columns["Этап"].values["Отказ"] == "Закрыто и не реализовано"
    assert not freed & set(editor.report.rejected_rows)
    assert editor.report.counts() == _fresh(editor).counts()
    line = next(b for b in editor.columns["Этап"].values.children if b.children[0].value == "Отказ")
    assert "→ Закрыто и не реализовано" in line.children[3].value

    stages["Отказ"].value = AS_IS
    assert "Отказ" not in editor.profile.columns["Этап"].values
    assert freed <= set(editor.report.rejected_rows)


def test_a_stage_value_maps_to_a_role_that_holds_on_any_account(editor):
    stages = editor.values["Этап"]
    assert {"@won", "@lost", "@first"} <= set(stages["Отказ"].options)
    refusals = {i.row for i in editor.report.issues if i.column == "Этап" and i.value == "Отказ"}
    other_errors = {i.row for i in editor.report.issues if i.severity == "error" and i.value != "Отказ"}
    freed = refusals - other_errors

    stages["Отказ"].value = "@lost"

    assert editor.profile.columns["Этап"].values["Отказ"] == "@lost"
    assert freed and not freed & set(editor.report.rejected_rows)
    assert editor.report.counts() == _fresh(editor).counts()


def test_value_lines_say_what_each_value_resolves_to(editor):
    lines = {v.value: v for v in editor.session.values("Этап")}
    assert lines["Переговоры"].state == "exact" and lines["Переговоры"].resolved == "Переговоры"
    assert lines["первичный контакт"].state == "exact" and lines["первичный контакт"].resolved == "Первичный контакт"
    assert lines["Переговры"].state == "mapped" and lines["Переговры"].resolved == "Переговоры"
    assert lines["В работе"].state == "unknown"
    owners = {v.value: v for v in editor.session.values("Менеджер")}
    assert owners["Волков Д."].state == "fuzzy" and owners["Волков Д."].suggestion == "Дмитрий Волков"
    assert owners["Елена Морозова"].state == "inactive"


def test_an_owner_value_is_mapped_through_owners_map(editor):
    volkov = _rows_of(editor.report, "Менеджер", "unknown_owner") & {
        i.row for i in editor.report.issues if i.value == "Волков Д."
    }
    assert volkov
    editor.values["Менеджер"]["Волков Д."].value = "Дмитрий Волков"
    assert editor.profile.owners["Волков Д."] == "Дмитрий Волков"
    assert not volkov & _rows_of(editor.report, "Менеджер", "unknown_owner")
    assert editor.report.counts() == _fresh(editor).counts()


def test_transform_and_owner_controls_edit_the_column_spec(editor):
    assert _rows_of(editor.report, "Телефон", "bad_phone")
    editor.columns["Телефон"].transform.value = "raw"
    assert editor.profile.columns["Телефон"].transform == "raw"
    assert not _rows_of(editor.report, "Телефон", "bad_phone")
    editor.columns["Менеджер"].owner.value = False
    assert editor.profile.columns["Менеджер"].owner is False
    assert editor.report.counts() == _fresh(editor).counts()


def test_two_columns_on_one_single_value_target_is_shown_not_raised(editor):
    # a budget holds one number, so two columns cannot be joined into it (phones and text can: issue 10)
    before = editor.report
    editor.columns["Комментарий"].target.value = "Бюджет сделки"
    assert editor.problem and "same target" in editor.problem
    assert "Not applied" in editor.summary.value
    assert editor.report is before
    editor.columns["Комментарий"].target.value = DROP
    assert editor.problem is None
    assert editor.report.counts() == _fresh(editor).counts()


def test_save_writes_commented_yaml_that_loads_as_the_edited_profile(editor, tmp_path):
    editor.values["Этап"]["Отказ"].value = "Закрыто и не реализовано"
    editor.columns["Сайт"].target.value = DROP
    path = editor.save(tmp_path / "edited.yaml")
    text = path.read_text(encoding="utf-8")
    loaded = migrate.load_profile(path)
    assert loaded.columns == editor.profile.columns
    assert loaded.owners == editor.profile.owners and loaded.entity == editor.profile.entity
    assert '"Компания": "Название (компания)"  # synonym 100' in text
    assert '# "В работе": ""  # unknown, 3 rows: map it by hand' in text
    assert '# "Волков Д.": "Дмитрий Волков"  # fuzzy suggestion' in text
    assert f"# Last check: {editor.report.reconciliation()}." in text
    assert not list(tmp_path.glob(".edited.yaml.*")), "no temporary file left behind"


def test_save_refuses_to_write_over_an_input(schema, tmp_path):
    source = tmp_path / "base.csv"
    source.write_text("Компания;Телефон\nООО Ромашка;+7 916 123-45-67\n", encoding="utf-8")
    editor = migrate.MappingEditor(source, schema=schema)
    with pytest.raises(migrate.MigrateError, match="input"):
        editor.save(source)
    assert source.read_text(encoding="utf-8").startswith("Компания;Телефон")
    editor.save_path.value = str(source)
    editor.save_button.click()
    assert "input of this session" in editor.saved.value


def test_a_file_unlike_ours_english_headers_nbsp_empty_column_many_stages(schema, tmp_path):
    rows = 150
    frame = pd.DataFrame(
        {
            "Deal\u00a0name": [f"Deal {i}" for i in range(rows)],
            "Stage": [f"Stage {i % 90}" for i in range(rows)],  # 90 distinct unknown stages
            "Unused": [""] * rows,
            "Phone": ["+7 916 000-00-00"] * rows,
        },
        index=range(2, rows + 2),
    )
    table = SourceTable(frame=frame, path=tmp_path / "deals.csv", kind="csv")
    profile = migrate.Profile(entity="leads", columns={})
    profile.map("Deal\u00a0name", "Название сделки").map("Stage", "Статус сделки")
    editor = migrate.MappingEditor(table, profile, schema)
    assert editor.columns["Unused"].fill.value == "0%"
    assert len(editor.values["Stage"]) == 60  # capped: the most frequent first
    assert editor.report.rejected == rows
    editor.columns["Phone"].target.value = "Рабочий телефон (контакт)"
    editor.values["Stage"]["Stage 0"].value = "Переговоры"
    assert editor.report.rejected == rows - 2  # "Stage 0" is on rows 0 and 90
    assert editor.report.counts() == _fresh(editor).counts()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["Сумма", "Телефон", "Этап", "Источник", "ИНН", "Сайт"]),
                          st.sampled_from([DROP, NOT_MAPPED, "Бюджет сделки", "Примечание к сделке", "Воронка",
                                           "Город (контакт)", "Тег сделки"])),
                max_size=4))  # fmt: skip
def test_after_any_edits_the_live_report_is_what_validate_says(table, schema, edits):
    editor = migrate.MappingEditor(table, schema=schema)
    for column, target in edits:
        editor.columns[column].target.value = target
    assert editor.report.read == editor.report.exported + editor.report.rejected + editor.report.merged
    if editor.problem is None:
        assert editor.report.counts() == _fresh(editor).counts()


def test_each_line_shows_its_cell_ledger_and_the_whole_ledger_is_below(editor):
    ledger = editor.report.ledger().set_index("column")
    assert f"{ledger.at['Сумма', 'exported']} exported" in editor.columns["Сумма"].feedback.value
    assert "<table" in editor.ledger.value and "Сумма" in editor.ledger.value
    editor.columns["Сумма"].target.value = DROP
    dropped = editor.report.ledger().set_index("column").at["Сумма", "dropped"]
    assert dropped == editor.session.stats["Сумма"].filled
    assert f"{dropped} dropped" in editor.columns["Сумма"].feedback.value


def test_profile_and_report_render_as_tables_in_a_notebook(editor):
    page = editor.profile._repr_html_()
    assert "<table>" in page and "Сумма" in page and "Бюджет сделки" in page and "owner" in page
    report_page = editor.report._repr_html_()
    assert editor.report.reconciliation() in report_page
    for code, n in editor.report.by_code().items():
        assert f"<td>{code}</td>" in report_page and f"<td>{n}</td>" in report_page
    assert yaml.safe_load(editor.profile.to_yaml())["entity"] == "leads"
