"""The setup plan: owners, stages, custom fields with inferred types, stage rules."""

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import migrate
from migrate.cli import cli

ROOT = Path(__file__).resolve().parents[1]
FIX = Path(__file__).parent / "fixtures"
ACCOUNT = ROOT / "samples" / "account.json"


@pytest.fixture(scope="module")
def plan():
    return migrate.plan(FIX / "plan_base.csv", FIX / "plan_base.yaml", ACCOUNT)


def test_unmapped_columns_get_the_right_types(plan):
    fields = plan.fields.set_index("source_column")
    assert fields.loc["Отрасль", "type"] == "select"
    assert fields.loc["Отрасль", "options"] == ["Логистика", "Производство", "Строительство", "Торговля", "Услуги"]
    assert fields.loc["Дата договора", "type"] == "date"
    assert fields.loc["Площадь", "type"] == "numeric"
    assert fields.loc["Описание объекта", "type"] == "textarea"
    assert fields.loc["Услуги", "type"] == "multiselect"
    assert fields.loc["Услуги", "options"] == ["Монтаж", "Доставка", "Гарантия"]
    assert fields.loc["Договор подписан", "type"] == "checkbox"
    assert fields.loc["Почта бухгалтерии", "action"] == "map to a predefined EMAIL column"
    assert fields.loc["Дата договора", "fill_rate"] == 0.5
    assert len(fields.loc["Отрасль", "examples"]) == 3


def test_stage_rules_propose_fields_filled_at_a_stage(plan):
    rules = {(r.stage, r.field) for r in plan.stage_rules.itertuples()}
    assert rules == {("Согласование договора", "Дата договора"), ("Успешно реализовано", "Дата договора")}


def test_owners_and_stages_are_counted(plan):
    assert dict(zip(plan.users["owner"], plan.users["rows"], strict=True)) == {"Анна Смирнова": 30, "Игорь Петров": 30}
    assert list(plan.stages["source_stage"]) == ["Первичный контакт", "Переговоры", "Согласование договора",
                                                 "Успешно реализовано"]  # fmt: skip
    assert set(plan.stages["status"]) == {"ok"}


def test_unknown_owners_and_stages_are_planned_on_the_sample():
    plan = migrate.plan(ROOT / "samples" / "customers.xlsx", "customers", ACCOUNT)
    users = plan.users.set_index("owner")
    assert users.loc["Смирнва Анна", "closest_user"] == "Анна Смирнова"
    assert users.loc["Игорь Петров", "action"] == "ok"
    stages = plan.stages.set_index("source_stage")
    assert stages.loc["В работе", "status"] == "missing" and stages.loc["В работе", "create"] == "В работе"
    assert stages.loc["Переговоры", "status"] == "ok"


def test_custom_field_of_another_entity_keeps_its_entity():
    plan = migrate.plan(ROOT / "samples" / "customers.xlsx", "customers")  # fresh account: ИНН is unknown
    fields = plan.fields.set_index("source_column")
    assert fields.loc["ИНН", "field"] == "ИНН" and fields.loc["ИНН", "entity"] == "companies"
    assert fields.loc["ИНН", "type"] == "text"  # digit codes keep their zeros
    assert fields.loc["Источник", "type"] == "select"


def test_plan_workbook_has_a_sheet_per_section(tmp_path):
    out = tmp_path / "plan.xlsx"
    result = CliRunner().invoke(cli, ["plan", str(FIX / "plan_base.csv"), "-p", str(FIX / "plan_base.yaml"),
                                      "--schema", str(ACCOUNT), "-o", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Users", "Stages", "Custom fields", "Stage rules", "Команда", "Неактивные", "Роли"]
    ws = wb["Custom fields"]
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    industry = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "Отрасль")
    assert industry[header.index("options")] == "Логистика, Производство, Строительство, Торговля, Услуги"


def test_plan_markdown_and_json(tmp_path, plan):
    md = migrate.write_plan(plan, tmp_path / "plan.md").read_text(encoding="utf-8")
    assert "## Custom fields" in md and "| Отрасль |" in md
    data = migrate.write_plan(plan, tmp_path / "plan.json").read_text(encoding="utf-8")
    assert '"type": "multiselect"' in data


def test_create_true_plans_a_field_for_a_mapped_column(tmp_path):
    profile = migrate.load_profile(FIX / "plan_base.yaml")
    profile.columns["Площадь"] = migrate.ColumnSpec("Площадь, м²", create=True)
    plan = migrate.plan(FIX / "plan_base.csv", profile, ACCOUNT)
    row = plan.fields.set_index("source_column").loc["Площадь"]
    assert (row["field"], row["type"], row["action"]) == ("Площадь, м²", "numeric", "create")
