"""`plan --apply` against the sandbox over real HTTP: fields and stages created, nothing existing touched,
the profile rewritten so `validate` passes, a second run creating nothing, dry runs sending nothing."""

import json
import shutil
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

import migrate
from migrate.amocrm.auth import StaticToken
from migrate.amocrm.client import AmoClient
from migrate.amocrm.setup import apply_plan
from migrate.cli import cli
from migrate.core.issues import AmoApiError, IssueCode
from migrate.core.schema import load_schema
from migrate.sandbox.server import Sandbox

ROOT = Path(__file__).resolve().parents[1]
FIX = Path(__file__).parent / "fixtures"
ACCOUNT = ROOT / "samples" / "account.json"
MAIN = 7001001
NEW_FIELDS = {"Отрасль": "select", "Площадь": "numeric", "Описание объекта": "textarea", "Услуги": "multiselect",
              "Договор подписан": "checkbox"}  # fmt: skip
INDUSTRIES = ["Логистика", "Производство", "Строительство", "Торговля", "Услуги"]


def copy_base(folder: Path) -> tuple[Path, Path]:
    for name in ("plan_base.csv", "plan_base.yaml"):
        shutil.copy(FIX / name, folder / name)
    return folder / "plan_base.csv", folder / "plan_base.yaml"


def run_apply(sb: Sandbox, source: Path, profile: Path | str, *extra: str):
    args = ["plan", str(source), "-p", str(profile), "--apply", "--base-url", sb.url, *extra]
    return CliRunner().invoke(cli, args, env={"AMOCRM_TOKEN": sb.token})


def posts(sb: Sandbox) -> list[str]:
    return [r.path for r in sb.requests if r.method in ("POST", "PATCH")]


def leads_fields(sb: Sandbox) -> dict[str, object]:
    return {f.name: f for f in sb.account.fields["leads"]}


@pytest.fixture(scope="module")
def applied(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("apply")
    source, profile = copy_base(tmp)
    with Sandbox(load_schema(ACCOUNT)) as sb:
        first = run_apply(sb, source, profile, "-o", str(tmp / "plan.xlsx"))
        after_first = (len(posts(sb)), {e: len(fs) for e, fs in sb.account.fields.items()})
        again = run_apply(sb, source, profile, "-o", str(tmp / "plan.xlsx"), "--format", "json")
        yield {"sb": sb, "tmp": tmp, "source": source, "first": first, "again": again, "after_first": after_first}


def test_apply_creates_the_planned_fields_with_their_options(applied):
    assert applied["first"].exit_code == 0, applied["first"].output
    fields = leads_fields(applied["sb"])
    assert {name: fields[name].type for name in NEW_FIELDS} == NEW_FIELDS
    assert sorted(e.value for e in fields["Отрасль"].enums) == INDUSTRIES
    assert [e.value for e in fields["Услуги"].enums] == ["Монтаж", "Доставка", "Гарантия"]
    assert len(fields) == 5 + len(NEW_FIELDS)  # «Дата договора» existed: not created again
    out = applied["first"].output
    assert "Created: 5" in out and "Already exists: 1" in out and "'Дата договора' (date)" in out
    assert "'Почта бухгалтерии' holds e-mail addresses" in out  # the predefined EMAIL column: by hand
    assert "make 'Дата договора' required at stage 'Согласование договора'" in out  # rules: by hand by default


def test_validate_passes_with_the_rewritten_profile_on_the_repulled_schema(applied):
    tmp = applied["tmp"]
    schema, profile = tmp / "plan_base.account.json", tmp / "plan_base.applied.yaml"
    report = migrate.validate(applied["source"], profile, schema)
    unknown = [i for i in report.issues if i.code is IssueCode.UNKNOWN_FIELD]
    unmapped = {i.column for i in report.issues if i.code is IssueCode.UNMAPPED_COLUMN}
    assert unknown == [] and unmapped == {"Почта бухгалтерии"}
    before = migrate.validate(applied["source"], applied["tmp"] / "plan_base.yaml", ACCOUNT)
    assert {i.column for i in before.issues if i.code is IssueCode.UNMAPPED_COLUMN} >= set(NEW_FIELDS)
    prof = migrate.load_profile(profile)
    assert {s: prof.columns[s].field for s in NEW_FIELDS} == {s: s for s in NEW_FIELDS}
    pulled = migrate.load_schema(schema)
    industry = next(f for f in pulled.fields("leads") if f["name"] == "Отрасль")
    assert sorted(e["value"] for e in industry["enums"]) == INDUSTRIES and all(e["id"] for e in industry["enums"])
    log = json.loads((tmp / "plan_base.setup-log.json").read_text(encoding="utf-8"))
    assert [len(run["created"]) for run in log["runs"]] == [5, 0]  # the second run never hides the first


def test_a_second_apply_creates_nothing(applied):
    sb, again = applied["sb"], applied["again"]
    assert again.exit_code == 0, again.output
    result = json.loads(again.stdout)
    assert result["created"] == [] and result["requests"] == []
    assert sorted(s["name"] for s in result["existing"]) == sorted([*NEW_FIELDS, "Дата договора"])
    writes, counts = applied["after_first"]
    assert len(posts(sb)) == writes and {e: len(fs) for e, fs in sb.account.fields.items()} == counts


def test_the_token_is_in_no_output_and_no_file(applied):
    token = applied["sb"].token
    assert token not in applied["first"].output and token not in applied["again"].output
    for path in applied["tmp"].rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path


def test_dry_run_writes_the_requests_and_creates_nothing(tmp_path):
    source, profile = copy_base(tmp_path)
    with Sandbox(load_schema(ACCOUNT)) as sb:
        before = {e: len(fs) for e, fs in sb.account.fields.items()}
        result = run_apply(sb, source, profile, "--dry-run-dir", str(tmp_path / "dry"))
        assert result.exit_code == 0, result.output
        assert posts(sb) == [] and {e: len(fs) for e, fs in sb.account.fields.items()} == before
        assert sb.token not in result.output
    files = sorted(p.name for p in (tmp_path / "dry").glob("0*.json"))
    assert files == ["0001-POST-leads-custom_fields.json"]
    body = json.loads((tmp_path / "dry" / files[0]).read_text(encoding="utf-8"))
    assert {f["name"]: f["type"] for f in body} == NEW_FIELDS
    industry = next(f for f in body if f["name"] == "Отрасль")
    assert sorted(e["value"] for e in industry["enums"]) == INDUSTRIES
    assert "Would create: 5" in result.output and "dry run, nothing sent" in result.output
    assert not (tmp_path / "plan_base.applied.yaml").exists() and not (tmp_path / "plan_base.account.json").exists()


def test_dry_run_is_a_flag_writing_beside_the_source(tmp_path):
    source, profile = copy_base(tmp_path)
    with Sandbox(load_schema(ACCOUNT)) as sb:
        result = run_apply(sb, source, profile, "--dry-run")
        assert result.exit_code == 0, result.output
        assert posts(sb) == []
    folder = source.with_name(source.name + ".setup-dry-run")
    assert [p.name for p in folder.glob("0*.json")] == ["0001-POST-leads-custom_fields.json"]


# --- stages, stage rules, suffixes ----------------------------------------------------------------------------


def stage_base(folder: Path) -> tuple[Path, Path]:
    """13 deals: 7 at a new stage (two spellings) with «Объект» filled, 5 at an existing one, 1 misspelt."""
    rows = ["Сделка;Этап;Менеджер;Объект"]
    rows += [f"Сделка {i};{'В работе' if i < 6 else 'в работе '};Анна Смирнова;Склад {i}" for i in range(7)]
    rows += [f"Сделка {i};Первичный контакт;Игорь Петров;" for i in range(7, 12)]
    rows += ["Сделка 12;Переговры;Игорь Петров;"]
    (folder / "stages.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    profile = ("version: 1\nentity: leads\ncolumns:\n  Сделка: Название сделки\n  Этап: Статус сделки\n"
               "  Менеджер: {field: Ответственный за сделку, owner: true}\n")  # fmt: skip
    (folder / "stages.yaml").write_text(profile, encoding="utf-8")
    return folder / "stages.csv", folder / "stages.yaml"


def test_stages_are_created_once_and_the_profile_maps_each_spelling(tmp_path):
    source, profile = stage_base(tmp_path)
    with Sandbox(load_schema(ACCOUNT)) as sb:
        out = tmp_path / "out"
        result = run_apply(sb, source, profile, "--stage-rules", "--write-schema", str(out / "acc.json"),
                           "--write-profile", str(out / "p.yaml"))  # fmt: skip
        assert result.exit_code == 0, result.output
        main = sb.account.pipeline(MAIN)
        names = [s["name"] for s in main["statuses"]]
        assert names.count("В работе") == 1 and "Переговры" not in names  # a near-miss is left to a person
        assert names.index("В работе") < names.index("Успешно реализовано")
        new_id = next(s["id"] for s in main["statuses"] if s["name"] == "В работе")
        assert leads_fields(sb)["Объект"].raw["required_statuses"] == [{"pipeline_id": MAIN, "status_id": new_id}]
    assert "looks like a misspelling of 'Переговоры'" in result.output
    assert "make 'Объект' required" not in result.output  # applied with the new field, so not a to-do
    applied = migrate.load_profile(tmp_path / "out" / "p.yaml")
    assert applied.columns["Этап"].values == {"В работе": "В работе", "в работе": "В работе"}
    report = migrate.validate(source, applied, tmp_path / "out" / "acc.json")
    bad = [(i.code, i.row) for i in report.issues if i.severity == "error"]
    assert bad == [(IssueCode.UNKNOWN_STATUS, 14)]  # only the misspelt row


def test_contact_and_company_fields_get_their_suffix_in_the_leads_layout(tmp_path):
    shutil.copy(ROOT / "samples" / "customers.xlsx", tmp_path / "customers.xlsx")
    with Sandbox(load_schema(None)) as sb:  # a fresh account: no «ИНН» company field, no «Источник»
        result = run_apply(sb, tmp_path / "customers.xlsx", "customers", "-q")
        assert result.exit_code == 0, result.output
        assert "ИНН" in {f.name for f in sb.account.fields["companies"]}
    prof = migrate.load_profile(tmp_path / "customers.applied.yaml")
    assert prof.columns["ИНН"].field == "ИНН (компания)"  # mapped to an unknown field before: kept, now valid
    report = migrate.validate(tmp_path / "customers.xlsx", prof, tmp_path / "customers.account.json")
    assert not [i for i in report.issues if i.code is IssueCode.UNKNOWN_FIELD]


# --- failures -----------------------------------------------------------------------------------------------


def test_an_api_failure_is_one_message_and_exit_2(tmp_path):
    source, profile = copy_base(tmp_path)
    with Sandbox(load_schema(ACCOUNT)) as sb:
        args = ["plan", str(source), "-p", str(profile), "--apply", "--base-url", sb.url]
        result = CliRunner().invoke(cli, args, env={"AMOCRM_TOKEN": "wrong-token-value"})
    assert result.exit_code == 2
    assert "401" in result.output and "Traceback" not in result.output and "wrong-token-value" not in result.output
    missing = CliRunner().invoke(cli, ["plan", str(source), "-p", str(profile), "--apply"], env={"AMOCRM_TOKEN": "x"})
    assert missing.exit_code == 2 and "--subdomain" in missing.output


def test_a_refused_batch_names_the_field_and_keeps_nothing_half_done(tmp_path):
    """The account changed between the read and the write (someone added «Площадь»): the whole batch is
    refused, the message names the field, and a re-run would find it existing."""
    source, profile = copy_base(tmp_path)
    schema = load_schema(ACCOUNT)
    setup = migrate.plan(source, profile, schema)
    with Sandbox(schema) as sb, AmoClient(sb.url, StaticToken(sb.token)) as client:
        sb.account.add_field("leads", {"name": "Площадь", "type": "text"})
        with pytest.raises(AmoApiError, match="'Площадь': NotUnique at name"):
            apply_plan(setup, schema, client)
        assert "Отрасль" not in leads_fields(sb)


# --- the sandbox endpoints themselves -----------------------------------------------------------------------


@pytest.fixture
def api():
    schema = load_schema(ACCOUNT)
    with Sandbox(schema, rate_limit=0) as sb:
        headers = {"Authorization": f"Bearer {sb.token}"}
        with httpx.Client(base_url=f"{sb.url}/api/v4", headers=headers, timeout=5) as client:
            yield client, schema


def test_sandbox_creates_fields_and_refuses_bad_ones_whole(api):
    client, schema = api
    bad = client.post("/leads/custom_fields", json=[
        {"name": "Новое", "type": "text"}, {"name": "источник", "type": "text"}, {"name": " ", "type": "text"},
        {"name": "Тип", "type": "dropdown"}, {"name": "Список", "type": "select"}])  # fmt: skip
    assert bad.status_code == 400
    codes = {g["request_id"]: [(e["code"], e["path"]) for e in g["errors"]] for g in bad.json()["validation-errors"]}
    assert codes == {"1": [("NotUnique", "name")], "2": [("NotBlank", "name")], "3": [("NotSupportedChoice", "type")],
                     "4": [("NotBlank", "enums")]}  # fmt: skip
    enums = [{"value": "A", "sort": 1}, {"value": "B", "sort": 2}]
    ok = client.post("/contacts/custom_fields", json=[{"name": "Сегмент", "type": "select", "request_id": "x",
                                                       "enums": enums}])  # fmt: skip
    assert ok.status_code == 201
    made = ok.json()["_embedded"]["custom_fields"][0]
    assert made["request_id"] == "x" and [e["value"] for e in made["enums"]] == ["A", "B"]
    listed = client.get("/contacts/custom_fields", params={"limit": 250}).json()["_embedded"]["custom_fields"]
    assert "Сегмент" in [f["name"] for f in listed] and "Новое" not in [f["name"] for f in listed]
    assert "Сегмент" not in [f["name"] for f in schema.fields("contacts")]  # the schema given is not changed


def test_sandbox_adds_stages_before_the_closed_ones_within_limits(api):
    client, schema = api
    r = client.post(f"/leads/pipelines/{MAIN}/statuses", json=[{"name": "Пауза", "color": "#fffeb2"}])
    assert r.status_code == 200
    status = r.json()["_embedded"]["statuses"][0]
    assert status["pipeline_id"] == MAIN and status["request_id"] == "0" and status["color"] == "#fffeb2"
    names = [s["name"] for s in client.get(f"/leads/pipelines/{MAIN}").json()["_embedded"]["statuses"]]
    assert names[-3:] == ["Пауза", "Успешно реализовано", "Закрыто и не реализовано"]
    assert client.post(f"/leads/pipelines/{MAIN}/statuses", json=[{"name": "пауза"}]).status_code == 400
    assert client.post("/leads/pipelines/1/statuses", json=[{"name": "X"}]).status_code == 404
    many = [{"name": f"Этап {i}"} for i in range(100)]
    over = client.post(f"/leads/pipelines/{MAIN}/statuses", json=many)
    assert over.status_code == 400 and over.json()["validation-errors"][0]["errors"][0]["code"] == "InvalidCount"
    assert "Пауза" not in [s.name for s in schema.pipelines[0].statuses]


def test_sandbox_patches_required_statuses(api):
    client, _ = api
    fid = 900103  # «Дата договора»
    one = client.patch(f"/leads/custom_fields/{fid}", json={"required_statuses": [{"pipeline_id": MAIN,
                                                                                   "status_id": 142}]})  # fmt: skip
    assert one.status_code == 200 and one.json()["required_statuses"] == [{"pipeline_id": MAIN, "status_id": 142}]
    batch = client.patch("/leads/custom_fields", json=[{"id": fid, "required_statuses": []}])
    assert batch.status_code == 200 and batch.json()["_embedded"]["custom_fields"][0]["required_statuses"] == []
    nowhere = [{"pipeline_id": MAIN, "status_id": 1}]
    wrong = client.patch("/leads/custom_fields", json=[{"id": fid, "required_statuses": nowhere}])
    assert wrong.status_code == 400
    assert client.patch("/leads/custom_fields", json=[{"id": 1, "name": "X"}]).status_code == 400
    assert client.patch(f"/leads/custom_fields/{fid}", json={"type": "text"}).status_code == 400
