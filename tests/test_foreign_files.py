"""Files nobody here wrote (issue 10): each case seen on an unseen file, reproduced and made impossible.

Fixtures in tests/fixtures/foreign/ are written in other people's shapes: a 1C client list (title rows,
NBSP and zero-width characters in headers, a Latin 'C' in «Cумма», a totals row), a Bitrix24 UI contacts
export with pager and mailing phones and without the columns shown only on request, an English CRM export
(comma-separated, US numbers, a «Total» row). Workbooks are generated in the tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import migrate
from migrate.cli.main import cli
from migrate.core.headerfold import fold_header, resolve_headers, typed, visible
from migrate.core.issues import INFO, ProfileError
from migrate.core.profile import profile_from_dict
from migrate.core.summary_rows import summary_rows

FOREIGN = Path(__file__).parent / "fixtures" / "foreign"
ONEC = FOREIGN / "onec_clients.csv"
B24 = FOREIGN / "b24_contacts_ui.csv"
ENGLISH = FOREIGN / "crm_export_en.csv"


def _profile(entity: str, columns: dict) -> migrate.Profile:
    return profile_from_dict({"version": 1, "entity": entity, "columns": columns})


ONEC_PROFILE = {  # typed by a person: plain spaces, Cyrillic «С», no zero-width characters
    "Наименование": "Название (компания)",
    "Ответственный менеджер": {"field": "Ответственный за компанию", "owner": True},
    "Эл. почта": {"field": "Рабочий email", "transform": "email"},
    "Телефон": {"field": "Рабочий телефон", "transform": "phone"},
    "Сумма": None,
    "ИНН": None,
    "Комментарий": "Примечание к компании",
}


# --- 1. header folding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    ["Эл.\xa0почта", "Эл.\u202fпочта", "Эл.\tпочта", "Эл.  почта", " Эл. почта\u200b", "ЭЛ. ПОЧТА", "эл.\u2060 почта"],
)
def test_a_key_typed_with_a_plain_space_matches_headers_that_differ_invisibly(header):
    assert resolve_headers(["Эл. почта"], [header, "Телефон"]) == {"Эл. почта": header}


def test_yo_and_latin_look_alikes_fold_but_latin_words_stay_latin():
    assert fold_header("Cумма") == fold_header("Сумма")  # Latin C
    assert fold_header("Ответственный за счёт") == fold_header("ответственный за счет")
    assert fold_header("Skype") == "skype" and fold_header("E-mail") == "e-mail"
    assert fold_header("Телефон (2)") != fold_header("Телефон 2")  # punctuation is kept: two columns


def test_an_exact_header_wins_over_a_folded_one():
    assert resolve_headers(["Телефон"], ["Телефон\xa0", "Телефон"]) == {"Телефон": "Телефон"}


def test_nbsp_headers_are_read_and_the_report_says_so_once_as_info():
    report = migrate.validate(ONEC, _profile("companies", ONEC_PROFILE))
    codes = report.to_frame()["code"].tolist()
    assert "missing_column" not in codes
    folded = report.to_frame(code="header_folded")
    assert sorted(folded["value"]) == ["Ответственный менеджер", "Сумма", "Телефон", "Эл. почта"]
    assert set(folded["severity"]) == {INFO}
    assert "Эл.<NBSP>почта" in folded.set_index("value").at["Эл. почта", "message"]
    ledger = report.ledger().set_index("column")
    assert ledger.at["Эл.\xa0почта", "exported"] == 3  # the e-mails of every row are exported
    assert ledger.at["Ответственный\xa0менеджер", "exported"] == 3


def test_missing_column_names_the_nearest_header_with_invisible_characters_shown():
    profile = _profile("companies", {"Наименование": "Название (компания)", "Эл. почты": "Рабочий email"})
    issue = migrate.validate(ONEC, profile).to_frame(code="missing_column").iloc[0]
    assert issue["column"] == "Эл. почты"
    assert "'Эл.<NBSP>почта'" in issue["message"]


def test_visible_marks_latin_letters_only_inside_cyrillic_words():
    assert visible("Cумма") == "<Latin C>умма"
    assert visible("Рабочий e-mail") == "Рабочий e-mail"
    assert visible("Контакт\u00a0Skype\u200b") == "Контакт<NBSP>Skype<ZWSP>"


def test_init_writes_keys_as_a_person_types_them(tmp_path):
    out = tmp_path / "draft.yaml"
    result = CliRunner().invoke(cli, ["init", str(ONEC), "--entity", "companies", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "\xa0" not in text and "\u200b" not in text
    assert '"Эл. почта"' in text
    assert typed(" Эл.\xa0\xa0почта\u200b ") == "Эл. почта"
    report = migrate.validate(ONEC, migrate.load_profile(out))  # and the draft reads the file back
    assert "missing_column" not in report.by_code()


# --- 2. several source columns into one target; no built-in profile drops phones ---------------------


def test_bitrix24_contacts_keeps_pager_and_mailing_phones_and_emails():
    mapped = migrate.apply_profile(B24, "bitrix24-contacts")
    frame = mapped.frame
    phones = {p for c in frame.columns if "телефон" in c.lower() for cell in frame[c] for p in cell.split(", ") if p}
    assert {"+74957778899", "+79035550101"} <= phones  # pager (row 2), mailing (row 3)
    assert frame.at[2, "Другой email"] == "news@kedr.example.ru"
    assert frame.at[4, "Другой телефон"] == ""  # the mailing number repeats the work one: written once
    assert frame.at[2, "Имя"] == "Ольга Павловна"  # Отчество joined after the first name


def test_no_builtin_profile_drops_a_column_of_phones_emails_names_or_comments():
    words = ("телефон", "e-mail", "email", "почта", "отчество", "second_name", "имя", "фио", "коммент", "примеч",
             "сведения", "контактные лица")
    for name in migrate.core.profile.builtin_profiles():
        profile = migrate.load_profile(name)
        dropped = [c for c, spec in profile.columns.items() if spec is None and any(w in c.lower() for w in words)]
        # Y/N flags and an Instagram messenger ID are not phones, e-mails, names or comments
        dropped = [c for c in dropped if c not in ("HAS_PHONE", "HAS_EMAIL", "Комментарии Instagram")]
        assert dropped == [], f"{name} drops {dropped}"


def test_two_phone_columns_into_one_target_follow_the_overflow_rule_and_text_joins_by_line():
    profile = _profile("contacts", {
        "Contact person": "Полное имя",
        "Phone": {"field": "Рабочий телефон", "transform": "phone"},
        "Phone 2": {"field": "Рабочий телефон", "transform": "phone"},
        "Notes": "Примечание к контакту",
        "Organization": "Примечание к контакту",
        "Email": {"field": "Рабочий email", "transform": "email"},
        "Deal value": None, "Stage": None,
    })  # fmt: skip
    frame = migrate.apply_profile(ENGLISH, profile).frame
    assert frame.at[2, "Рабочий телефон"] == "+12125550100"
    assert frame.at[2, "Другой телефон"] == "+12125550199"
    assert frame.at[2, "Примечание к контакту"] == "Met at expo\nwants a demo\nAcme Trading LLC"
    assert frame.at[3, "Примечание к контакту"] == "Globex"


def test_two_columns_on_a_number_target_are_refused_with_both_named():
    profile = _profile("leads", {"Deal value": "Бюджет сделки", "Phone 2": "Бюджет сделки"})
    with pytest.raises(ProfileError, match="'Deal value', 'Phone 2'"):
        migrate.validate(ENGLISH, profile)


# --- 3. optional columns -------------------------------------------------------------------------------


def test_columns_shown_only_on_request_are_info_when_absent():
    report = migrate.validate(B24, "bitrix24-contacts")
    assert report.ok, report.summary()
    optional = report.to_frame(code="optional_column_missing")
    assert {"Контакт Skype", "Контакт ICQ"} <= set(optional["column"])
    assert set(optional["severity"]) == {INFO}


def test_a_user_profile_may_mark_a_column_optional():
    columns = {"Organization": "Название (компания)", "Fax": {"field": "Факс", "transform": "phone", "optional": True}}
    report = migrate.validate(ENGLISH, _profile("companies", columns | {"Deal value": None}))
    assert "missing_column" not in report.by_code() and report.by_code()["optional_column_missing"] == 1
    assert _profile("companies", columns).to_dict()["columns"]["Fax"]["optional"] is True  # saved back


# --- 5. output integrity: a run that maps nothing ------------------------------------------------------


def test_a_file_no_column_of_which_is_mapped_is_exit_2_and_writes_nothing(tmp_path):
    src = tmp_path / "x.csv"
    src.write_text("foo;bar\n1;2\n3;4\n", encoding="utf-8")
    out = tmp_path / "x.xlsx"
    result = CliRunner().invoke(cli, ["export", str(src), "-p", "customers-csv", "-o", str(out)])
    assert result.exit_code == 2
    assert "No column of x.csv is mapped" in result.output and "'foo', 'bar'" in result.output
    assert not out.exists() and "exported" not in result.output


# --- 8. line breaks ------------------------------------------------------------------------------------


def test_notes_keep_their_line_breaks_and_names_fold_them(tmp_path):
    src = tmp_path / "n.csv"
    text = 'Сделка;Контакт;Комментарий\n"Окна\nПВХ";"Иван\nПетров";"VIP клиент\r\nскидка 5%"\n'
    src.write_text(text, encoding="utf-8")
    profile = _profile("leads", {"Сделка": "Название сделки", "Контакт": "Полное имя (контакт)",
                                 "Комментарий": "Примечание к сделке"})  # fmt: skip
    frame = migrate.apply_profile(src, profile).frame
    assert frame.at[2, "Примечание к сделке"] == "VIP клиент\nскидка 5%"
    assert frame.at[2, "Название сделки"] == "Окна ПВХ"
    assert frame.at[2, "Полное имя (контакт)"] == "Иван Петров"


# --- 9. messages ---------------------------------------------------------------------------------------


def test_a_profile_key_typo_is_named_with_the_closest_valid_key():
    with pytest.raises(ProfileError) as e:
        _profile("leads", {"Сделка": {"field": "Название сделки", "transfrom": "text"}})
    assert "unknown key 'transfrom' (did you mean 'transform'?)" in str(e.value)
    assert "not of type 'null'" not in str(e.value)


def test_suggestions_are_listed_one_by_one():
    profile = _profile("leads", {"Organization": "Название компании", "Notes": "Примечание к сделке"})
    issue = migrate.validate(ENGLISH, profile).to_frame(code="unknown_field").iloc[0]
    assert "Did you mean 'Название (компания)'" in issue["message"]
    assert " | " not in issue["message"]


def test_row_numbers_in_the_report_workbook_are_numbers(tmp_path):
    report = migrate.validate(ONEC, _profile("companies", ONEC_PROFILE))
    path = migrate.write_report(report, tmp_path / "r.xlsx")
    ws = openpyxl.load_workbook(path)["Issues"]
    rows = [r[0] for r in ws.iter_rows(min_row=2, values_only=True) if r[0] is not None]
    assert rows and all(isinstance(r, int) for r in rows)
    ledger = openpyxl.load_workbook(path)["Ledger"]
    assert all(isinstance(v, int) for v in next(ledger.iter_rows(min_row=2, values_only=True))[1:])


# --- 6. the fix-and-rerun loop -------------------------------------------------------------------------


def _round_trip(source: Path, profile, tmp_path: Path, schema=None) -> None:  # noqa: ANN001
    first = migrate.export(source, profile, tmp_path / "a.xlsx", schema)
    assert first.rejected > 0
    again = migrate.export(tmp_path / "a.rejects.xlsx", profile, tmp_path / "b.xlsx", schema)
    assert again.read == first.rejected  # no rejected row swallowed as a header or title row
    assert list(again.table.frame.index) == first.rejected_rows  # each once, under its original number
    assert "missing_column" not in again.by_code()
    assert again.rejected_rows == first.rejected_rows  # nothing fixed: the same rows are rejected again


def test_rejects_of_the_builtin_customers_profile_read_back_through_it(tmp_path):
    root = Path(__file__).resolve().parents[1]
    _round_trip(root / "samples" / "customers.xlsx", "customers", tmp_path, root / "samples" / "account.json")


def test_rejects_of_an_init_draft_with_title_rows_read_back_through_it(tmp_path):
    draft = migrate.draft_profile(ONEC, entity="companies")
    assert draft.profile.source.get("header_row") == 4  # three title lines above the header in this 1C list
    _round_trip(ONEC, draft.profile, tmp_path)


def test_rejects_of_a_csv_read_back_through_its_profile(tmp_path):
    profile = _profile("companies", ONEC_PROFILE)
    profile.source["header_row"] = 4
    _round_trip(ONEC, profile, tmp_path)


# --- 7. summary rows -----------------------------------------------------------------------------------


def test_a_totals_row_is_rejected_as_summary_row_not_imported_as_a_record(tmp_path):
    report = migrate.export(ONEC, _profile("companies", ONEC_PROFILE), tmp_path / "o.xlsx")
    summary = report.to_frame(code="summary_row")
    assert list(summary["row"]) == [8] and list(summary["value"]) == ["ИТОГО"]
    assert 8 in report.rejected_rows
    names = [r[0] for r in openpyxl.load_workbook(tmp_path / "o.xlsx").active.iter_rows(min_row=2, values_only=True)]
    assert "ИТОГО" not in names


def test_english_total_and_subtotal_rows_are_summaries_but_a_full_row_named_vsego_is_a_record():
    frame = migrate.read_source(ENGLISH).frame
    assert summary_rows(frame) == {4: ("Organization", "Total")}
    rows = pd.DataFrame({"Компания": ["Всего понемногу", "Итого по менеджеру:"], "Сумма": ["5", "100"],
                         "Контакт": ["Пётр", ""], "Телефон": ["+79161234567", ""]}, index=[2, 3])  # fmt: skip
    assert summary_rows(rows) == {3: ("Компания", "Итого по менеджеру:")}


def test_inspect_counts_summary_rows_apart_from_data_rows():
    found = migrate.inspect(ONEC)
    assert found.rows == 3 and found.summary_rows == [8]
    assert "1 summary rows" in found.summary()


# --- 9. INN that lost its leading zero ----------------------------------------------------------------


def test_a_nine_digit_inn_is_flagged_with_the_zero_padded_value_when_it_validates():
    columns = {"Наименование": "Название (компания)", "ИНН": "Примечание к компании"}
    issues = migrate.validate(ONEC, _profile("companies", columns)).to_frame(code="inn_lost_zero")
    assert list(issues["row"]) == [7]
    assert issues.iloc[0]["suggestion"] == "0274062111"
    assert "'0274062111' has valid check digits" in issues.iloc[0]["message"]


# --- 4. detection by signature -------------------------------------------------------------------------


def test_a_bitrix24_ui_csv_is_recognised_from_its_headers_and_its_profile_named():
    found = migrate.inspect(B24)
    assert (found.kind, found.system, found.entity) == ("csv", "bitrix24", "contacts")
    assert found.profile == "bitrix24-contacts"
    assert "written by bitrix24" in found.summary()


def test_a_bitrix24_csv_with_nbsp_headers_is_still_recognised(tmp_path):
    src = tmp_path / "b24.csv"
    src.write_text(B24.read_text(encoding="utf-8-sig").replace("Тип контакта", "Тип\xa0контакта")
                   .replace("Номер пейджера", "Номер\xa0пейджера"), encoding="utf-8-sig")  # fmt: skip
    assert migrate.read_source(src).system == "bitrix24"


@pytest.mark.parametrize(("sample", "system", "entity"), [
    ("megaplan/deals.xlsx", "megaplan", "leads"),
    ("megaplan/clients_companies.csv", "megaplan", "companies"),
    ("megaplan/clients_persons.xlsx", "megaplan", "contacts"),
    ("bitrix24/leads.csv", "bitrix24", "leads"),
])  # fmt: skip
def test_megaplan_and_bitrix24_exports_are_named_by_their_header_sets(sample, system, entity):
    found = migrate.inspect(Path(__file__).resolve().parents[1] / "samples" / sample)
    assert (found.system, found.entity) == (system, entity)
    assert found.profile is not None and found.profile.startswith(system)


def test_a_file_no_builtin_profile_fits_says_so_and_lists_the_near_candidates():
    found = migrate.inspect(ONEC)
    assert found.profile is None and found.system is None
    assert found.near_profiles[:1] == ["customers-csv"]
    assert "no built-in profile fits (near: customers-csv 0." in found.summary()
    assert "best built-in profile" not in migrate.inspect(ENGLISH).summary()


# --- the ledger where people read it -------------------------------------------------------------------


def test_the_cli_says_which_non_empty_cells_are_not_exported_and_every_report_carries_the_ledger(tmp_path):
    report_json = tmp_path / "r.json"
    result = CliRunner().invoke(cli, ["validate", str(B24), "-p", "bitrix24-contacts", "--report", str(report_json)])
    assert result.exit_code == 0, result.output
    assert "not exported: 3 non-empty cells in 1 column: 'ID' 3 linked" in result.output  # ID is the profile's key
    ledger = json.loads(report_json.read_text(encoding="utf-8"))["ledger"]
    assert ledger["Номер пейджера"] == {"read": 1, "exported": 1, "rejected": 0, "merged": 0, "linked": 0,
                                        "dropped": 0, "unmapped": 0}  # fmt: skip
    page = migrate.write_report(migrate.validate(B24, "bitrix24-contacts"), tmp_path / "r.html")
    assert "Cell ledger" in page.read_text(encoding="utf-8")


def test_the_record_key_column_is_found_through_folding_too(tmp_path):
    src = tmp_path / "b24.csv"
    src.write_text(B24.read_text(encoding="utf-8-sig").replace('"ID"', '"ID\u200b"', 1), encoding="utf-8-sig")
    report = migrate.validate(src, "bitrix24-contacts")
    ledger = report.ledger().set_index("column")
    assert ledger.at["ID\u200b", "linked"] == 3 and "unmapped_column" not in report.by_code()


def test_init_keeps_the_exact_text_of_headers_that_fold_alike(tmp_path):
    src = tmp_path / "two.csv"
    src.write_text("Компания;Эл. почта;Эл.\xa0почта\nА;a@b.ru;c@d.ru\n", encoding="utf-8")
    draft = migrate.draft_profile(src, entity="companies")
    assert '"Эл.\xa0почта"' in draft.text  # typed, it would be the other column's key
    report = migrate.validate(src, draft.profile)
    assert "missing_column" not in report.by_code()
