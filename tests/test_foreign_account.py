"""A real-shaped foreign account (Kommo, Portuguese; tests/foreign_account.py) through `schema pull`,
validation, export and the upload: names kept as the account has them, ambiguous headers named by id."""

from pathlib import Path

import pandas as pd
import pytest
from foreign_account import MAIN, POSITION_TWIN, PRODUCT_MULTI, PRODUCT_SELECT, WEBINAR, WON_CLASH, pull

from migrate import api
from migrate.core.schema import load_schema
from migrate.sandbox.server import Sandbox


@pytest.fixture(scope="module")
def kommo(tmp_path_factory):
    warnings: list[str] = []
    path = pull(tmp_path_factory.mktemp("kommo"), warnings.append)
    return path, warnings


def deals(tmp: Path, product_target: str, rows: list[list[str]]) -> tuple[Path, Path]:
    src = tmp / "negocios.csv"
    pd.DataFrame(rows, columns=["Negócio", "Funil", "Etapa", "Produto", "Contato"]).to_csv(src, sep=";", index=False)
    profile = tmp / "p.yaml"
    profile.write_text("version: 1\nentity: leads\ncolumns:\n  Negócio: Название сделки\n  Funil: Воронка\n"
                       f"  Etapa: Статус сделки\n  Produto: {product_target}\n  Contato: Полное имя (контакт)\n",
                       encoding="utf-8")  # fmt: skip
    return src, profile


def test_won_and_lost_stages_keep_their_names_and_the_clashing_stage_is_renamed(kommo):
    path, warnings = kommo
    webinar = next(p for p in load_schema(path).pipelines if p.id == WEBINAR)
    names = {s.id: s.name for s in webinar.statuses}
    assert names[142] == "Venda ganha" and names[143] == "Venda perdida"
    assert names[WON_CLASH] == f"Venda ganha (id {WON_CLASH})"
    assert any(f"id {WON_CLASH}" in w and "system one keeps the name" in w for w in warnings)


def test_a_won_deal_reaches_stage_142_of_its_pipeline(kommo, tmp_path):
    src, profile = deals(tmp_path, "Origem", [["Turma 1", "WEBNÁRIO", "Venda ganha", "Site", "Ana"],
                                              ["Turma 2", "Funil de vendas", "Venda perdida", "", "Rui"]])  # fmt: skip
    mapped = api.apply_profile(src, profile, kommo[0])
    assert mapped.stages[2] == f"{WEBINAR}:142" and mapped.stages[3] == f"{MAIN}:143"


def test_a_predefined_field_keeps_its_name_and_a_custom_twin_is_renamed(kommo):
    fields = {f["id"]: f["name"] for f in load_schema(kommo[0]).fields("contacts")}
    assert fields[1500001] == "Cargo" and fields[POSITION_TWIN] == f"Cargo (id {POSITION_TWIN})"


def test_every_custom_fields_page_and_enums_null_are_read(kommo):
    leads = load_schema(kommo[0]).fields("leads")
    assert len(leads) == 61
    assert next(f for f in leads if f["name"] == "utm_source").get("enums") is None


def test_two_fields_with_one_name_are_an_ambiguous_header_naming_both_ids(kommo, tmp_path):
    src, profile = deals(tmp_path, "Produto Adquirido", [["Turma 1", "WEBNÁRIO", "Inscrito", "Curso A", "Ana"]])
    report = api.validate(src, profile, kommo[0])
    (issue,) = [i for i in report.issues if i.code == "ambiguous_field"]
    assert issue.severity == "error" and issue.column == "Produto"
    assert str(PRODUCT_SELECT) in issue.message and str(PRODUCT_MULTI) in issue.message
    assert f"'Produto Adquirido (id {PRODUCT_MULTI})'" in issue.message


def test_a_field_named_by_id_is_uploaded_to_that_field(kommo, tmp_path, monkeypatch):
    src, profile = deals(tmp_path, f"Produto Adquirido (id {PRODUCT_MULTI})",
                         [["Turma 1", "WEBNÁRIO", "Inscrito", "Curso A, Mentoria", "Ana"]])  # fmt: skip
    with Sandbox(load_schema(kommo[0])) as sb:
        monkeypatch.setenv("AMOCRM_TOKEN", sb.token)
        result = api.upload(src, profile, kommo[0], base_url=sb.url, journal=tmp_path / "j.sqlite")
        lead = sb.store.leads[result.created[2]["leads"].id]
    assert result.reconciliation() == "read 1 = uploaded 1 + rejected 0"
    (cf,) = lead["custom_fields_values"]
    assert cf["field_id"] == PRODUCT_MULTI
    assert [v["enum_id"] for v in cf["values"]] == [PRODUCT_MULTI * 10 + 0, PRODUCT_MULTI * 10 + 2]


def test_export_writes_the_name_the_importer_knows_and_says_it_cannot_tell_the_twins_apart(kommo, tmp_path):
    src, profile = deals(tmp_path, f"Produto Adquirido (id {PRODUCT_SELECT})",
                         [["Turma 1", "WEBNÁRIO", "Inscrito", "Curso B", "Ana"]])  # fmt: skip
    report = api.export(src, profile, tmp_path / "out.xlsx", kommo[0])
    header = pd.read_excel(tmp_path / "out.xlsx", dtype=str, engine="calamine").columns.tolist()
    assert "Produto Adquirido" in header and not any("(id" in h for h in header)
    assert any("cannot tell them apart" in n and "Rename one" in n for n in report.notes)
