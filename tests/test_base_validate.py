"""A whole base across files: the manifest, profile keys and links, and validation across files.

Hostile bases are generated in each test (names spelled differently in each file, NBSP, dangling and
repeated keys, JSON-list cells); the committed sample bases are checked for what their READMEs plant.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import migrate
from migrate.api_base import read_base, validate_base
from migrate.base import load_manifest
from migrate.base.links import LinkSpec, read_link, split_keys
from migrate.cli.main import cli
from migrate.core.issues import ProfileError

ROOT = Path(__file__).resolve().parents[1]
B24 = ROOT / "samples" / "bitrix24" / "base" / "migration.yaml"
MP = ROOT / "samples" / "megaplan" / "base" / "migration.yaml"
ACCOUNT = ROOT / "samples" / "account.json"


def rest(path: Path, records: list[dict]) -> None:
    path.write_text(json.dumps({"result": records, "total": len(records)}, ensure_ascii=False), encoding="utf-8")


def manifest(folder: Path, sources: dict[str, tuple[str, str]], **extra: object) -> Path:
    data = {"version": 1, "sources": {e: {"file": f, "profile": p} for e, (f, p) in sources.items()}, **extra}
    path = folder / "migration.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# --- links read from cells ------------------------------------------------------------------------------


def test_a_cell_holds_one_key_several_keys_or_a_json_list_and_zero_means_none():
    assert split_keys("12") == ["12"]
    assert split_keys("12, 15;17") == ["12", "15", "17"]
    assert split_keys('["D_12","C_5"]') == ["D_12", "C_5"]
    assert split_keys("0") == []  # Bitrix24's COMPANY_ID "0": no company
    assert split_keys("007") == ["007"]  # a key keeps its leading zeros


@given(st.lists(st.from_regex(r"[1-9][0-9]{0,6}", fullmatch=True), max_size=6))
def test_every_key_written_as_a_list_comes_back_in_order(keys):
    assert split_keys(", ".join(keys)) == keys
    assert split_keys(json.dumps(keys)) == keys


def test_typed_keys_name_their_entity_and_an_unknown_prefix_is_reported():
    spec = LinkSpec("UF_CRM_TASK", prefixes={"d": "leads", "c": "contacts", "co": "companies"})
    refs, unknown = read_link(spec, '["D_12", "CO_3", "L_7"]')
    assert [(r.entity, r.key) for r in refs] == [("leads", "12"), ("companies", "3")]
    assert [u.value for u in unknown] == ["L_7"]


def test_an_entity_column_says_what_the_key_is():
    spec = LinkSpec("ENTITY_ID", entity_column="ENTITY_TYPE", types={"deal": "leads", "contact": "contacts"})
    assert [(r.entity, r.key) for r in read_link(spec, "44", "DEAL")[0]] == [("leads", "44")]
    refs, unknown = read_link(spec, "44", "quote")
    assert refs == [] and unknown[0].value == "quote:44"


# --- manifest ------------------------------------------------------------------------------------------------


def test_the_manifest_orders_sources_for_the_run_and_resolves_files_beside_it():
    man = load_manifest(B24)
    assert list(man.sources) == ["companies", "contacts", "leads", "comments", "tasks"]
    assert man.sources["leads"].file == B24.parent / "deals.json"
    assert man.source_id_field == "ID в Bitrix24"
    assert man.profiles["leads"].owners["7"] == "Игорь Петров"  # the manifest's owners serve every file


def test_every_manifest_problem_is_reported_at_once(tmp_path):
    rest(tmp_path / "deals.json", [{"ID": "1", "TITLE": "x"}])
    path = manifest(tmp_path, {"leads": ("deals.json", "bitrix24-contacts-rest"),
                               "tasks": ("nope.json", "bitrix24-tasks-rest")})
    with pytest.raises(ProfileError) as e:
        load_manifest(path)
    assert "maps contacts, not leads" in str(e.value) and "nope.json does not exist" in str(e.value)
    path.write_text("version: 1\nsources: {deals: {file: a.csv}}\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="sources"):
        load_manifest(path)


def test_a_profile_keeps_its_key_and_links_through_save_and_load(tmp_path):
    profile = migrate.load_profile("bitrix24-tasks-rest")
    profile.save(tmp_path / "p.yaml")
    again = migrate.load_profile(tmp_path / "p.yaml")
    assert (again.key, again.links) == ("ID", profile.links)
    data = profile.to_dict() | {"links": {"X": "deals"}}
    with pytest.raises(ProfileError, match="links"):
        migrate.core.profile.profile_from_dict(data)


# --- across files --------------------------------------------------------------------------------------------


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """Companies by REST; contacts as a UI CSV naming companies in other spellings; deals linking by ID."""
    rest(tmp_path / "companies.json", [
        {"ID": "2", "TITLE": "ООО «Вектор»", "ASSIGNED_BY_ID": "1"},
        {"ID": "4", "TITLE": "Север-Строй", "ASSIGNED_BY_ID": "1"},
        {"ID": "4", "TITLE": "Север-Строй (копия)", "ASSIGNED_BY_ID": "1"},  # the same key twice
    ])  # fmt: skip
    header = '"ID";"Контакт";"Имя";"Фамилия";"Компания";"Ответственный";\n'
    rows = [
        '"10";"Алексей Соколов";"Алексей";"Соколов";"ооо\xa0«ВЕКТОР»";"Анна";\n',  # NBSP, other case
        '"11";"Мария Лебедева";"Мария";"Лебедева";"ООО «Луч»";"Анна";\n',  # a company known by name only
        '"12";"Павел Новиков";"Павел";"Новиков";"ООО «ЛУЧ»";"Анна";\n',  # ... named again: still one company
        '"";"Без ключа";"";"";"";"Анна";\n',  # no ID
    ]
    (tmp_path / "contacts.csv").write_bytes(("\ufeff" + header + "".join(rows)).encode())
    rest(tmp_path / "deals.json", [
        {"ID": "100", "TITLE": "Поставка", "COMPANY_ID": "2", "CONTACT_IDS": ["10", "77"], "ASSIGNED_BY_ID": "1",
         "STAGE_ID": "NEW", "CATEGORY_ID": "0"},
        {"ID": "101", "TITLE": "Монтаж", "COMPANY_ID": "0", "CONTACT_IDS": ["11"], "ASSIGNED_BY_ID": "1",
         "STAGE_ID": "NEW", "CATEGORY_ID": "0"},
    ])  # fmt: skip
    profile = migrate.load_profile("bitrix24-contacts")
    keep = ("ID", "Контакт", "Имя", "Фамилия", "Компания", "Ответственный")
    profile.columns = {c: s for c, s in profile.columns.items() if c in keep}
    profile.save(tmp_path / "contacts.yaml")
    return manifest(tmp_path, {"companies": ("companies.json", "bitrix24-companies-rest"),
                               "contacts": ("contacts.csv", "contacts.yaml"),
                               "leads": ("deals.json", "bitrix24-deals-rest")})  # fmt: skip


def test_links_resolve_across_files_and_a_record_named_twice_is_one(hostile):
    base, report = read_base(hostile)
    companies = base.records["companies"]
    assert sorted(companies) == ["2", "4", "name:ооо луч"]  # one «Луч» for two contacts, from the first row
    assert companies["name:ооо луч"].row == 3 and companies["name:ооо луч"].file == "contacts"
    contacts = base.records["contacts"]
    assert contacts["10"].links == {"companies": ["2"]}  # found by its folded name
    assert contacts["12"].links == {"companies": ["name:ооо луч"]}
    assert base.records["leads"]["100"].links == {"companies": ["2"], "contacts": ["10"]}
    assert base.records["leads"]["101"].links == {"contacts": ["11"]}  # COMPANY_ID "0" is no link
    assert "10" in contacts and "" not in contacts and len(contacts) == 3  # a deal's contact is not a new record


def test_dangling_repeated_and_missing_keys_are_reported_on_their_rows(hostile):
    report = validate_base(hostile)
    leads = report.files["leads"].to_frame()
    dangling = leads[leads.code == "dangling_link"]
    assert list(zip(dangling.row, dangling.column, dangling.value, strict=True)) == [(1, "CONTACT_IDS", "77")]
    assert report.files["leads"].rejected == 0  # a dangling link is a warning: the deal goes without it
    companies = report.files["companies"].to_frame(severity="error").dropna(subset=["row"])  # not missing columns
    assert list(zip(companies.row, companies.code, strict=True)) == [(3, "duplicate_key")]
    contacts = report.files["contacts"].to_frame(severity="error").dropna(subset=["row"])
    assert list(zip(contacts.row, contacts.code, strict=True)) == [(5, "empty_key")]
    assert report.counts["links_dangling"] == 1
    assert report.counts["merged_across_files"] >= 3  # «Вектор» and contacts 10, 11 are named by other files


# --- the sample bases ------------------------------------------------------------------------------------------


def test_the_bitrix24_sample_base_has_what_its_readme_plants():
    report = validate_base(B24, ACCOUNT)
    assert {k: report.counts[k] for k in ("companies", "contacts", "leads", "comments", "tasks")} == {
        "companies": 5, "contacts": 6, "leads": 6, "comments": 5, "tasks": 5}  # fmt: skip
    issues = report.to_frame()
    planted = issues[issues.code.isin(["dangling_link", "nothing_to_attach"])]
    assert sorted(zip(planted.entity, planted.value.fillna(""), strict=True)) == [
        ("comments", ""), ("comments", "999"), ("leads", "77"), ("leads", "99")]  # fmt: skip
    assert all(r.read == r.exported + r.rejected for r in report.files.values())


def test_the_megaplan_sample_base_has_what_its_readme_plants():
    report = validate_base(MP, ACCOUNT)
    assert report.counts["contacts"] == 5 and report.counts["leads"] == 5 and report.counts["tasks"] == 4
    issues = report.to_frame()
    assert sorted(issues[issues.code == "dangling_link"].value) == ["55", "9"]
    assert list(issues[issues.code == "unknown_link_type"].value) == ["Project:7"]


def test_validate_takes_a_manifest_and_prints_each_file_and_the_cross_file_counts(tmp_path):
    out = tmp_path / "report.json"
    result = CliRunner().invoke(cli, ["validate", str(MP), "--schema", str(ACCOUNT), "--report", str(out), "-q"])
    assert result.exit_code == 1, result.output  # the planted comment on a project is an error
    assert "deals.json → leads\nread 5 = exported 5 + rejected 0" in result.output
    assert "links dangling 2" in result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["counts"]["links_dangling"] == 2 and set(data["files"]) == {"companies", "contacts", "leads",
                                                                             "comments", "tasks"}  # fmt: skip
    # written a piece at a time (each file's issues read as written): the text to_json gives
    report = validate_base(MP, ACCOUNT)
    assert out.read_text(encoding="utf-8") == report.to_json() + "\n"
    assert "".join(report.json_pieces()) == report.to_json()
    printed = CliRunner().invoke(cli, ["validate", str(MP), "--schema", str(ACCOUNT), "--format", "json", "-q"])
    assert printed.exit_code == 1 and printed.stdout == report.to_json() + "\n"
    refused = CliRunner().invoke(cli, ["validate", str(MP), "--report", str(MP.parent / "deals.json")])
    assert refused.exit_code == 2 and "is an input" in refused.output



def test_a_base_report_name_with_no_base_report_format_fails_before_the_run(tmp_path, monkeypatch):
    """A whole base's report is .json or .xlsx: an .html name was refused only after every file had been
    read, checked and (for export) written."""

    def run(*args, **kwargs):
        raise AssertionError("the run started")

    monkeypatch.setattr("migrate.api_base.validate_base", run)
    monkeypatch.setattr("migrate.api_base.export_base", run)
    for verb in (["validate"], ["export", "-o", str(tmp_path / "base-out")]):
        html = tmp_path / "report.html"
        early = CliRunner().invoke(cli, [*verb, str(MP), "--schema", str(ACCOUNT), "--report", str(html), "-q"])
        assert early.exit_code == 2 and "Report file" in early.output and "must end in .json, .xlsx" in early.output
        assert "Traceback" not in early.output and not html.exists() and not (tmp_path / "base-out").exists()


def test_init_drafts_a_manifest_from_a_folder_and_lists_what_it_could_not_place(tmp_path):
    folder = tmp_path / "exports"
    shutil.copytree(B24.parent, folder)
    (folder / "migration.yaml").unlink()
    (folder / "notes.csv").write_text("a;b\n1;2\n", encoding="utf-8")  # fits no built-in profile
    out = tmp_path / "drafted.yaml"
    result = CliRunner().invoke(cli, ["init", str(folder), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "not placed: notes.csv" in result.output
    man = load_manifest(out)
    assert {e: s.file.name for e, s in man.sources.items()} == {
        "companies": "companies.json", "contacts": "contacts.csv", "leads": "deals.json",
        "comments": "comments.json", "tasks": "tasks.json"}  # fmt: skip
    assert {e: p.name for e, p in man.profiles.items()}["leads"] == "bitrix24-deals-rest"


# --- export for the importer ----------------------------------------------------------------------------------


def read_xlsx(path: Path) -> pd.DataFrame:
    return pd.read_excel(path, dtype=str, engine="calamine").fillna("")


def test_export_writes_one_file_per_entity_in_importer_order_with_names_written_identically(tmp_path):
    out = tmp_path / "import"
    result = CliRunner().invoke(cli, ["export", str(B24), "--schema", str(ACCOUNT), "-o", str(out), "-q"])
    assert result.exit_code == 1, result.output  # the planted comment on deal 999 is rejected
    assert sorted(p.name for p in out.glob("*.import.xlsx")) == [
        "1-companies.import.xlsx", "2-contacts.import.xlsx", "3-leads.import.xlsx"]  # fmt: skip
    companies, contacts, leads = (read_xlsx(out / f"{n}.import.xlsx") for n in ("1-companies", "2-contacts", "3-leads"))
    company_names = set(companies["Название (компания)"]) | {"ООО «Луч»"}  # «Луч»: only the contacts file knows it
    assert set(contacts["Название (компания)"]) <= company_names
    assert set(leads["Название (компания)"]) - {""} <= set(companies["Название (компания)"])
    assert set(leads["Полное имя (контакт)"]) - {""} <= set(contacts["Полное имя"])
    by_deal = dict(zip(leads["Название сделки"], leads["Полное имя (контакт)"], strict=True))
    assert by_deal["Монтаж вентиляции"] == "Павел Новиков"  # CONTACT_IDS ["12"] written as the contact's name
    notes = dict(zip(leads["Название сделки"], leads["Примечание к сделке"], strict=True))
    first = "Анна Смирнова · 12.03.2024 11:00\nКлиент просит КП до пятницы.\nОтправили прайс."
    assert notes["Поставка оборудования"] == first
    left = read_xlsx(out / "not-imported.xlsx")
    assert list(left["what"]) == ["task"] * 5 and "upload migration.yaml" in result.output
    rejected = read_xlsx(out / "4-comments.rejects.xlsx")
    assert len(rejected) == 1 and "999" in rejected.to_string()


def test_an_export_without_its_id_column_is_keyed_by_name_and_still_links(tmp_path):
    """A UI export of companies without the ID column: records are known by their folded names."""
    header = '"Название компании";"Ответственный";\n'
    (tmp_path / "companies.csv").write_bytes(("\ufeff" + header + '"ООО «Вектор»";"Анна";\n').encode())
    profile = migrate.load_profile("bitrix24-companies")
    profile.columns = {"Название компании": profile.columns["Название компании"],
                       "Ответственный": profile.columns["Ответственный"]}  # fmt: skip
    profile.save(tmp_path / "companies.yaml")
    header = '"ID";"Контакт";"Имя";"Фамилия";"Компания";"Ответственный";\n'
    (tmp_path / "contacts.csv").write_bytes(("\ufeff" + header + '"10";"А Б";"А";"Б";"ооо вектор";"Анна";\n').encode())
    contacts = migrate.load_profile("bitrix24-contacts")
    keep = ("ID", "Контакт", "Имя", "Фамилия", "Компания", "Ответственный")
    contacts.columns = {c: s for c, s in contacts.columns.items() if c in keep}
    contacts.save(tmp_path / "contacts.yaml")
    path = manifest(tmp_path, {"companies": ("companies.csv", "companies.yaml"),
                               "contacts": ("contacts.csv", "contacts.yaml")})  # fmt: skip
    base, report = read_base(path)
    assert list(base.records["companies"]) == ["name:ооо вектор"]
    assert base.records["contacts"]["10"].links == {"companies": ["name:ооо вектор"]}
    assert "empty_key" not in set(report.to_frame().code)
