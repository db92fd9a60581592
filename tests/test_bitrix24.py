"""Bitrix24 sources: the HTML "Excel" export, the UI CSV, REST dumps, and the built-in profiles.

Every quirk has a small fixture (tests/fixtures/b24_*, written by b24_make_fixtures.py); the full-size
synthetic exports in samples/bitrix24/ are checked end to end here and in test_golden.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import migrate
from migrate.core.issues import IssueCode, SourceError
from migrate.core.profile import builtin_profiles, load_profile
from migrate.core.schema import load_schema
from migrate.quality.transforms import TransformContext, transform_html
from migrate.sources import detect, read_table
from migrate.sources.bitrix24 import (
    MULTI_FIELD_CAPTIONS,
    guess_entity,
    looks_like_rest,
    read_bitrix24_html,
    rest_records,
)

ROOT = Path(__file__).resolve().parents[1]
FIX = Path(__file__).parent / "fixtures"
SAMPLES = ROOT / "samples" / "bitrix24"
LATIN_C_STAGE = "\u0043чёт на предоплату"  # exactly as Bitrix24's language file spells it

#: sample → its built-in profile
SAMPLE_PROFILES = {
    "deals.csv": "bitrix24-deals",
    "deals.xls": "bitrix24-deals",
    "contacts.csv": "bitrix24-contacts",
    "companies.xls": "bitrix24-companies",
    "leads.csv": "bitrix24-leads",
    "deals_rest.json": "bitrix24-deals-rest",
    "contacts_rest.json": "bitrix24-contacts-rest",
}
PROFILE_NAMES = [f"bitrix24-{e}{s}" for e in ("deals", "contacts", "companies", "leads") for s in ("", "-rest")]


def mapped(source: str | Path, profile: str, schema: str | Path | None = None):
    return migrate.apply_profile(source, profile, schema)


def codes(issues, row: int | None = None) -> set[str]:
    return {i.code.value for i in issues if row is None or i.row == row}


# --- the "Excel" export: HTML ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("b24_deals_bom.xls", "utf-8-sig"),
        ("b24_deals_nobom.xls", "utf-8"),
        ("b24_deals_cp1251.xls", "windows-1251"),
        ("b24_deals_koi8.xls", "koi8-r"),
    ],
)
def test_html_export_reads_in_every_encoding(name, encoding):
    table = read_table(FIX / name)
    assert (table.kind, table.system, table.entity_hint) == ("bitrix24-html", "bitrix24", "deal")
    assert table.encoding == encoding
    assert table.columns[:3] == ["ID", "Название сделки", "Стадия сделки"]  # no BOM glued to the first header
    assert list(table.frame.index) == [2, 3, 4]  # header = row 1
    assert table.frame.loc[3, "Стадия сделки"] == "Новая"


def test_meta_charset_decides_when_the_bytes_are_not_utf8():
    # KOI8-R bytes also decode as cp1251 (into nonsense); only the <meta charset> tells them apart
    assert read_table(FIX / "b24_deals_koi8.xls").frame.loc[2, "Ответственный"] == "Анна Смирнова"


def test_explicit_encoding_wins_over_the_meta_tag():
    table = read_bitrix24_html(FIX / "b24_deals_koi8.xls", encoding="cp1251")
    assert table.encoding == "cp1251"
    assert "Ответственный" not in table.columns  # read as told, hence garbled


def test_entities_are_unescaped():
    frame = read_table(FIX / "b24_deals_cp1251.xls").frame
    assert frame.loc[2, "Название сделки"] == 'Поставка "под ключ"'
    assert frame.loc[2, "Компания"] == 'ООО "Смирнов & партнёры"'
    assert frame.loc[3, "Название сделки"] == "Монтаж <срочно>"
    assert frame.loc[3, "Компания"] == "ООО\u00a0«Кедр»"  # &nbsp; and numeric references


def test_br_tags_become_line_breaks_and_markup_text_is_kept():
    frame = read_table(FIX / "b24_deals_bom.xls").frame
    assert frame.loc[2, "Комментарий"] == "Позвонить\nКП отправлено"
    assert frame.loc[4, "Комментарий"] == "Важно: договор\nу юристов\nвторая строка"  # <b> text, <br/>, CRLF


def test_escaped_br_stays_text_as_excel_shows_it():
    # "&lt;br&gt;" is the text "<br>" in the cell; the profile's html transform turns it into a line break
    assert read_table(FIX / "b24_deals_bom.xls").frame.loc[3, "Комментарий"] == "Просит скидку<br>5%"


def test_html_named_xls_is_detected_by_content():
    path = FIX / "b24_deals_cp1251.xls"
    assert path.read_bytes()[:4] == b"<met"  # neither OLE nor zip: the extension lies
    assert detect(path) == "html"
    assert detect(SAMPLES / "companies.xls") == "html"  # with the UTF-8 BOM


def test_plain_html_table_is_read_but_not_called_bitrix24():
    table = read_table(FIX / "b24_plain_table.html")
    assert (table.kind, table.system, table.entity_hint) == ("bitrix24-html", None, None)
    assert table.frame.loc[2].to_dict() == {"Имя": "Анна", "Город": "Казань"}


def test_html_without_table_rows_is_a_source_error(tmp_path):
    path = tmp_path / "DEAL_20240312.xls"
    path.write_text('<meta http-equiv="Content-type" content="text/html;charset=UTF-8" />\n<table></table>')
    with pytest.raises(SourceError, match="DEAL_20240312.xls' is an HTML page without a table"):
        read_bitrix24_html(path)


def test_header_row_can_be_forced(tmp_path):
    path = tmp_path / "titled.xls"
    path.write_text("<table><tr><td>Выгрузка</td></tr><tr><th>ID</th><th>Имя</th></tr><tr><td>1</td><td>А</td></tr>")
    table = read_bitrix24_html(path, header_row=2)
    assert table.header_row == 2
    assert table.frame.loc[3].to_dict() == {"ID": "1", "Имя": "А"}


@pytest.mark.parametrize(
    ("headers", "entity"),
    [
        (["ID", "Название сделки", "Контакт"], "deal"),
        (["ID", "Название лида", "Название компании"], "lead"),
        (["ID", "Название компании", "Тип компании"], "company"),
        (["ID", "Контакт", "Имя", "Тип контакта"], "contact"),
        (["Имя", "Телефон"], None),
    ],
)
def test_entity_is_guessed_from_ui_headers(headers, entity):
    assert guess_entity(headers) == entity


def test_html_and_csv_exports_of_the_same_deals_agree():
    csv_frame = read_table(SAMPLES / "deals.csv").frame
    html_frame = read_table(SAMPLES / "deals.xls").frame
    differs = (csv_frame != html_frame).any()
    assert list(differs[differs].index) == ["Комментарий"]  # CSV keeps raw markup, HTML renders it
    exported = [mapped(SAMPLES / name, "bitrix24-deals").frame for name in ("deals.csv", "deals.xls")]
    assert exported[0].equals(exported[1])


# --- the UI CSV export (generic CSV reader) -----------------------------------------------------------


@pytest.mark.parametrize("name", ["b24_deals_lf.csv", "b24_deals_crlf.csv"])
def test_bitrix_csv_reads_with_the_generic_reader(name):
    table = read_table(FIX / name)
    assert (table.delimiter, table.encoding) == (";", "utf-8-sig")
    assert table.columns == ["ID", "Название сделки", "Стадия сделки", "Компания", "Ответственный", "Комментарий"]
    assert not table.issues  # the empty column after the trailing ';' is dropped silently
    assert table.frame.loc[2, "Компания"] == 'ООО "Смирнов & партнёры"'
    assert table.frame.loc[5, "Комментарий"] == "Первая строка\r\nвторая строка"  # quoted line break, kept as stored
    assert table.rows == 4


def test_sample_csv_is_byte_faithful():
    data = (SAMPLES / "deals.csv").read_bytes()
    assert data.startswith(b'\xef\xbb\xbf"ID";"')
    first_line = data.split(b"\n", 1)[0]
    assert first_line.endswith(b'"UTM Term";') and b"\r" not in first_line  # LF, as csv.php writes
    assert b'"\xd0\x97\xd0\xb2\xd0\xbe\xd0\xbd\xd0\xb8\xd0\xbb 2 \xd1\x80\xd0\xb0\xd0\xb7\xd0\xb0,\r\n' in data


# --- REST dumps ---------------------------------------------------------------------------------------


def test_rest_pages_are_concatenated_in_order():
    table = read_table(FIX / "b24_rest_pages.json")
    assert (table.kind, table.system, table.entity_hint, table.header_row) == ("bitrix24-rest", "bitrix24", "deal", 0)
    assert table.rows == 53
    assert list(table.frame.index[:2]) == [1, 2]
    assert table.frame.loc[51, "STAGE_ID"] == "WON"  # first record of page 2 is row 51
    assert table.frame.loc[53, "ID"] == "53"


@pytest.mark.parametrize("name", ["b24_rest_list.json", "b24_rest_lead.json", "b24_rest_company.json"])
def test_rest_list_and_single_page_shapes(name):
    table = read_table(FIX / name)
    assert table.kind == "bitrix24-rest"
    assert table.frame.loc[1, "ID"] in {"1", "5", "9"}


def test_rest_numbers_keep_their_json_text():
    row = read_table(FIX / "b24_rest_numbers.json").frame.loc[1]
    assert row["ID"] == "7"
    assert row["OPPORTUNITY"] == "100000.00"  # not "100000.0"
    assert (row["PROBABILITY"], row["TAX_VALUE"]) == ("0.5", "1e3")
    assert (row["IS_NEW"], row["CLOSED"], row["COMMENTS"]) == ("true", "false", "")
    assert row["CONTACT_IDS"] == "5, 6"
    assert json.loads(row["UF_CRM_FILE"]) == {"id": 12, "showUrl": "/x"}


def test_multi_fields_become_typed_ui_columns():
    table = read_table(FIX / "b24_rest_multi.json")
    assert table.entity_hint == "contact"
    anna = table.frame.loc[1]
    assert anna["Мобильный телефон"] == "+7 (916) 011-11-11, 8 903 022-22-22"  # one type joined with ", "
    assert anna["Рабочий телефон"] == "8 (495) 012-34-56"
    assert (anna["Рабочий e-mail"], anna["Частный e-mail"]) == ("a.belova@kedr.example.ru", "anna@example.ru")
    assert anna["Контакт Telegram"] == "@belova"
    assert "PHONE" not in table.columns and "EMAIL" not in table.columns


def test_multi_field_edge_cases():
    frame = read_table(FIX / "b24_rest_multi.json").frame
    oleg = frame.loc[2]
    assert oleg["Рабочий телефон"] == "+7 (343) 015-15-15"  # no VALUE_TYPE → Bitrix24's default WORK
    assert oleg["Номер факса"] == "+7 (812) 016-16-16"  # lower-case type, value trimmed
    assert oleg["PHONE SIP"] == "sip:orlov@example.ru"  # an undocumented type is kept, not lost
    assert frame.loc[3, "Мобильный телефон"] == ""  # a record without PHONE
    every_caption = [c for by_type in MULTI_FIELD_CAPTIONS.values() for c in by_type.values()]
    assert set(every_caption) <= set(frame.columns)  # even the types nobody has (WEB)


def test_rest_dump_is_recognised_by_content():
    assert detect(FIX / "b24_rest_pages.json") == "json"
    assert looks_like_rest(json.loads((SAMPLES / "contacts_rest.json").read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    "data",
    [
        [{"name": "Anna"}],
        {"meta": {"status": 200}, "data": [{"id": "1", "contentType": "ContractorHuman"}]},
        [{"id": "1", "firstName": "Anna"}],
        [],
        "text",
    ],
)
def test_other_json_is_not_taken_for_bitrix24(data):
    assert not looks_like_rest(data)


def test_rest_records_shapes():
    assert rest_records({"result": [{"ID": "1"}]}) == [{"ID": "1"}]
    assert rest_records([{"result": [{"ID": "1"}]}, {"result": [{"ID": "2"}]}]) == [{"ID": "1"}, {"ID": "2"}]
    assert rest_records({"result": {"items": []}}) is None


def test_rest_error_response_is_explained():
    with pytest.raises(SourceError, match="REST error response, not data: The access token provided has expired"):
        read_table(FIX / "b24_rest_error.json")


def test_empty_rest_page_is_a_source_error():
    with pytest.raises(SourceError, match="holds no records"):
        read_table(FIX / "b24_rest_empty.json")


# --- built-in profiles ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_builtin_profiles_load_by_name(name):
    assert name in builtin_profiles()
    profile = load_profile(name)
    entity = name.split("-")[1]
    assert profile.entity == {"deals": "leads", "leads": "leads"}.get(entity, entity)
    assert profile.source == {"kind": "bitrix24"}
    owners = [s for s, c in profile.mapped().items() if c.owner]
    assert len(owners) == 1 and profile.columns[owners[0]].field.startswith("Ответственный за")


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_profile_targets_exist_in_the_default_schema(name):
    profile = load_profile(name)
    targets = load_schema().targets(profile.entity)
    assert [c.field for c in profile.mapped().values() if c.field not in targets] == []


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_every_dropped_column_says_why(name):
    # a `null` line carries a comment, or sits in a run of nulls right under a commented one
    lines = (ROOT / "migrate" / "profiles" / f"{name}.yaml").read_text(encoding="utf-8").splitlines()
    explained = False
    for line in lines:
        if line.strip().startswith("#"):
            explained = True
        elif line.rstrip().endswith(": null") and "#" not in line:
            assert explained, f"{name}: {line.strip()} is dropped without a reason"
        else:
            explained = "#" in line and line.split("#")[0].rstrip().endswith("null")


@pytest.mark.parametrize(("sample", "profile"), SAMPLE_PROFILES.items())
def test_profile_covers_every_sample_column(sample, profile):
    table = read_table(SAMPLES / sample)
    listed = load_profile(profile).columns
    assert [c for c in table.columns if c not in listed] == []  # nothing silently unmapped
    result = mapped(table, profile)
    assert not codes(result.issues) & {"unmapped_column", "missing_column", "unknown_field"}


@pytest.mark.parametrize(("fixture", "profile"), [("b24_rest_lead.json", "bitrix24-leads-rest"),
                                                  ("b24_rest_company.json", "bitrix24-companies-rest")])  # fmt: skip
def test_rest_profiles_without_samples_map_their_fixture(fixture, profile):
    result = mapped(FIX / fixture, profile)
    assert codes(result.issues) <= {"unchecked_owner", "optional_column_missing"}  # info: a column shown on request
    row = result.frame.loc[1]
    if profile == "bitrix24-leads-rest":
        assert row["Статус сделки"] == "Переговоры"
        assert row["Рабочий телефон (контакт)"] == "+74950171717"
        assert row["Примечание к сделке"] == "Перезвонить\nзавтра"
    else:
        assert row["Название (компания)"] == "ООО «Кедр»"
        assert (row["Web"], row["Адрес"]) == ("kedr.example.ru", "ул. Лесная, д. 5")


# --- stages ---------------------------------------------------------------------------------------------


def test_latin_c_stage_resolves_through_the_cyrillic_profile_key():
    values = load_profile("bitrix24-deals").columns["Стадия сделки"].values
    key = next(k for k in values if k.endswith("на предоплату"))
    assert key[0] == "\u0421"  # the profile's key starts with a CYRILLIC С ...
    table = read_table(SAMPLES / "deals.xls")
    assert table.frame.loc[3, "Стадия сделки"] == LATIN_C_STAGE  # ... the cell with a LATIN C
    result = mapped(table, "bitrix24-deals")
    assert result.frame.loc[3, "Статус сделки"] == "Принимают решение"
    assert "unknown_status" not in codes(result.issues, 3)


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        ("Новая", "Первичный контакт"),
        ("Подготовка документов", "Переговоры"),
        (LATIN_C_STAGE, "Принимают решение"),
        ("Счет на предоплату", "Принимают решение"),
        ("В работе", "Согласование договора"),
        ("Финальный счёт", "Согласование договора"),
        ("Сделка успешна", "Успешно реализовано"),
        ("Сделка провалена", "Закрыто и не реализовано"),
        ("Анализ причины провала", "Закрыто и не реализовано"),
    ],
)
def test_every_default_deal_stage_maps_to_the_default_pipeline(tmp_path, stage, expected):
    path = tmp_path / "deal.csv"
    path.write_text(f'"Название сделки";"Стадия сделки";"Направление";\n"Сделка";"{stage}";"Общая";\n', "utf-8-sig")
    result = mapped(path, "bitrix24-deals")
    assert result.frame.loc[2, "Статус сделки"] == expected
    assert result.frame.loc[2, "Воронка"] == "Воронка"
    assert not codes(result.issues) & {"unknown_status", "unknown_pipeline"}


def test_every_sample_stage_is_resolved_or_in_an_unknown_pipeline():
    for sample in ("deals.csv", "deals_rest.json"):
        result = mapped(SAMPLES / sample, SAMPLE_PROFILES[sample])
        assert "unknown_status" not in codes(result.issues)
        stuck = sorted(i.row for i in result.issues if i.code is IssueCode.UNKNOWN_PIPELINE)
        assert stuck == ([12, 27] if sample == "deals.csv" else [11, 12, 52])


def test_rest_stage_codes_of_another_pipeline_map_with_a_pulled_schema():
    profile = load_profile("bitrix24-deals-rest")
    profile.columns["CATEGORY_ID"].values["1"] = "Оптовые продажи"
    profile.columns["STAGE_ID"].values.update({"C1:NEW": "Новая заявка", "C1:PREPARATION": "Расчёт",
                                               "C1:WON": "Успешно реализовано"})  # fmt: skip
    result = mapped(SAMPLES / "deals_rest.json", profile, ROOT / "samples" / "account.json")
    rows = result.frame.loc[[11, 12, 52], ["Воронка", "Статус сделки"]]
    assert rows.values.tolist() == [["Оптовые продажи", "Новая заявка"], ["Оптовые продажи", "Расчёт"],
                                    ["Оптовые продажи", "Успешно реализовано"]]  # fmt: skip
    assert not codes(result.issues) & {"unknown_status", "unknown_pipeline"}


def test_lead_statuses_map_to_stages():
    result = mapped(SAMPLES / "leads.csv", "bitrix24-leads")
    table = read_table(SAMPLES / "leads.csv").frame
    pairs = set(zip(table["Статус"], result.frame["Статус сделки"], strict=True))
    assert pairs == {
        ("Не обработан", "Первичный контакт"), ("В работе", "Переговоры"), ("Обработан", "Принимают решение"),
        ("Качественный лид", "Успешно реализовано"), ("Некачественный лид", "Закрыто и не реализовано"),
    }  # fmt: skip


# --- phones, e-mails and owners ---------------------------------------------------------------------------


def test_phones_end_in_e164_in_the_column_of_their_type():
    result = mapped(SAMPLES / "contacts.csv", "bitrix24-contacts")
    enums = {h: t.enum for h, t in result.targets.items() if t.code in ("PHONE", "EMAIL")}
    assert enums == {
        "Рабочий телефон": "WORK", "Мобильный телефон": "MOB", "Факс": "FAX", "Домашний телефон": "HOME",
        "Другой телефон": "OTHER", "Рабочий email": "WORK", "Личный email": "PRIV", "Другой email": "OTHER",
    }  # fmt: skip
    frame = result.frame
    assert frame.loc[4, "Факс"] == "+74950127701"
    assert frame.loc[5, "Домашний телефон"] == "+73430112233"
    assert frame.loc[14, "Рабочий телефон"] == "+74950123456 доб. 21"
    phones = frame[["Рабочий телефон", "Мобильный телефон", "Факс", "Домашний телефон", "Другой телефон"]]
    bad = {8}  # the planted "12345" stays as typed (and rejects the row)
    for _, cells in phones.drop(index=list(bad)).iterrows():
        for cell in cells:
            assert all(p.startswith("+7") and p.replace(" доб. 21", "")[1:].isdigit() for p in cell.split(", ") if p)


def test_second_number_of_a_type_moves_to_the_other_column_with_a_warning():
    result = mapped(SAMPLES / "contacts.csv", "bitrix24-contacts")
    source = read_table(SAMPLES / "contacts.csv").frame
    first, second = source.loc[3, "Мобильный телефон"].split(", ")  # "89990842054, 8-977-054-40-93"
    assert result.frame.loc[3, "Мобильный телефон"] == "+7" + "".join(c for c in first if c.isdigit())[1:]
    assert result.frame.loc[3, "Другой телефон"] == "+7" + "".join(c for c in second if c.isdigit())[1:]
    assert "extra_values_moved" in codes(result.issues, 3)
    assert result.frame.loc[13, "Другой телефон"] == "+78120345678, +79260554433"  # joined after the row's own
    assert result.frame.loc[6, "Другой email"].startswith("office@")


def test_rest_multi_fields_reach_the_typed_columns():
    result = mapped(FIX / "b24_rest_multi.json", "bitrix24-contacts-rest")
    anna = result.frame.loc[1]
    assert (anna["Мобильный телефон"], anna["Другой телефон"]) == ("+79160111111", "+79030222222")
    assert (anna["Рабочий email"], anna["Личный email"], anna["Другой IM"]) == (
        "a.belova@kedr.example.ru", "anna@example.ru", "@belova",
    )  # fmt: skip
    assert "unmapped_column" in codes(result.issues)  # the undocumented "PHONE SIP" is shown, not dropped


def test_owners_pass_through_and_empty_owners_are_errors():
    result = migrate.validate(SAMPLES / "deals.csv", "bitrix24-deals")
    assert sorted(i.row for i in result.issues if i.code is IssueCode.EMPTY_OWNER) == [5, 25]
    unchecked = {i.value for i in result.issues if i.code is IssueCode.UNCHECKED_OWNER}
    assert unchecked == {"Анна Смирнова", "Игорь Петров", "Ольга Кузнецова", "Дмитрий Волков", "Сергей Козлов"}
    assert result.reconciliation() == "read 40 = exported 36 + rejected 4"


def test_owners_resolve_against_a_schema_with_users():
    result = mapped(SAMPLES / "deals.csv", "bitrix24-deals", ROOT / "samples" / "account.json")
    assert result.frame.loc[2, "Ответственный за сделку"] in {"Анна Смирнова", "Игорь Петров", "Ольга Кузнецова",
                                                               "Дмитрий Волков"}  # fmt: skip
    assert [i.row for i in result.issues if i.code is IssueCode.UNKNOWN_OWNER] == [13]  # the one who left


def test_comments_lose_their_markup_but_keep_line_breaks():
    frame = mapped(SAMPLES / "deals.xls", "bitrix24-deals").frame
    assert frame.loc[8, "Примечание к сделке"] == "Позвонить после обеда\nКП отправлено 12.03"
    assert frame.loc[9, "Примечание к сделке"] == "Просит скидку 5%\nСогласовать с директором"
    assert frame.loc[10, "Примечание к сделке"] == "Звонил 2 раза,\nне берёт трубку"
    assert frame.loc[18, "Примечание к сделке"] == "Важно: договор у юристов"


def test_cli_finds_the_builtin_profile_by_name(tmp_path):
    from click.testing import CliRunner

    from migrate.cli import cli

    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(cli, ["export", str(SAMPLES / "leads.csv"), "-p", "bitrix24-leads", "-o", str(out)])
    assert result.exit_code == 1, result.output  # the planted empty owner is an error
    assert "read 30 = exported 29 + rejected 1" in result.output
    assert out.exists()


# --- html transform -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Позвонить<br>КП", "Позвонить\nКП"),
        ("Оптовик<br />\nработает с НДС", "Оптовик\nработает с НДС"),  # nl2br: one break, not two
        ("a &lt;br&gt; b", "a\nb"),
        ("<p>Один</p><p>Два</p>", "Один\nДва"),
        ("[B]Срочно![/B] [URL=https://x.example.ru]ссылка[/URL]", "Срочно! ссылка"),
        ("[LIST][*]раз[*]два[/LIST]", "раз\nдва"),
        ("Иван <ivan@example.ru>", "Иван <ivan@example.ru>"),
        ("цена < 100 &amp; скидка", "цена < 100 & скидка"),
        ("a\r\n\r\n\r\n\r\nb", "a\n\nb"),
        ("  много \u00a0 пробелов  ", "много пробелов"),
        ("", ""),
    ],
)
def test_html_transform(raw, expected):
    out = transform_html(raw, TransformContext())
    assert (out.value, out.ok) == (expected, True)
    assert transform_html(out.value, TransformContext()).value == out.value  # a fixed point


def test_profile_schema_accepts_the_html_transform():
    data = yaml.safe_load((ROOT / "migrate" / "profiles" / "bitrix24-deals.yaml").read_text(encoding="utf-8"))
    assert data["columns"]["Комментарий"] == {"field": "Примечание к сделке", "transform": "html"}
