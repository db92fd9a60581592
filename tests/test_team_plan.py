"""The team plan: employees read from Bitrix24, Megaplan or a sheet; roles by rule; heirs for people who left;
the «Команда» sheet in the plan workbook and the same section in Markdown and JSON."""

import json

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from team_fixtures import (
    account,
    bitrix_deals,
    bitrix_users,
    megaplan_clients,
    megaplan_employees,
)

import migrate
from migrate.cli import cli
from migrate.core.issues import ProfileError, SourceError
from migrate.drafting.roles import load_roles, parse_roles
from migrate.drafting.team import INACTIVE, TO_ADD, Member, TeamPlan, propose_heirs
from migrate.sources.users import read_users


def team_of(plan):
    return {row["name"]: row for row in plan.team.frame().to_dict("records")}


def test_bitrix24_user_get_dump_reads_names_departments_and_who_left(tmp_path):
    users = {u.id: u for u in read_users(bitrix_users(tmp_path))}
    assert users["101"].name == "Вера Лаптева" and users["101"].department == "Продажи"
    assert users["104"].active is False and users["103"].active is True
    assert users["105"].position == "Ассистент" and users["103"].email == "timur.safin@example.ru"


def test_megaplan_employee_list_reads_the_same_people(tmp_path):
    users = {u.name: u for u in read_users(megaplan_employees(tmp_path))}
    assert users["Нина Руднева"].active is False and users["Нина Руднева"].department == "Сервис"
    assert users["Вера Лаптева"].email == "vera.lapteva@example.ru"


def test_a_plain_sheet_with_russian_headers_and_a_role_column(tmp_path):
    sheet = tmp_path / "team.csv"
    sheet.write_text("ФИО;E-mail;Отдел;Должность;Роль\nВера Лаптева;vera@example.ru;Продажи;;Руководитель\n"
                     "Глеб Носов;gleb@example.ru;Продажи;Стажёр;\n", encoding="utf-8")  # fmt: skip
    users = read_users(sheet)
    assert [(u.name, u.role, u.position) for u in users] == [("Вера Лаптева", "Руководитель", ""),
                                                               ("Глеб Носов", "", "Стажёр")]  # fmt: skip
    template = load_roles()
    assert template.decide(users[0])[0] == "Руководитель" and template.decide(users[1])[0] == "Ассистент"


def test_an_unreadable_users_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "users.json"
    bad.write_text('{"result": [{"TITLE": "not a user"}]}', encoding="utf-8")
    with pytest.raises(SourceError, match="user.get"):
        read_users(bad)
    sheet = tmp_path / "users.csv"
    sheet.write_text("Отдел;Должность\nПродажи;Менеджер\n", encoding="utf-8")
    with pytest.raises(SourceError, match="no column names the employee"):
        read_users(sheet)


def test_bitrix24_team_plan_gives_roles_groups_statuses_and_the_heir(tmp_path):
    plan = migrate.plan(bitrix_deals(tmp_path), "bitrix24-deals-rest", account(tmp_path), users=bitrix_users(tmp_path))
    team = team_of(plan)
    assert team["Вера Лаптева"]["status"] == "exists" and team["Вера Лаптева"]["role"] == "Руководитель"
    assert team["Глеб Носов"]["status"] == "to add" and team["Глеб Носов"]["group"] == "Продажи"
    assert team["Оскар Юдин"]["role"] == "Ассистент" and team["Оскар Юдин"]["leads"] == 0
    left = team["Нина Руднева"]
    assert (left["status"], left["leads"], left["heir"]) == ("inactive in source", 4, "Тимур Сафин")
    assert plan.team.left_frame()["name"].tolist() == ["Нина Руднева"]
    assert plan.team.owners_map() == {"101": "Вера Лаптева", "102": "Глеб Носов", "103": "Тимур Сафин",
                                      "104": "Тимур Сафин"}  # fmt: skip


def test_megaplan_team_plan_matches_surname_first_owners_to_employees(tmp_path):
    plan = migrate.plan(megaplan_clients(tmp_path), "megaplan-clients-persons", account(tmp_path),
                        users=megaplan_employees(tmp_path))  # fmt: skip
    team = team_of(plan)
    assert team["Тимур Сафин"]["contacts"] == 6 and team["Тимур Сафин"]["in_data_as"] == "Сафин Тимур"
    assert team["Нина Руднева"]["heir"] == "Тимур Сафин" and team["Нина Руднева"]["contacts"] == 4
    assert plan.team.owners_map()["Руднева Нина"] == "Тимур Сафин"


def test_without_users_the_team_is_the_owners_and_a_note_says_so(tmp_path):
    plan = migrate.plan(bitrix_deals(tmp_path), "bitrix24-deals-rest", account(tmp_path))
    assert set(team_of(plan)) == {"101", "102", "103", "104"}  # a Bitrix24 ID is all the data knows
    assert any("--users FILE" in n for n in plan.notes)


def test_the_plan_workbook_markdown_and_json_carry_the_team(tmp_path):
    args = ["plan", str(bitrix_deals(tmp_path)), "-p", "bitrix24-deals-rest", "--schema", str(account(tmp_path)),
            "--users", str(bitrix_users(tmp_path))]  # fmt: skip
    for out in ("plan.xlsx", "plan.md", "plan.json"):
        result = CliRunner().invoke(cli, [*args, "-o", str(tmp_path / out)])
        assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(tmp_path / "plan.xlsx")
    rows = list(wb["Команда"].iter_rows(values_only=True))
    assert rows[0][:5] == ("name", "email", "group", "role", "admin")
    assert ("Нина Руднева", "nina.rudneva@example.ru", "Сервис", "Менеджер", False) in [r[:5] for r in rows]
    assert "## Команда" in (tmp_path / "plan.md").read_text(encoding="utf-8")
    data = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert {r["name"]: r["heir"] for r in data["Неактивные"]} == {"Нина Руднева": "Тимур Сафин"}


def test_role_template_refuses_letters_amocrm_does_not_take():
    data = {"default_role": "X", "roles": {"X": {"leads": {"view": "A", "add": "M"}, "tasks": {"edit": "Q"},
                                                 "stages": [{"pipeline": "Воронка", "stage": "Новая",
                                                             "rights": {"edit": "G"}}]}}}  # fmt: skip
    with pytest.raises(ProfileError) as e:
        parse_roles(data, "t.yaml")
    assert "X.leads.add is 'M'" in str(e.value) and "X.tasks.edit is 'Q'" in str(e.value)
    assert "stage rights.edit is 'G'" in str(e.value)


def test_an_unknown_role_in_the_users_sheet_is_an_error_not_a_guess(tmp_path):
    sheet = tmp_path / "team.csv"
    sheet.write_text("name;email;role\nВера;v@example.ru;Царь\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="'Царь'"):
        load_roles().decide(read_users(sheet)[0])


def test_the_users_section_points_at_the_team_instead_of_saying_invite(tmp_path):
    plan = migrate.plan(bitrix_deals(tmp_path), "bitrix24-deals-rest", account(tmp_path), users=bitrix_users(tmp_path))
    rows = {r["owner"]: (r["user"], r["action"]) for r in plan.users.to_dict("records")}
    assert rows["104"] == ("Тимур Сафин", "owners map → user (see «Команда»)")


_people = st.lists(
    st.tuples(st.sampled_from(["Продажи", "Сервис", "Склад", ""]), st.booleans(), st.integers(0, 30)),
    min_size=1, max_size=25,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(_people)
def test_heirs_are_active_the_busiest_of_their_group_and_the_owners_map_never_names_a_leaver(people):
    members = [Member(f"Сотрудник {i}", group=g, status=TO_ADD if active else INACTIVE,
                      records={"leads": n, "contacts": 0, "companies": 0}, owner_texts=[f"id{i}"] if n else [])
               for i, (g, active, n) in enumerate(people)]  # fmt: skip
    propose_heirs(members, [])
    by_name = {m.name: m for m in members}
    active = [m for m in members if m.status == TO_ADD]
    for m in members:
        if m.status != INACTIVE or not m.total:
            assert m.heir is None
            continue
        if not active:
            assert m.heir is None
            continue
        heir = by_name[m.heir]
        same = [a for a in active if m.group and a.group == m.group]
        pool = same or active
        assert heir.status == TO_ADD and heir in pool and heir.total == max(a.total for a in pool)
    mapping = TeamPlan(members, load_roles(), sourced=True).owners_map()
    assert all(by_name[target].status == TO_ADD for target in mapping.values())
    assert set(mapping) == {t for m in members for t in m.owner_texts if m.status == TO_ADD or m.heir}
