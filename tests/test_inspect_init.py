"""inspect and init: what a file is, and a draft profile that validates and maps what it should."""

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

import migrate
from migrate.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "customers.xlsx"
CSV = ROOT / "samples" / "customers_cp1251.csv"
ACCOUNT = ROOT / "samples" / "account.json"


def test_inspect_describes_the_sample_workbook():
    result = migrate.inspect(SAMPLE)
    assert result.kind == "excel"
    assert result.sheets == ["Клиенты", "Справка"] and result.sheet == "Клиенты"
    assert result.header_row == 3
    assert result.rows == 300 and result.empty_rows == 4
    assert result.entity == "leads"
    assert result.profile == "customers" and result.profile_score > 0.9
    by_name = {c.name: c for c in result.columns}
    stage = by_name["Этап"]
    assert stage.filled == 299 and stage.distinct == 13 and len(stage.examples) == 3  # row 284 is empty
    assert 0 < by_name["Комментарий"].fill_rate < 0.5


def test_inspect_reports_encoding_and_delimiter_of_a_csv():
    result = migrate.inspect(CSV)
    assert (result.kind, result.encoding, result.delimiter) == ("csv", "cp1251", ";")
    assert result.profile == "customers-csv"


def test_inspect_json_output_matches_the_api():
    out = CliRunner().invoke(cli, ["inspect", str(SAMPLE), "--json"])
    assert out.exit_code == 0
    assert json.loads(out.output) == migrate.inspect(SAMPLE).to_dict()


def test_contact_sheet_is_guessed_as_contacts(tmp_path):
    src = tmp_path / "people.csv"
    src.write_text("ФИО;Телефон;E-mail;Должность\nИван Петров;89161234567;i@x.ru;Директор\n", encoding="utf-8")
    assert migrate.inspect(src).entity == "contacts"


def test_init_drafts_a_profile_that_validates(tmp_path):
    out = tmp_path / "draft.yaml"
    result = CliRunner().invoke(cli, ["init", str(SAMPLE), "--schema", str(ACCOUNT), "-o", str(out)])
    assert result.exit_code == 0, result.output
    profile = migrate.load_profile(out)
    mapped = {s: c.field for s, c in profile.mapped().items()}
    assert mapped["Сделка"] == "Название сделки"
    assert mapped["Сумма"] == "Бюджет сделки"
    assert mapped["Моб. телефон"] == "Мобильный телефон (контакт)"
    assert mapped["Компания"] == "Название (компания)"
    assert profile.columns["Менеджер"].owner is True
    assert profile.columns["Телефон"].transform == "phone"
    report = migrate.validate(SAMPLE, profile, ACCOUNT)
    assert report.read == 300
    assert not [i for i in report.issues if i.code.value in ("unknown_field", "missing_column")]


def test_init_lists_stage_values_with_their_closest_stage():
    draft = migrate.draft_profile(SAMPLE, schema=ACCOUNT)
    values = draft.profile.columns["Этап"].values
    assert values["Переговры"] == "Переговоры"
    assert values["Согласование договра"] == "Согласование договора"
    assert "В работе" not in values  # no close stage: left as a comment for a person
    assert '# "В работе"' in draft.text


def test_init_lists_owners_with_their_best_user():
    draft = migrate.draft_profile(SAMPLE, schema=ACCOUNT)
    assert draft.profile.owners == {"Смирнва Анна": "Анна Смирнова"}
    assert '"Волков Д.": "Дмитрий Волков"  # fuzzy' in draft.text  # low confidence: commented for review


def test_init_writes_scores_as_comments_and_comments_out_weak_matches(tmp_path):
    src = tmp_path / "odd.csv"
    src.write_text("Сделка;Зелёный слон;Сумма\nОкна;1;100\n", encoding="utf-8")
    draft = migrate.draft_profile(src)
    assert '"Сделка": {field: "Название сделки"}  # synonym 100' in draft.text
    assert "Зелёный слон" not in draft.profile.columns
    assert '# "Зелёный слон": null' in draft.text
    assert yaml.safe_load(draft.text)["entity"] == "leads"


def test_init_without_users_lists_owners_as_comments():
    draft = migrate.draft_profile(SAMPLE)
    assert draft.profile.owners == {}
    assert "schema pull" in draft.text and '#   "Игорь Петров": ""' in draft.text


def test_init_keeps_weak_stage_suggestions_as_comments_and_still_validates(tmp_path):
    src = tmp_path / "deals.csv"
    src.write_text("Сделка;Этап\nОкна;Обсуждение условий\nДвери;Ждём оплату\n", encoding="utf-8")
    draft = migrate.draft_profile(src)
    assert draft.profile.columns["Этап"].field == "Статус сделки"
    assert draft.profile.columns["Этап"].values == {}
    assert '"Обсуждение условий"' in draft.text


def test_company_and_contact_files_are_told_apart():
    megaplan = ROOT / "samples" / "megaplan"
    assert migrate.inspect(megaplan / "clients_companies.csv").entity == "companies"
    assert migrate.inspect(megaplan / "clients_persons.xlsx").entity == "contacts"
