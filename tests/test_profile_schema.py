"""Loading the account schema and mapping profiles: every problem reported at once, with its path."""

import json
from pathlib import Path

import pytest

from migrate import ProfileError, SchemaError, load_profile, load_schema
from migrate.core.profile import Profile, builtin_profiles, profile_from_dict

ROOT = Path(__file__).resolve().parents[1]


def test_default_schema_is_a_fresh_russian_account():
    schema = load_schema()
    assert schema.users == []
    assert schema.country == "RU"
    main = schema.main_pipeline
    assert main.name == "Воронка"
    ids = [s.id for s in main.statuses]
    assert 142 in ids and 143 in ids
    headers = schema.targets("leads")
    for h in [
        "Название сделки",
        "Бюджет сделки",
        "Ответственный за сделку",
        "Статус сделки",
        "Воронка",
        "Полное имя (контакт)",
        "Рабочий телефон (контакт)",
        "Мобильный телефон (контакт)",
        "Рабочий email (контакт)",
        "Название (компания)",
        "Адрес (компания)",
        "Рабочий телефон (компания)",
    ]:
        assert h in headers
    assert headers["Мобильный телефон (контакт)"].code == "PHONE"
    assert headers["Мобильный телефон (контакт)"].enum == "MOB"
    assert headers["Личный email (контакт)"].enum == "PRIV"
    # the predefined PHONE field is reached through its standard headers, not as a custom "Телефон (контакт)"
    assert "Телефон (контакт)" not in headers


def test_custom_fields_get_entity_suffix_in_combined_layout():
    schema = load_schema(ROOT / "samples" / "account.json")
    leads = schema.targets("leads")
    assert leads["Источник"].type == "select"
    assert "Сайт" in leads["Источник"].options
    assert "ИНН (компания)" in leads
    assert "Город (контакт)" in leads
    assert "ИНН" in schema.targets("companies")
    required = leads["Номер договора"].required_statuses
    assert required and required[0][1] == 61000014


def test_schema_errors_are_all_reported_with_paths(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"version": 2, "pipelines": [], "fields": {"leads": [{"name": "x", "type": "bogus"}]}, "extra": 1}),
        encoding="utf-8",
    )
    with pytest.raises(SchemaError) as e:
        load_schema(bad)
    msg = str(e.value)
    assert str(bad) in msg
    for part in ["version", "pipelines", "fields/leads/0/type", "extra"]:
        assert part in msg


def test_schema_with_broken_json_names_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1,\n "pipelines": [}', encoding="utf-8")
    with pytest.raises(SchemaError, match="line 2"):
        load_schema(bad)


def test_required_status_must_exist(tmp_path):
    data = json.loads((ROOT / "samples" / "account.json").read_text(encoding="utf-8"))
    data["fields"]["leads"][0]["required_statuses"] = [{"pipeline_id": 1, "status_id": 999}]
    p = tmp_path / "a.json"
    p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(SchemaError, match="999"):
        load_schema(p)


def test_profile_contract_example_loads():
    profile = profile_from_dict(
        {
            "version": 1,
            "entity": "leads",
            "source": {"kind": "bitrix24", "sheet": "Сделки"},
            "columns": {
                "Название сделки": "Название сделки",
                "Сумма": {"field": "Бюджет сделки", "transform": "number"},
                "Стадия сделки": {"field": "Статус сделки", "values": {"Новая": "Первичный контакт"}},
                "Ответственный": {"field": "Ответственный за сделку", "owner": True},
                "Служебное поле": None,
            },
            "owners": {"map": {"Смирнова Анна": "anna@example.ru"}, "default": "anna@example.ru"},
        }
    )
    assert profile.columns["Служебное поле"] is None
    assert profile.columns["Сумма"].transform == "number"
    assert profile.columns["Ответственный"].owner is True
    assert profile.owners == {"Смирнова Анна": "anna@example.ru"}
    assert profile.owner_default == "anna@example.ru"


def test_profile_errors_are_all_reported_with_paths(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text(
        "version: 1\nentity: deals\ncolumns:\n  A: {field: X, transform: upper}\n  B: {transform: phone}\nowners: 5\n",
        encoding="utf-8",
    )
    with pytest.raises(ProfileError) as e:
        load_profile(p)
    msg = str(e.value)
    assert str(p) in msg
    for part in ["entity", "columns/A", "columns/B", "owners"]:
        assert part in msg


def test_profile_yaml_syntax_error_names_line(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text("version: 1\nentity: leads\ncolumns:\n  A: [unclosed\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="line"):
        load_profile(p)


def test_unknown_profile_name_lists_builtins():
    with pytest.raises(ProfileError, match="built-in"):
        load_profile("no-such-profile")


def test_numeric_headers_in_yaml_are_text(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text("version: 1\nentity: leads\ncolumns:\n  2024: Название сделки\n", encoding="utf-8")
    assert "2024" in load_profile(p).columns


def test_profile_edits_save_and_load_back_equal(tmp_path):
    profile = Profile(entity="leads", columns={})
    profile.map("Сделка", "Название сделки").map("Сумма", "Бюджет сделки", transform="number").drop("Служебное")
    profile.owners["Смирнова"] = "Анна Смирнова"
    path = profile.save(tmp_path / "p.yaml")
    loaded = load_profile(path)
    assert loaded.to_dict() == {**profile.to_dict(), "name": "p"}


def test_every_builtin_profile_is_valid():
    assert builtin_profiles(), "no built-in profiles shipped"
    for name in builtin_profiles():
        assert load_profile(name).entity in ("leads", "contacts", "companies", "comments", "tasks")
