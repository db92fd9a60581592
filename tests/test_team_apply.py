"""`plan --apply` for the team, against the sandbox over real HTTP: roles and users created exactly once, the
owners map rewritten (a person who left → their heir), a second apply writing nothing; the user-limit and
non-administrator refusals change nothing and say what a person must do."""

import json
import os
import shutil
import signal
import subprocess
import sys

import httpx
import openpyxl
import pytest
import yaml
from click.testing import CliRunner
from team_fixtures import EXISTING, account, bitrix_deals, bitrix_users, megaplan_clients, megaplan_employees

import migrate
from migrate.cli import cli
from migrate.core.schema import load_schema
from migrate.sandbox.server import Sandbox


def apply(sb, source, profile, users, *extra):
    args = ["plan", str(source), "-p", str(profile), "--users", str(users), "--apply", "--base-url", sb.url, *extra]
    return CliRunner().invoke(cli, args, env={"AMOCRM_TOKEN": sb.token})


def posts(sb):
    return [r.path for r in sb.requests if r.method in ("POST", "PATCH")]


def builtin(name, folder):
    path = folder / f"{name}.yaml"
    shutil.copy(migrate.__path__[0] + f"/profiles/{name}.yaml", path)
    return path


@pytest.fixture(scope="module")
def bitrix(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("team")
    source, users, profile = bitrix_deals(tmp), bitrix_users(tmp), builtin("bitrix24-deals-rest", tmp)
    with Sandbox(load_schema(account(tmp)), groups=["Продажи"]) as sb:
        first = apply(sb, source, profile, users)
        after_first = (list(posts(sb)), len(sb.account.users), len(sb.api.team.roles))
        again = apply(sb, source, profile, users, "--format", "json")
        yield {"sb": sb, "tmp": tmp, "source": source, "first": first, "again": again, "after_first": after_first}


def test_apply_creates_the_roles_and_adds_the_missing_users_once(bitrix):
    assert bitrix["first"].exit_code == 0, bitrix["first"].output
    sb = bitrix["sb"]
    assert bitrix["after_first"][0] == ["/api/v4/roles", "/api/v4/users"]
    assert sorted(r["name"] for r in sb.api.team.roles) == ["Ассистент", "Менеджер", "Руководитель"]
    added = {u["name"]: u for u in sb.account.users if u["id"] != EXISTING["id"]}
    assert set(added) == {"Глеб Носов", "Тимур Сафин", "Оскар Юдин"}  # not Нина Руднева, who left
    roles = {r["id"]: r["name"] for r in sb.api.team.roles}
    assert {n: roles[u["role_id"]] for n, u in added.items()} == {"Глеб Носов": "Менеджер", "Тимур Сафин": "Менеджер",
                                                                   "Оскар Юдин": "Ассистент"}  # fmt: skip
    assert added["Глеб Носов"]["group_id"] == 0 and added["Тимур Сафин"]["group_id"] is None  # «Сервис» is missing
    manager = next(r for r in sb.api.team.roles if r["name"] == "Менеджер")
    assert manager["rights"]["leads"]["edit"] == "M" and manager["rights"]["status_rights"][0]["status_id"] == 142


def test_a_second_apply_writes_nothing(bitrix):
    assert bitrix["again"].exit_code == 0, bitrix["again"].output
    sb = bitrix["sb"]
    assert posts(sb) == bitrix["after_first"][0]
    assert (len(sb.account.users), len(sb.api.team.roles)) == bitrix["after_first"][1:]
    result = json.loads(bitrix["again"].stdout)
    assert result["created"] == [] and {s["kind"] for s in result["existing"]} >= {"role", "user"}


def test_the_owners_map_points_at_the_created_users_and_moves_the_leavers_records(bitrix):
    tmp = bitrix["tmp"]
    applied = yaml.safe_load((tmp / "bitrix24-deals-rest.applied.yaml").read_text(encoding="utf-8"))
    assert applied["owners"]["map"] == {"101": "Вера Лаптева", "102": "Глеб Носов", "103": "Тимур Сафин",
                                        "104": "Тимур Сафин"}  # fmt: skip
    mapped = migrate.apply_profile(bitrix["source"], tmp / "bitrix24-deals-rest.applied.yaml",
                                   tmp / "bitrix24-deals-rest.account.json")  # fmt: skip
    assert [i for i in mapped.issues if "owner" in i.code] == []
    owners = mapped.frame["Ответственный за сделку"].value_counts().to_dict()
    assert owners == {"Тимур Сафин": 10, "Глеб Носов": 5, "Вера Лаптева": 3}  # 6 of his own + Нина's 4


def test_the_to_do_names_the_missing_group_and_the_passwords(bitrix):
    out = bitrix["first"].output
    assert "create the user group 'Сервис'" in out and "Тимур Сафин, Оскар Юдин" in out
    assert "random password" in out and "'Нина Руднева' (inactive in source) owns 4 records" in out
    log = (bitrix["tmp"] / "bitrix24-deals-rest.setup-log.json").read_text(encoding="utf-8")
    assert '"password"' not in log  # sent to the account, never written down


def test_megaplan_employees_apply_through_the_python_api(tmp_path, monkeypatch):
    with Sandbox(load_schema(account(tmp_path))) as sb:
        monkeypatch.setenv("AMOCRM_TOKEN", sb.token)
        result = migrate.apply_plan(megaplan_clients(tmp_path), builtin("megaplan-clients-persons", tmp_path),
                                    base_url=sb.url, users=megaplan_employees(tmp_path))  # fmt: skip
    assert {s.name for s in result.created if s.kind == "user"} == {"Глеб Носов", "Тимур Сафин", "Оскар Юдин"}
    assert result.profile.owners["Руднева Нина"] == "Тимур Сафин"
    assert result.profile.owners["Сафин Тимур"] == "Тимур Сафин"


def test_users_are_added_ten_to_a_request(tmp_path):
    sheet = tmp_path / "team.csv"
    sheet.write_text("ФИО;E-mail;Отдел\n" + "".join(f"Сотрудник {chr(0x410 + i)};emp{i}@example.ru;Продажи\n"
                                                  for i in range(12)), encoding="utf-8")  # fmt: skip
    with Sandbox(load_schema(account(tmp_path))) as sb:
        result = apply(sb, bitrix_deals(tmp_path), builtin("bitrix24-deals-rest", tmp_path), sheet)
        bodies = [r for r in sb.requests if r.method == "POST" and r.path == "/api/v4/users"]
    assert result.exit_code == 0, result.output
    assert len(bodies) == 2 and len(sb.account.users) == 1 + 12  # owners known by ID only: no e-mail, not added
    assert "user '103', role 'Менеджер'" in result.output and "no e-mail" in result.output


def test_past_the_user_limit_nothing_is_created_and_a_person_is_told_what_to_do(tmp_path):
    crowd = [EXISTING] + [{"id": 9200000 + i, "name": f"Коллега {i}", "email": f"c{i}@example.ru"} for i in range(97)]
    with Sandbox(load_schema(account(tmp_path, crowd))) as sb:
        result = apply(sb, bitrix_deals(tmp_path), builtin("bitrix24-deals-rest", tmp_path), bitrix_users(tmp_path))
        assert posts(sb) == []
    assert result.exit_code == 2
    assert "would give the account 101 users, past the 100" in result.output
    assert "invite Оскар Юдин in AmoCRM" in result.output and "create the user groups" in result.output


def test_a_non_admin_token_is_refused_before_anything_is_created(tmp_path):
    with Sandbox(load_schema(account(tmp_path)), admin=False) as sb:
        result = apply(sb, bitrix_deals(tmp_path), builtin("bitrix24-deals-rest", tmp_path), bitrix_users(tmp_path))
        assert posts(sb) == []
    assert result.exit_code == 2
    assert "not an administrator" in result.output and "Nothing was created" in result.output
    assert "Глеб Носов, Тимур Сафин, Оскар Юдин in AmoCRM → Settings → Users" in result.output


def test_dry_run_writes_role_and_user_requests_without_passwords(tmp_path):
    out = tmp_path / "requests"
    profile = builtin("bitrix24-deals-rest", tmp_path)
    args = ["plan", str(bitrix_deals(tmp_path)), "-p", str(profile), "--schema", str(account(tmp_path)),
            "--users", str(bitrix_users(tmp_path)), "--apply", "--dry-run-dir", str(out)]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in out.glob("0*.json"))
    assert files == ["0001-POST-roles.json", "0002-POST-users.json"]
    users = json.loads((out / "0002-POST-users.json").read_text(encoding="utf-8"))
    assert [u["name"] for u in users] == ["Глеб Носов", "Тимур Сафин", "Оскар Юдин"]
    assert all("password" not in u for u in users) and users[0]["rights"]["role_id"] < 0  # a placeholder id


def test_the_sandbox_users_and_roles_endpoints_validate_like_the_api(tmp_path):
    with Sandbox(load_schema(account(tmp_path)), rate_limit=0) as sb:
        api = httpx.Client(base_url=f"{sb.url}/api/v4", headers={"Authorization": f"Bearer {sb.token}"})
        bad_role = api.post("/roles", json=[{"name": "Х", "rights": {"leads": {"add": "M"}}}])
        assert bad_role.status_code == 400
        assert bad_role.json()["validation-errors"][0]["errors"][0]["path"] == "rights.leads.add"
        role = api.post("/roles", json=[{"name": "Менеджер", "rights": {"leads": {"view": "G"}}}]).json()
        role_id = role["_embedded"]["roles"][0]["id"]
        user = {"name": "Глеб Носов", "email": "g@example.ru", "password": "Secret12", "rights": {"role_id": role_id}}
        assert api.post("/users", json=[user]).status_code == 200
        dup = api.post("/users", json=[{**user, "name": "Другой"}])
        assert dup.status_code == 400 and dup.json()["validation-errors"][0]["errors"][0]["code"] == "NotUnique"
        weak = api.post("/users", json=[{**user, "email": "x@example.ru", "password": "abc"}]).json()
        assert weak["validation-errors"][0]["errors"][0]["path"] == "password"
        many = [{**user, "email": f"u{i}@example.ru"} for i in range(11)]
        assert api.post("/users", json=many).status_code == 422
        listed = api.get("/users", params={"with": "role,group"}).json()["_embedded"]["users"]
        gleb = next(u for u in listed if u["name"] == "Глеб Носов")
        assert gleb["_embedded"]["roles"][0]["name"] == "Менеджер" and gleb["rights"]["role_id"] == role_id
        sb.account.token_is_admin = False
        assert [api.get("/users").status_code, api.post("/users", json=[user]).status_code,
                api.get("/roles").status_code] == [403, 403, 403]  # fmt: skip


def test_a_shared_e_mail_and_a_name_with_symbols_are_handled_before_sending(tmp_path):
    sheet = tmp_path / "team.csv"
    sheet.write_text("\u00a0ФИО\u00a0;Почта;Отдел\nАнна «Старшая» Ким;kim@example.ru;Продажи\n"
                     "Анна Ким;KIM@example.ru;Продажи\n=HYPERLINK(\"x\");eq@example.ru;Продажи\n",
                     encoding="utf-8")  # fmt: skip
    out = tmp_path / "requests"
    profile = builtin("bitrix24-deals-rest", tmp_path)
    args = ["plan", str(bitrix_deals(tmp_path)), "-p", str(profile), "--schema", str(account(tmp_path)),
            "--users", str(sheet), "--apply", "--dry-run-dir", str(out), "-o", str(tmp_path / "plan.xlsx")]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    users = json.loads((out / "0002-POST-users.json").read_text(encoding="utf-8"))
    assert [u["name"] for u in users] == ["Анна Старшая Ким", "HYPERLINK x"]
    assert "the same e-mail as 'Анна «Старшая» Ким'" in result.output
    cell = openpyxl.load_workbook(tmp_path / "plan.xlsx")["Команда"]["A4"]
    assert (cell.value, cell.data_type) == ('=HYPERLINK("x")', "s")  # text, never a formula


def test_sandbox_command_serves_a_non_admin_token_and_the_groups_given():
    code = "from migrate.cli.sandbox import sandbox; sandbox()"
    args = [sys.executable, "-c", code, "--port", "0", "--non-admin", "--group", "Сервис", "--group", "Продажи", "-q"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
    try:
        url = proc.stdout.readline().split(" at ")[1].split()[0]
        headers = {"Authorization": "Bearer " + proc.stdout.readline().removeprefix("Token:").strip()}
        assert httpx.get(f"{url}/api/v4/users", headers=headers, timeout=5).status_code == 403
        account = httpx.get(f"{url}/api/v4/account", params={"with": "users_groups"}, headers=headers, timeout=5)
        assert [g["name"] for g in account.json()["_embedded"]["users_groups"]] == ["Сервис", "Продажи"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()


def test_an_edited_role_template_whose_stage_the_account_lacks_is_applied_without_that_right(tmp_path):
    roles = tmp_path / "roles.yaml"
    roles.write_text(
        "default_role: Продавец\nroles:\n  Продавец:\n    leads: {view: M, edit: M, add: A, delete: D, export: D}\n"
        "    stages:\n      - {pipeline: Опт, stage: Отгрузка, rights: {view: A, edit: D, delete: D, export: D}}\n",
        encoding="utf-8",
    )
    out = tmp_path / "requests"
    profile = builtin("bitrix24-deals-rest", tmp_path)
    args = ["plan", str(bitrix_deals(tmp_path)), "-p", str(profile), "--schema", str(account(tmp_path)),
            "--users", str(bitrix_users(tmp_path)), "--roles", str(roles),
            "--apply", "--dry-run-dir", str(out)]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    [role] = json.loads((out / "0001-POST-roles.json").read_text(encoding="utf-8"))
    assert role["name"] == "Продавец" and role["rights"]["leads"]["view"] == "M"
    assert role["rights"]["status_rights"] == []  # left out, and said so
    assert role["rights"]["contacts"] == {"view": "D", "edit": "D", "add": "D", "delete": "D", "export": "D"}
    assert "the account has no stage 'Отгрузка' in 'Опт'" in result.output
