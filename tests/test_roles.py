"""Built-in profiles fit any account: stage and pipeline roles (`@won`, `@lost`, `@first`, `@first+N`,
`@main`) resolve against the account, so a profile written for the default account exports the same rows
of its sample against an account whose pipelines and stages are named in another language."""

import json
from pathlib import Path

import pytest
from foreign_account import pull

from migrate import api
from migrate.core.profile import load_profile
from migrate.core.roles import role_stage
from migrate.core.schema import load_schema

ROOT = Path(__file__).resolve().parents[1]
CASES = sorted((ROOT / "tests" / "golden").glob("*.json"))
PT_STAGES = {"Неразобранное": "Leads de entrada", "Первичный контакт": "Contato inicial",
             "Переговоры": "Discussões", "Принимают решение": "Tomada de decisão",
             "Согласование договора": "Negociação do contrato", "Успешно реализовано": "Venda ganha",
             "Закрыто и не реализовано": "Venda perdida", "Новая заявка": "Novo pedido", "Расчёт": "Orçamento",
             "Счёт выставлен": "Fatura emitida"}  # fmt: skip
PT_PIPELINES = {"Воронка": "Funil de vendas", "Оптовые продажи": "Atacado"}


@pytest.fixture(scope="module")
def foreign(tmp_path_factory):
    """schema path (None = default) → the same kind of account with every pipeline and stage named in
    Portuguese: the Kommo account (users left out, like the default) for profiles written for the default
    account; the demo account translated for profiles written for it."""
    tmp = tmp_path_factory.mktemp("foreign")
    kommo = json.loads(pull(tmp).read_text(encoding="utf-8"))
    kommo["users"] = []
    kommo["account"]["country"] = "RU"  # names in another language; phones still read as Russian ones
    (tmp / "kommo.json").write_text(json.dumps(kommo, ensure_ascii=False), encoding="utf-8")
    demo = json.loads((ROOT / "samples" / "account.json").read_text(encoding="utf-8"))
    for p in demo["pipelines"]:
        p["name"] = PT_PIPELINES[p["name"]]
        for s in p["statuses"]:
            s["name"] = PT_STAGES[s["name"]]
    (tmp / "demo-pt.json").write_text(json.dumps(demo, ensure_ascii=False), encoding="utf-8")
    return {None: tmp / "kommo.json", "samples/account.json": tmp / "demo-pt.json"}


def _data_names_a_stage(report) -> set[int]:
    """Rows whose stage/pipeline is a name (the data's own, or one a profile maps a typo to) that the account
    lacks: not valid for that account whatever the profile does. A role never counts here: it must resolve."""
    return {i.row for i in report.issues if i.code in ("unknown_status", "unknown_pipeline")
            and i.row is not None and not str(i.value).startswith("@")}  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_each_builtin_profile_exports_the_same_rows_in_a_foreign_language_account(case, foreign):
    spec = json.loads(case.read_text(encoding="utf-8"))
    source, schema = ROOT / spec["source"], spec.get("schema")
    home = api.validate(source, spec["profile"], ROOT / schema if schema else None)
    away = api.validate(source, spec["profile"], foreign[schema])
    data_invalid = _data_names_a_stage(away)
    assert not [i for i in away.issues if str(i.value).startswith("@")], "a role did not resolve"
    assert set(away.rejected_rows) - data_invalid == set(home.rejected_rows) - data_invalid, away.summary()
    assert away.exported >= home.exported - len(data_invalid) and away.exported > 0
    assert not {i.code for i in away.issues} & {"unknown_field"} - {i.code for i in home.issues}


def test_roles_resolve_to_the_accounts_own_stages(foreign):
    kommo = load_schema(foreign[None])
    main = kommo.main_pipeline
    names = {r: role_stage(main, r).name for r in ("@first", "@first+1", "@first+2", "@first+9", "@won", "@lost")}
    assert names == {"@first": "Contato inicial", "@first+1": "Discussões", "@first+2": "Tomada de decisão",
                     "@first+9": "Tomada de decisão", "@won": "Venda ganha", "@lost": "Venda perdida"}  # fmt: skip
    assert role_stage(main, "@second") is None


def test_the_default_direction_in_any_spelling_or_empty_goes_to_the_main_pipeline(tmp_path, foreign):
    src = tmp_path / "DEAL.csv"
    src.write_text("Название сделки;Стадия сделки;Направление\nА;Сделка успешна;Общая\nБ;Новая;Общее\n"
                   "В;Сделка провалена;\nГ;В работе;0\n", encoding="utf-8")  # fmt: skip
    profile = load_profile("bitrix24-deals")
    profile.columns = {k: v for k, v in profile.columns.items() if k in ("Название сделки", "Стадия сделки",
                                                                         "Направление")}  # fmt: skip
    mapped, report = api.validate_table(api.read_source(src), profile, load_schema(foreign[None]))
    assert report.rejected_rows == [], report.summary()
    assert mapped.frame["Воронка"].tolist() == ["Funil de vendas"] * 4
    assert mapped.frame["Статус сделки"].tolist() == ["Venda ganha", "Contato inicial", "Venda perdida",
                                                      "Tomada de decisão"]  # fmt: skip
    main = load_schema(foreign[None]).main_pipeline.id
    assert mapped.stages.tolist() == [f"{main}:142", f"{main}:61000002", f"{main}:143", f"{main}:61000004"]
