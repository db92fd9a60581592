"""Megaplan: the API v3 dump reader, the built-in profiles and the samples they are written for."""

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

import migrate
from migrate import IssueCode, SourceError
from migrate.sources.megaplan import (
    COMPANY_COLUMNS,
    DEAL_COLUMNS,
    PERSON_COLUMNS,
    api_records,
    looks_like_api,
    read_api,
)

ROOT = Path(__file__).resolve().parents[1]
FIX = Path(__file__).parent / "fixtures"
SAMPLES = ROOT / "samples" / "megaplan"
CUSTOM_PREFIX = "Category"
PROFILES = {
    "persons": "megaplan-clients-persons",
    "companies": "megaplan-clients-companies",
    "deals": "megaplan-deals",
}


def load(name: str):
    return json.loads((FIX / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def quirks():
    return read_api(load("mp_quirks.json"), FIX / "mp_quirks.json")


@pytest.fixture(scope="module")
def deals():
    return read_api(load("mp_deals_bare.json"), FIX / "mp_deals_bare.json")


def row(table, n):
    return table.frame.loc[n]


# --- recognising and unwrapping a dump ------------------------------------------------------------


def test_recognises_pages_lists_of_pages_and_bare_records():
    page = {"meta": {"status": 200}, "data": []}
    assert looks_like_api(page)
    assert looks_like_api([page, page])
    assert looks_like_api(load("mp_deals_bare.json"))
    assert looks_like_api(load("mp_quirks.json"))


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"data": []},  # no meta
        {"result": [{"ID": "1", "TITLE": "Сделка"}], "total": 1},  # Bitrix24 REST
        [{"ID": "1", "TITLE": "Сделка"}],
        [{"contentType": "Project", "id": "1"}],  # tasks and comments are read since the whole-base issue
        "text",
    ],
)
def test_other_json_is_not_megaplan(data):
    assert not looks_like_api(data)


def test_records_come_in_page_order_and_a_single_object_page_is_one_record():
    records = api_records(load("mp_quirks.json"))
    assert [r["id"] for r in records] == ["11", "12", "21"]


def test_row_numbers_are_record_numbers_across_pages(quirks):
    assert list(quirks.frame.index) == [1, 2, 3]
    assert quirks.header_row == 0
    assert (quirks.kind, quirks.system) == ("megaplan-api", "megaplan")


def test_unknown_records_and_deals_mixed_with_clients_are_refused(tmp_path):
    with pytest.raises(SourceError, match="Project"):
        read_api({"meta": {}, "data": [{"contentType": "Project", "id": "1"}]}, tmp_path / "x.json")
    mixed = {"meta": {}, "data": load("mp_deals_bare.json") + api_records(load("mp_quirks.json"))}
    with pytest.raises(SourceError, match="separate files"):
        read_api(mixed, tmp_path / "x.json")
    with pytest.raises(SourceError, match="no records"):
        read_api({"meta": {}, "data": []}, tmp_path / "x.json")


def test_a_saved_error_answer_is_named_as_one(tmp_path):
    answer = {"meta": {"status": 401, "errors": [{"fields": None, "message": "Unauthorized"}]}, "data": None}
    assert looks_like_api(answer)
    with pytest.raises(SourceError, match=r"error answer \(status 401\): Unauthorized"):
        read_api(answer, tmp_path / "x.json")


# --- persons and companies -----------------------------------------------------------------------


def test_persons_and_companies_are_told_apart_in_one_table(quirks):
    assert list(quirks.frame["Вид"]) == ["Человек", "Человек", "Компания"]
    assert quirks.entity_hint is None  # mixed: a profile's required name column decides
    assert set(PERSON_COLUMNS) | set(COMPANY_COLUMNS) <= set(quirks.columns)


def test_single_kind_dumps_have_their_entity_hint(tmp_path):
    person = api_records(load("mp_quirks.json"))[0]
    company = api_records(load("mp_quirks.json"))[2]
    assert read_api([person], tmp_path / "p.json").entity_hint == "contact"
    assert read_api({"meta": {}, "data": company}, tmp_path / "c.json").entity_hint == "company"


def test_person_names_position_company_and_classifiers(quirks):
    r = row(quirks, 1)
    assert (r["ФИО"], r["Фамилия"], r["Имя"], r["Отчество"]) == ("Орлова Ирина Павловна", "Орлова", "Ирина", "Павловна")
    assert (r["Пол"], r["Должность"], r["Компания"]) == ("женский", "Главный бухгалтер", "ООО «Пример»")
    assert r["Тип клиента"] == "Партнёр"  # a type without its name is named from its code
    assert r["Статус"] == "Постоянный"
    assert row(quirks, 2)["ФИО"] == "Петров (склад)"  # only `name`
    assert row(quirks, 3)["Название"] == "ООО «Пример»" and row(quirks, 3)["ФИО"] == ""


def test_responsibles_first_is_the_owner_the_rest_are_joined(quirks):
    r = row(quirks, 1)
    assert r["Ответственный"] == "Смирнова Анна"  # no `name`: last + first name
    assert r["Другие ответственные"] == "Отдел продаж, Сотрудник #1000042"
    assert (row(quirks, 2)["Ответственный"], row(quirks, 2)["Другие ответственные"]) == ("", "")


def test_phones_by_comment_main_first_extension_kept(quirks):
    r = row(quirks, 1)
    assert r["Телефон"] == "+7 (495) 011-22-33 доб. 105, +7 (495) 011-22-77"  # "внимание" is no extension
    assert r["Телефон (мобильный)"] == "+7 903 011-22-44, 8 916 011-22-33"  # isMain first
    assert r["Факс"] == "+7 (495) 011-22-55"
    assert r["Телефон (домашний)"] == "8 (495) 011-22-66"


def test_emails_messengers_site_and_addresses(quirks):
    r = row(quirks, 1)
    assert (r["E-mail"], r["E-mail (личный)"]) == ("i.orlova@primer.example.ru", "irina@mail.example.com")
    assert (r["Skype"], r["Telegram"], r["WhatsApp"], r["MAX"]) == ("i.orlova", "@iorlova", "+79030112244", "iorlova")
    assert r["Сайт"] == "https://primer.example.ru/team/orlova"
    assert r["Адрес"] == "г. Тверь, ул. Советская, д. 1; Москва, ул. Тверская, 7"
    assert r["Контакт (fax2000)"] == "000"  # an unknown type gets its own column, nothing is lost


def test_dates_tags_descriptions_and_flags(quirks):
    r = row(quirks, 1)
    assert r["Дата создания"] == "2021-06-01T00:31:00+00:00"
    assert r["Дата рождения"] == "1980-07-15"
    assert row(quirks, 2)["Дата рождения"] == "29.02"  # DateOnly without a year
    assert r["Метки"] == "бухгалтерия, VIP"
    assert r["Описание"] == "Текст без разметки"  # textDescription wins
    assert row(quirks, 2)["Описание"] == "Строка 1\nСтрока 2\n\nСтрока <3>"
    assert (r["Создатель"], r["Номер"], r["Удалён"]) == ("Смирнова Анна", "15", "")
    assert row(quirks, 3)["Удалён"] == "Да"
    assert row(quirks, 3)["Контактные лица"] == "Орлова Ирина Павловна"
    assert row(quirks, 3)["Перспективность"] == "0.75"


def test_custom_fields_keep_their_key_and_read_as_text(quirks):
    r = row(quirks, 1)
    assert r["Category130CustomFieldPrioritet"] == "Высокий"
    assert r["Category130CustomFieldVip"] == "Да"
    assert r["Category130CustomFieldLimit"] == "15000000 RUB"  # no exponent
    assert r["Category130CustomFieldSpisok"] == "один, два"
    assert row(quirks, 3)["Category131CustomFieldDataDogovora"] == "2024-06-01"


# --- deals ---------------------------------------------------------------------------------------


def test_deal_columns_money_and_state(deals):
    assert deals.entity_hint == "deal"
    assert list(deals.columns) == list(DEAL_COLUMNS)
    r = row(deals, 1)
    assert (r["Сумма"], r["Валюта"], r["Предварительная стоимость"]) == ("150000", "USD", "99999.99")
    assert (r["Схема сделки"], r["Статус"], r["Результат"]) == ("Продажи", "Отказ", "Отрицательный")
    assert (r["Менеджер"], r["Аудиторы"]) == ("Смирнова Анна", "Петров Игорь, Волков Дмитрий")
    assert (r["Клиент"], r["Контактное лицо"]) == ("ООО «Пример»", "Орлова Ирина Павловна")
    assert (r["Телефон клиента"], r["E-mail клиента"]) == ("+7 (495) 011-00-00 доб. 7", "info@primer.example.ru")
    assert r["Суть"] == "Суть: «насосы»"
    assert (r["Форма оплаты"], r["Номер"], r["Метки"]) == ("Безналичный расчёт", "СД-501", "опт")
    assert r["Дата создания"] == "2024-05-02T09:15:00+03:00"


def test_a_person_client_without_contact_person_becomes_the_contact(deals):
    r = row(deals, 2)
    assert (r["Клиент"], r["Контактное лицо"]) == ("", "Петров (склад)")
    assert r["Менеджер"] == "Сотрудник #1000215"  # linked by id only
    assert (r["Сумма"], r["Валюта"]) == ("", "RUB")  # no price; the deal's Currency object


# --- through read_source ---------------------------------------------------------------------------


def test_read_source_finds_a_dump_by_content_whatever_its_name(tmp_path):
    renamed = tmp_path / "выгрузка мегаплан.txt"
    shutil.copy(FIX / "mp_deals_bare.json", renamed)
    table = migrate.read_source(renamed)
    assert (table.kind, table.system, table.entity_hint, table.rows) == ("megaplan-api", "megaplan", "deal", 2)


@pytest.mark.parametrize(("name", "rows", "hint"), [("clients_api.json", 50, None), ("deals_api.json", 40, "deal")])
def test_read_source_reads_the_sample_dumps(name, rows, hint):
    table = migrate.read_source(SAMPLES / name)
    assert (table.kind, table.rows, table.entity_hint) == ("megaplan-api", rows, hint)


# --- profiles and samples --------------------------------------------------------------------------

CASES = [
    # sample, profile, rejected rows, phone columns that must hold +7 numbers
    ("clients_api.json", "persons", [2, 5, 6, 26, *range(31, 51)], ["Рабочий телефон", "Мобильный телефон"]),
    ("clients_api.json", "companies", [*range(1, 31), 32, 37], ["Рабочий телефон"]),
    ("deals_api.json", "deals", [3, 5, 6, 8, 26], ["Рабочий телефон (контакт)"]),
    ("clients_persons.xlsx", "persons", [3, 6, 7, 27], ["Рабочий телефон", "Мобильный телефон"]),
    ("clients_companies.csv", "companies", [3, 8], ["Рабочий телефон"]),
    ("deals.xlsx", "deals", [4, 6, 7, 9, 27], ["Рабочий телефон (контакт)"]),
]


@pytest.mark.parametrize(("sample", "kind", "rejected", "phones"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_each_sample_through_its_profile(sample, kind, rejected, phones):
    source = migrate.read_source(SAMPLES / sample)
    report = migrate.validate(source, PROFILES[kind])
    assert report.read == report.exported + report.rejected
    assert report.rejected_rows == rejected
    codes = report.by_code()
    assert "missing_column" not in codes and "unknown_field" not in codes
    unmapped = {i.column for i in report.issues if i.code is IssueCode.UNMAPPED_COLUMN}
    other_kind = {"persons": set(COMPANY_COLUMNS), "companies": set(PERSON_COLUMNS)}.get(kind, set())
    # only account-specific custom fields, and in a mixed dump the other kind's own columns
    assert all(c.startswith(CUSTOM_PREFIX) or c in other_kind for c in unmapped), unmapped
    mapped = migrate.apply_profile(source, PROFILES[kind])
    kept = mapped.frame.drop(index=report.rejected_rows)
    for column in phones + ["Другой телефон", "Другой телефон (контакт)"]:
        if column in kept.columns:
            values = [v for v in kept[column] if v]
            assert values and all(v.startswith("+7") and v[1:].split(" ")[0].isdigit() for v in values), column


def test_mixed_dump_rows_of_the_other_kind_are_rejected_for_their_name():
    source = migrate.read_source(SAMPLES / "clients_api.json")
    persons = migrate.validate(source, PROFILES["persons"])
    companies = migrate.validate(source, PROFILES["companies"])
    kind = source.frame["Вид"]
    no_fio = {i.row for i in persons.issues if i.code is IssueCode.REQUIRED_EMPTY}
    no_title = {i.row for i in companies.issues if i.code is IssueCode.REQUIRED_EMPTY}
    assert no_fio == set(kind.index[kind == "Компания"])
    assert no_title == set(kind.index[kind == "Человек"])
    assert persons.exported + companies.exported == 26 + 18


def test_person_phones_land_in_their_typed_columns():
    mapped = migrate.apply_profile(SAMPLES / "clients_api.json", PROFILES["persons"])
    first = mapped.frame.loc[1]
    assert first["Рабочий телефон"] == "+74950123456 доб. 214"
    assert first["Мобильный телефон"] == "+79160121122"
    assert first["Другой телефон"] == "+79030123344"  # the second mobile
    assert first["Личный email"] == "anna.home@mail.example.com"
    assert mapped.frame.loc[9, "Факс"] == "+78430127788"
    assert mapped.frame.loc[12, "Домашний телефон"] == "+78430129090"


def test_deal_states_map_to_the_default_pipeline():
    mapped = migrate.apply_profile(SAMPLES / "deals_api.json", PROFILES["deals"])
    stages = set(mapped.frame["Статус сделки"]) - {"На паузе"}
    assert stages <= {"Первичный контакт", "Переговоры", "Принимают решение", "Согласование договора",
                      "Успешно реализовано", "Закрыто и не реализовано"}  # fmt: skip
    assert mapped.frame.loc[12, "Статус сделки"] == "Переговоры"  # "в работе", lower case
    assert mapped.frame.loc[1, "Бюджет сделки"] == "125001"


@pytest.mark.parametrize("kind", list(PROFILES))
def test_profiles_account_for_every_column_the_reader_makes(kind):
    profile = migrate.load_profile(PROFILES[kind])
    columns = {"persons": PERSON_COLUMNS, "companies": COMPANY_COLUMNS, "deals": DEAL_COLUMNS}[kind]
    assert set(columns) - set(profile.columns) == set()
    targets = migrate.load_schema().targets(profile.entity)
    assert all(spec.field in targets for spec in profile.mapped().values())


def test_committed_dumps_are_what_the_generator_writes(monkeypatch):
    spec = importlib.util.spec_from_file_location("make_megaplan", SAMPLES / "make_megaplan.py")
    gen = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "make_megaplan", gen)  # its dataclasses look their module up
    spec.loader.exec_module(gen)
    people, companies, deals = gen.build()
    assert json.loads((SAMPLES / "clients_api.json").read_text(encoding="utf-8")) == gen.clients_dump(people, companies)
    dumped = json.loads((SAMPLES / "deals_api.json").read_text(encoding="utf-8"))
    assert dumped == gen.deals_dump(deals, people, companies)
