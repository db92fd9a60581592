"""Duplicates inside one file: the keys, the folding, the fuzzy cutoff, the policies and their reconciliation."""

import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import migrate
from migrate.core.issues import ProfileError
from migrate.core.mapping import REJECT_REASONS, REJECT_ROW, apply_profile
from migrate.core.profile import Profile, load_profile, profile_from_dict
from migrate.core.schema import load_schema
from migrate.core.table import SourceTable
from migrate.core.validate import validate_table
from migrate.quality.duplicates import find_duplicates, valid_inn
from migrate.quality.duplicates_policy import merge_records, merge_spec
from migrate.quality.fuzzy import company_key, near_duplicate_names

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
SCHEMA = load_schema()
ACCOUNT = load_schema(ROOT / "samples" / "account.json")

CONTACT_COLUMNS = {
    "ФИО": "Полное имя",
    "Тел": "Рабочий телефон",
    "Моб": "Мобильный телефон",
    "Почта": "Рабочий email",
    "Прим": "Примечание к контакту",
    "Теги": "Тег контакта",
}
COMPANY_COLUMNS = {"Название": "Название (компания)", "ИНН": "ИНН", "Тел": "Рабочий телефон"}


def _table(rows: list[dict[str, str]]) -> SourceTable:
    headers = list(dict.fromkeys(h for r in rows for h in r)) or ["ФИО"]
    frame = pd.DataFrame([[r.get(h, "") for h in headers] for r in rows], columns=headers, dtype=object)
    frame.index = pd.RangeIndex(2, len(rows) + 2)
    return SourceTable(frame=frame, path=Path("base.csv"), kind="csv")


def _profile(entity: str, columns: dict[str, str], duplicates: object = None) -> Profile:
    data = {"version": 1, "entity": entity, "columns": columns, "owners": {"default": "Анна Смирнова"}}
    if duplicates is not None:
        data["duplicates"] = duplicates
    return profile_from_dict(data)


def _contacts(rows, duplicates=None, columns=CONTACT_COLUMNS):
    table = _table(rows)
    used = {s: t for s, t in columns.items() if s in table.frame.columns}
    return validate_table(table, _profile("contacts", used, duplicates), SCHEMA)


def _companies(rows, duplicates=None):
    table = _table(rows)
    used = {s: t for s, t in COMPANY_COLUMNS.items() if s in table.frame.columns}
    return validate_table(table, _profile("companies", used, duplicates), ACCOUNT)


def _clusters(report) -> set[tuple[str, tuple[int, ...]]]:
    return {(c.entity, tuple(c.rows)) for c in report.duplicates}


# --- keys ----------------------------------------------------------------------------------------------------


def test_one_phone_in_different_formats_and_columns_is_one_cluster():
    _, report = _contacts([
        {"ФИО": "Иван", "Тел": "8 (916) 123-45-67"},
        {"ФИО": "Пётр", "Тел": "+7 903 000 11 22"},
        {"ФИО": "Иван П.", "Тел": "", "Моб": "+7 916 123 45 67"},
        {"ФИО": "И. Петров", "Тел": "+7 495 765-43-21, 79161234567"},  # the second number goes to "Другой телефон"
    ])  # fmt: skip
    assert _clusters(report) == {("contacts", (2, 4, 5))}
    cluster = report.duplicates[0]
    assert [(m.key_kind, m.key, m.header) for m in cluster.members] == [
        ("phone", "+79161234567", "Рабочий телефон"),
        ("phone", "+79161234567", "Мобильный телефон"),
        ("phone", "+79161234567", "Другой телефон"),
    ]
    frame = report.duplicates_frame()
    assert list(frame.columns) == ["cluster", "entity", "key_kind", "key", "row", "score"]
    assert frame["row"].tolist() == [2, 4, 5] and set(frame["score"]) == {100.0}


def test_email_matches_whatever_its_case_and_chains_join_clusters():
    _, report = _contacts([
        {"ФИО": "А", "Тел": "+7 916 100-00-01", "Почта": ""},
        {"ФИО": "Б", "Тел": "+7 916 100-00-01", "Почта": "Olga.S@Yandex.RU"},
        {"ФИО": "В", "Тел": "", "Почта": "olga.s@yandex.ru"},
        {"ФИО": "Г", "Тел": "", "Почта": "other@yandex.ru"},
    ])  # fmt: skip
    assert _clusters(report) == {("contacts", (2, 3, 4))}
    third = report.duplicates[0].members[2]
    assert (third.key_kind, third.key, third.via) == ("email", "olga.s@yandex.ru", 3)
    issue = next(i for i in report.issues if i.row == 4)
    assert issue.code == "duplicate_row" and issue.suggestion == "row 2"
    assert "e-mail 'olga.s@yandex.ru', through row 3" in issue.message and issue.value == "olga.s@yandex.ru"


def test_phone_extensions_are_different_people():
    _, report = _contacts([{"Тел": "+7 495 123-45-67 доб. 101"}, {"Тел": "+7 495 123-45-67 доб. 102"}])
    assert report.duplicates == []


def test_companies_by_inn_and_by_folded_name():
    _, report = _companies([
        {"Название": "ПАО «Уралхиммаш»", "ИНН": "7707083893"},
        {"Название": "ООО «Ромашка»", "ИНН": ""},
        {"Название": "Уральский химмаш", "ИНН": "7707 083 893 / 770701001"},  # INN/KPP in one cell
        {"Название": 'Ромашка ООО', "ИНН": ""},
        {"Название": "Общество с ограниченной ответственностью „Ромашка“", "ИНН": ""},
    ])  # fmt: skip
    assert _clusters(report) == {("companies", (2, 4)), ("companies", (3, 5, 6))}
    kinds = {c.rows[0]: {m.key_kind for m in c.members} for c in report.duplicates}
    assert kinds == {2: {"inn"}, 3: {"name"}}
    assert report.duplicates[1].members[0].key == "ромашка"


def test_placeholder_and_bad_check_digit_inns_join_nothing():
    assert valid_inn("7707083893") and valid_inn("500100732259")
    assert not valid_inn("0000000000") and not valid_inn("1234567890") and not valid_inn("770708389")
    rows = [{"Название": f"Фирма {n}", "ИНН": inn} for n, inn in enumerate(["0000000000", "0000000000", "1234567890",
                                                                          "1234567890"])]  # fmt: skip
    assert _companies(rows)[1].duplicates == []


def test_same_name_with_different_inns_are_namesakes_not_duplicates():
    _, report = _companies([
        {"Название": "ООО «Альфа»", "ИНН": "7707083893"},
        {"Название": "АО Альфа", "ИНН": "7728168971"},
        {"Название": "Альфа", "ИНН": ""},  # no INN: may be either, joined to the first
        {"Название": "ООО Бета", "ИНН": "1234567890"},
        {"Название": "Бета", "ИНН": "1234567891"},  # bad check digits, but two different INNs all the same
    ])  # fmt: skip
    assert _clusters(report) == {("companies", (2, 4))}


# --- folding and the fuzzy cutoff --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "ООО «Ромашка»", "Ромашка ООО", '"Ромашка"', "„Ромашка“", "'Ромашка'", "ООО \"РОМАШКА\"", "АО Ромашка",
        "Общество с ограниченной ответственностью «Ромашка»", "Закрытое акционерное общество Ромашка",
        "ИП Ромашка", "Ромашка, LLC", "Romashka Ltd.".replace("Romashka", "Ромашка"), "OOO Ромашка",
        "  ромашка  ", "ПАО “Ромашка”",
    ],
)  # fmt: skip
def test_legal_forms_quotes_and_case_fold_to_one_key(name):
    assert company_key(name) == "ромашка"


def test_folding_keeps_what_makes_a_name():
    assert company_key("Ёлка-Палка") == "елка палка"
    assert company_key("ООО") == "ооо"  # a name that is only a legal form is not emptied
    assert company_key("Аомори") == "аомори"  # "АО" inside a word is not a legal form


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Стройресурс", "Строй-Ресурс"),
        ("Грандмаркет", "Гранд Маркет"),
        ("Стройресурс", "Стройрессурс"),
        ("ООО Энерготехмонтаж", "Энерготехмантаж"),
        ("Промтехснабжение", "Пормтехснабжение"),  # the typo is in the first letters: found by the suffix block
        ("Сибтрансавтосервис", "Сибтрнсавтосервис"),
        ("Стройтехмонтажсервис", "Стройтехмонатжсервис"),  # two neighbours swapped: one typo
    ],
)
def test_spelling_variants_are_near_duplicates(a, b):
    pairs = near_duplicate_names([company_key(a), company_key(b)])
    assert [(i, j) for i, j, _ in pairs] == [(0, 1)]
    assert 88 <= pairs[0][2] < 100


#: distinct firms a customer base really holds side by side, many sharing words, roots or all but a letter
DISTINCT = [
    "Стройресурс", "Стройсервис", "Стройинвест", "Стройинвестор", "Стройторг", "Стройтехника",
    "Стройтехнология", "Альфа-Трейд", "Альфа-Транс", "Альфа", "Альфа Групп", "Вектор", "Вектор-М",
    "Вектор Плюс", "Сигма-1", "Сигма-2", "Гарант", "Гранит", "Партнер", "Партнеры", "Техносила", "Техносфера",
    "Мегаполис", "Метрополис", "Энергосбыт", "Энергоснаб", "Трансавто", "Трансавиа", "Агропром", "Агроком",
    "Промстрой", "Промстройка", "Строймаш", "Строймаркет", "Техноторг", "Технотрейд", "Стройресурс-М",
    "Сибирьтелеком", "Сибирьтехком", "Уралсталь", "Уралсталь-2", "Электрон", "Электра", "Союзснаб",
    "Союзсбыт", "Росинвест", "Росинвест-Север", "Меридиан", "Меридиан-Н", "Инвестстрой", "Инвестстрой М",
    "Стройресурс Казань", "Стройресурс Рязань", "Стройресурс НН", "Стройресурс НК", "Техстрой 2000",
    "Техстрой 3000",
]  # fmt: skip


def test_no_false_cluster_among_distinct_companies():
    keys = [company_key(n) for n in DISTINCT]
    assert len(set(keys)) == len(keys)
    assert near_duplicate_names(keys) == []
    _, report = _companies([{"Название": n} for n in DISTINCT])
    assert report.duplicates == []


# --- the dirty base nobody on the team wrote ------------------------------------------------------------------


def test_every_planted_cluster_is_found_and_no_other():
    key = json.loads((FIXTURES / "dup_base.json").read_text(encoding="utf-8"))
    report = migrate.validate(FIXTURES / "dup_base.csv", FIXTURES / "dup_base.yaml", ROOT / "samples" / "account.json")
    assert report.read == key["rows"] >= 300
    planted = {(c["entity"], tuple(c["rows"])) for c in key["clusters"]}
    assert _clusters(report) == planted
    kinds = {(c.entity, tuple(c.rows)): {m.key_kind for m in c.members[1:]} for c in report.duplicates}
    for c in key["clusters"]:
        assert c["kind"] in kinds[(c["entity"], tuple(c["rows"]))], c["what"]
    # a contacts file: a contact cluster is a duplicate; a company in several rows is expected repetition,
    # warned about where it is spelled differently — every planted company cluster is
    by_code = report.by_code()
    assert by_code["duplicate_row"] == sum(len(c["rows"]) - 1 for c in key["clusters"] if c["entity"] == "contacts")
    assert by_code["repeated_in_rows"] == sum(len(c["rows"]) - 1 for c in key["clusters"] if c["entity"] == "companies")


# --- policies --------------------------------------------------------------------------------------------------

DUPES = [
    {"ФИО": "Иван Петров", "Тел": "8 (916) 123-45-67", "Почта": "ivan@mail.ru", "Прим": "первый", "Теги": "vip"},
    {"ФИО": "Анна", "Тел": "+7 903 000 11 22", "Почта": "anna@mail.ru"},
    {"ФИО": "Петров Иван", "Тел": "+7 916 123 45 67", "Моб": "+7 925 555-66-77", "Почта": "IVAN@mail.ru",
     "Прим": "второй", "Теги": "опт, vip"},
    {"ФИО": "Плохой", "Тел": "не звонить", "Почта": "anna@mail.ru"},
    {"ФИО": "И. П.", "Тел": "+7 495 111-22-33, +7 916 123-45-67", "Почта": "petrov@work.ru", "Прим": "третий"},
]  # fmt: skip


def test_report_policy_warns_and_changes_nothing():
    mapped, report = _contacts(DUPES)
    assert report.reconciliation() == "read 5 = exported 4 + rejected 1"
    assert report.rejected_rows == [5]  # the bad phone, not the duplicate
    dup = report.to_frame(code="duplicate_row")
    assert dup["row"].tolist() == [4, 5, 6] and dup["severity"].eq("warning").all()
    assert dup["suggestion"].tolist() == ["row 2", "row 3", "row 2"]
    assert len(mapped.frame) == 5


def test_keep_first_rejects_later_members_with_the_reason(tmp_path):
    table = _table(DUPES)
    profile = _profile("contacts", CONTACT_COLUMNS, {"contacts": "keep-first"})
    report = migrate.export(table, profile, tmp_path / "out.xlsx", SCHEMA)
    assert report.read == report.exported + report.rejected
    assert report.reconciliation() == "read 5 = exported 2 + rejected 3"
    assert report.rejected_rows == [4, 5, 6]
    errors = report.to_frame(code="duplicate_rejected")
    assert errors["row"].tolist() == [4, 6] and errors["severity"].eq("error").all()
    assert all("Duplicate of row 2" in m for m in errors["message"])
    # row 5 is rejected for its bad phone already: it is not "kept", it is told it duplicates row 3
    assert report.to_frame(code="duplicate_row")["row"].tolist() == [5]
    ws = openpyxl.load_workbook(report.outputs["rejects"][0], read_only=True).active
    head, *body = list(ws.iter_rows(values_only=True))
    reasons = {r[head.index(REJECT_ROW)]: r[head.index(REJECT_REASONS)] for r in body}
    assert sorted(reasons) == [4, 5, 6] and "Duplicate of row 2" in reasons[4]


def test_merge_keeps_every_phone_email_note_and_tag_in_the_first_row(tmp_path):
    table = _table(DUPES)
    profile = _profile("contacts", CONTACT_COLUMNS, "merge")
    report = migrate.export(table, profile, tmp_path / "out.xlsx", SCHEMA)
    assert report.reconciliation() == "read 5 = exported 2 + merged 2 + rejected 1"
    assert report.merged_rows == [4, 6] and report.counts()["merged"] == 2
    assert report.read == report.exported + report.merged + report.rejected
    ws = openpyxl.load_workbook(report.outputs["import"][0], read_only=True).active
    head, *body = [["" if v is None else v for v in r] for r in ws.iter_rows(values_only=True)]
    assert len(body) == report.exported
    first = dict(zip(head, body[0], strict=True))
    assert first["Полное имя"] == "Иван Петров"
    assert first["Рабочий телефон"] == "+79161234567"
    assert first["Мобильный телефон"] == "+79255556677"
    assert first["Другой телефон"] == "+74951112233"  # not mapped by the profile: added for the merge
    assert first["Рабочий email"] == "ivan@mail.ru" and first["Другой email"] == "petrov@work.ru"
    assert first["Примечание к контакту"] == "первый\nвторой\nтретий"
    assert first["Тег контакта"] == "vip, опт"
    merged = report.to_frame(code="duplicate_merged")
    assert merged["row"].tolist() == [4, 6] and merged["severity"].eq("warning").all()
    assert "'Полное имя' could not be kept" in merged["message"].iloc[0]


def test_merge_fills_empty_cells_and_names_what_it_could_not_keep():
    spec = merge_spec(["Полное имя", "Должность", "Рабочий телефон"], SCHEMA.targets("contacts"), "contacts")
    merged, dropped = merge_records(
        [{"Полное имя": "Иван", "Должность": "", "Рабочий телефон": "+79161234567"},
         {"Полное имя": "Ваня", "Должность": "Директор", "Рабочий телефон": "+79031112233"}],
        spec,
    )  # fmt: skip
    assert merged == {"Полное имя": "Иван", "Должность": "Директор", "Рабочий телефон": "+79161234567",
                      "Другой телефон": "+79031112233"}  # fmt: skip
    assert dropped == [["Полное имя"]]


PHONES = ["+7 916 111-11-11", "89161111111", "+7 903 222 33 44", "8 (925) 555-66-77", "+79032223344, +79264440001"]
EMAILS = ["a@x.ru", "A@X.RU", "b@y.ru", "c@z.ru", "B@y.ru"]
NOTES = ["позвонить", "счёт 12", "VIP клиент"]
ROW = st.fixed_dictionaries({
    "ФИО": st.sampled_from(["Иван", "Анна", ""]),
    "Тел": st.sampled_from(PHONES + [""]),
    "Моб": st.sampled_from(PHONES[:4] + [""]),
    "Почта": st.sampled_from(EMAILS + [""]),
    "Прим": st.sampled_from(NOTES + [""]),
})  # fmt: skip


def _values(frame: pd.DataFrame, code: str, fold: bool = False) -> set[str]:
    headers = [h for h in frame.columns if SCHEMA.targets("contacts")[h].code == code]
    values = {v.strip() for h in headers for cell in frame[h] for v in cell.split(",") if v.strip()}
    return {v.casefold() for v in values} if fold else values


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ROW, min_size=1, max_size=8))
def test_merge_never_loses_a_phone_email_or_note(rows):
    """The set of phones, e-mails (case-folded) and notes across the output equals the input's. Not the
    multiset: the key two rows share is written once — that is what merging is."""
    table = _table(rows)
    before, _ = validate_table(table, _profile("contacts", CONTACT_COLUMNS), SCHEMA)
    after, report = validate_table(table, _profile("contacts", CONTACT_COLUMNS, "merge"), SCHEMA)
    assert report.read == report.exported + report.merged + report.rejected
    assert set(after.frame.index) == set(before.frame.index) - set(report.merged_rows)
    assert _values(after.frame, "PHONE") == _values(before.frame, "PHONE")
    assert _values(after.frame, "EMAIL", fold=True) == _values(before.frame, "EMAIL", fold=True)
    home = {i.row: int(i.suggestion.split()[1]) for i in report.issues if i.code == "duplicate_merged"}
    assert sorted(home) == report.merged_rows
    notes_out = after.frame["Примечание к контакту"]
    for row, note in before.frame["Примечание к контакту"].items():
        assert not note or note in notes_out[home.get(row, row)].split("\n")
    lines = {line for cell in notes_out for line in cell.split("\n") if line}
    assert lines == {n for n in before.frame["Примечание к контакту"] if n}


# --- linked entities and the profile key -------------------------------------------------------------------------


def test_one_contact_in_several_deals_is_reported_not_an_error():
    rows = [
        {"Сделка": "Поставка", "Контакт": "Иван", "Тел": "8 916 123-45-67", "Компания": "ООО Ромашка"},
        {"Сделка": "Монтаж", "Контакт": "Иван", "Тел": "+79161234567", "Компания": "Ромашка"},
        {"Сделка": "Сервис", "Контакт": "Анна", "Тел": "+79031112233", "Компания": "Лютик"},
    ]
    columns = {"Сделка": "Название сделки", "Контакт": "Полное имя (контакт)", "Тел": "Рабочий телефон (контакт)",
               "Компания": "Название (компания)"}  # fmt: skip
    _, report = validate_table(_table(rows), _profile("leads", columns), SCHEMA)
    assert _clusters(report) == {("contacts", (2, 3)), ("companies", (2, 3))}
    assert all(c.linked for c in report.duplicates)
    # the contact is written the same way in both deals: listed in the clusters, no warning; the company is
    # spelled two ways, which is what would make two companies: one warning
    [warning] = report.to_frame(code="repeated_in_rows").itertuples()
    assert (warning.row, warning.field, warning.suggestion) == (3, "Название (компания)", "row 2")
    assert "'Ромашка' here, 'ООО Ромашка' there" in warning.message
    assert report.errors == 0 and report.exported == 3


def test_profile_duplicates_key_round_trips_and_is_checked(tmp_path):
    profile = _profile("contacts", CONTACT_COLUMNS, {"contacts": "merge", "companies": "report"})
    assert profile.duplicate_policies() == {"contacts": "merge", "companies": "report"}
    again = load_profile(profile.save(tmp_path / "p.yaml"))
    assert again.duplicates == profile.duplicates and again.duplicate_policies() == profile.duplicate_policies()
    assert _profile("companies", COMPANY_COLUMNS, "keep-first").duplicate_policies()["companies"] == "keep-first"
    assert _profile("leads", {"a": "Название сделки"}).duplicate_policies() == {"contacts": "report",
                                                                                "companies": "report"}  # fmt: skip
    with pytest.raises(ProfileError, match="duplicates"):
        _profile("contacts", CONTACT_COLUMNS, "drop-them")
    with pytest.raises(ProfileError, match="duplicates/companies: 'merge' acts on rows"):
        _profile("contacts", CONTACT_COLUMNS, {"companies": "merge"})
    with pytest.raises(ProfileError, match="duplicates: 'keep-first' acts on rows"):
        _profile("leads", {"a": "Название сделки"}, "keep-first")


def test_report_json_carries_clusters_and_counts():
    _, report = _contacts(DUPES, "merge")
    data = json.loads(report.to_json())
    assert data["counts"]["merged"] == 2 and data["counts"]["duplicate_clusters"] == 2
    assert data["duplicates"][0] == {"cluster": 1, "entity": "contacts", "key_kind": "phone",
                                     "key": "+79161234567", "row": 2, "score": 100.0}  # fmt: skip


def test_find_duplicates_on_the_mapped_table_directly():
    table = _table([{"Название": "Грандмаркет"}, {"Название": "Гранд Маркет"}, {"Название": "Грандлайн"}])
    mapped = apply_profile(table, _profile("companies", {"Название": "Название (компания)"}), SCHEMA)
    [cluster] = find_duplicates(mapped)
    assert (cluster.entity, cluster.rows, cluster.linked) == ("companies", [2, 3], False)
    assert [m.key_kind for m in cluster.members] == ["fuzzy-name", "fuzzy-name"]
    assert cluster.members[1].score == pytest.approx(95.7, abs=0.1)


_CELL_TEXT = st.text(alphabet=st.sampled_from(list("+0123456789 доб.@xXaÄß,;-_ΣςQé\u00a0")), max_size=40)


@settings(max_examples=400, deadline=None)
@given(cell=st.one_of(_CELL_TEXT, st.from_regex(r"\+\d{5,17}( доб\. \d{1,4})?", fullmatch=True),
                      st.from_regex(r"[a-zA-ZÄß.]{1,8}@[a-zA-Zé.]{1,8}", fullmatch=True)))  # fmt: skip
def test_a_cell_that_is_one_key_gives_the_keys_the_scan_gives(cell: str) -> None:
    """The one-key shortcut (the cell is its own key object) agrees with scanning the cell for keys."""
    from migrate.quality.duplicates_keys import _EMAIL, _PHONE, cell_keys

    assert cell_keys("phone", cell) == _PHONE.findall(cell)
    assert cell_keys("email", cell) == [e.casefold() for e in _EMAIL.findall(cell)]
    if _PHONE.fullmatch(cell):
        assert cell_keys("phone", cell)[0] is cell
    if _EMAIL.fullmatch(cell) and cell == cell.casefold():
        assert cell_keys("email", cell)[0] is cell


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=60))))
def test_components_on_dense_nodes_are_the_smallest_node_of_each_connected_set(graph) -> None:  # noqa: ANN001
    from migrate.quality.duplicates import _components, _dense_components

    n, edges = graph
    parent = list(range(n))  # union-find, the textbook way, as the oracle

    def root(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = root(a), root(b)
        parent[max(ra, rb)] = min(ra, rb)
    a = np.array([e[0] for e in edges], dtype=np.int32)
    b = np.array([e[1] for e in edges], dtype=np.int32)
    smallest = {x: min(y for y in range(n) if root(y) == root(x)) for x in range(n)}
    assert _dense_components(a, b, n).tolist() == [smallest[x] for x in range(n)]
    nodes, labels = _components(a.astype(np.int64) * 7, b.astype(np.int64) * 7)  # sparse labels, same sets
    assert {int(v): int(nodes[k]) for v, k in zip(nodes.tolist(), labels.tolist(), strict=True)} == {
        7 * x: 7 * smallest[x] for x in {e for pair in edges for e in pair}}


def test_later_members_read_from_columns_equal_the_members_built_one_by_one() -> None:
    from migrate.quality.duplicates import Cluster, later_members

    frame = pd.DataFrame({"Контакт": [f"Клиент {k % 7}" for k in range(60)],
                          "Телефон": [f"+7916{k % 11:07d}" for k in range(60)],
                          "Компания": [f"ООО «Фирма {k % 5}»" for k in range(60)]}, index=range(2, 62))  # fmt: skip
    profile = profile_from_dict({"version": 1, "entity": "leads", "columns": {
        "Контакт": "Полное имя (контакт)", "Телефон": {"field": "Рабочий телефон (контакт)", "transform": "phone"},
        "Компания": "Название (компания)"}})  # fmt: skip
    mapped = apply_profile(SourceTable(frame=frame, path=Path("deals.csv"), kind="csv"), profile, load_schema(None))
    clusters = [c for c in find_duplicates(mapped) if c.entity == "companies"]
    assert clusters and clusters[0]._columns is not None
    rebuilt = [Cluster(c.id, c.entity, c.linked, c.members) for c in clusters]  # Members held, no columns
    expected = [(m, c.first) for c in rebuilt for m in c.members[1:]]
    for group in (clusters, rebuilt):
        rows_, vias, fields = later_members(group)
        everyone = list(zip(*fields(np.arange(len(rows_))), strict=True))
        picked = list(zip(*fields(np.array([len(rows_) - 1, 0, 3])), strict=True))
        assert [f[0] for f in everyone] == rows_.tolist() and [f[5] for f in everyone] == vias.tolist()
        assert everyone == [(*m, m.via if m.via is not None else first) for m, first in expected]
        assert picked == [everyone[-1], everyone[0], everyone[3]]


def test_the_inn_veto_found_by_binary_search_agrees_with_a_lookup_by_label() -> None:
    """`_veto_other_inn` finds each edge end's INN by binary search over sorted rows (no hash table of the
    rows); against the lookup by label it replaced, on random edges and INN lines, sorted or not, with rows
    holding several INNs (the first one counts) and rows without any."""

    def by_label(edges: pd.DataFrame, inn: pd.DataFrame) -> pd.DataFrame:
        inn = inn.drop_duplicates("row")
        code = pd.factorize(inn["key"])[0]
        index = pd.Index(inn["row"].to_numpy(dtype="int64"))
        ia, ib = (np.where((at := index.get_indexer(edges[end].to_numpy(dtype="int64"))) >= 0, code[at], -1)
                  for end in ("a", "b"))  # fmt: skip
        vetoed = (ia >= 0) & (ib >= 0) & (ia != ib)
        return edges[~vetoed]

    from migrate.quality import duplicates as d

    rng = np.random.default_rng(3)
    vetoed = 0
    for _ in range(500):
        n, m = int(rng.integers(1, 20)), int(rng.integers(1, 30))
        rows = rng.integers(0, 25, n) if rng.random() < 0.5 else np.sort(rng.choice(40, n, replace=False))
        inn = pd.DataFrame({"row": rows, "header": "ИНН", "key": rng.choice(["7707083893", "500100732259", "1"], n)})
        edges = pd.DataFrame({"a": rng.integers(0, 25, m), "b": rng.integers(0, 25, m), "kind": "name"})
        got = d._veto_other_inn(edges, inn)
        assert got.equals(by_label(edges, inn))
        vetoed += len(edges) - len(got)
    assert vetoed > 100
    none = pd.DataFrame({"row": np.zeros(0, dtype=np.int64), "header": [], "key": []})
    edges = pd.DataFrame({"a": [3], "b": [2], "kind": "name"})
    assert d._veto_other_inn(edges, none).equals(edges)


_NAMES = st.sampled_from(["Иван Петров", "иван петров", "Анна", "", "Анна\u00a0"])
_PHONES = st.sampled_from(["+79161234567", "8 916 123-45-67", "+79031112233", ""])
_MAILS = st.sampled_from(["ivan@firm.ru", "IVAN@firm.ru", "anna@firm.ru", ""])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(_NAMES, _PHONES, _MAILS, st.sampled_from(["ООО Ромашка", "Ромашка", ""])),
                     min_size=2, max_size=25),
       gaps=st.sets(st.integers(0, 24), max_size=3))  # fmt: skip
def test_linked_row_warnings_are_the_same_from_categorical_and_object_columns(rows, gaps) -> None:
    """A block pass keeps the key columns as categoricals (codes compared), a whole-table run as objects:
    the `repeated_in_rows` warnings, their messages and order must not depend on it — blank cells, a
    category list without "" and a missing cell (NaN, compared as an object) included."""
    from migrate.quality.duplicates_policy import resolve_duplicates

    table = _table([{"Контакт": n, "Тел": p, "Почта": m, "Компания": c} for n, p, m, c in rows])
    columns = {"Контакт": "Полное имя (контакт)", "Тел": "Рабочий телефон (контакт)",
               "Почта": "Рабочий email (контакт)", "Компания": "Название (компания)"}  # fmt: skip
    profile = _profile("leads", columns)
    mapped = apply_profile(table, profile, SCHEMA)
    for k in sorted(gaps):
        if k < len(mapped.frame):
            mapped.frame.iloc[k, mapped.frame.columns.get_loc("Полное имя (контакт)")] = np.nan
    clusters = find_duplicates(mapped)

    def warnings(frame: pd.DataFrame) -> list[tuple[object, ...]]:
        mapped.frame = frame
        out = resolve_duplicates(mapped, clusters, profile.duplicate_policies(), set(), SCHEMA.targets("leads"))
        return [(i.code, i.row, i.field, i.value, i.suggestion, i.message) for i in out.issues]

    objects = mapped.frame.astype(object)
    expected = warnings(objects)
    assert warnings(objects.astype("category")) == expected
    assert all(i[0].value == "repeated_in_rows" for i in expected)


def test_linked_row_warning_compares_categorical_cells_and_skips_blank_ones() -> None:
    rows = [{"Контакт": "Иван", "Тел": "+79161234567", "Почта": "ivan@firm.ru"},
            {"Контакт": "Иван", "Тел": "8 916 123-45-67", "Почта": ""},
            {"Контакт": "Пётр", "Тел": "+79161234567", "Почта": "petr@firm.ru"}]  # fmt: skip
    columns = {"Контакт": "Полное имя (контакт)", "Тел": "Рабочий телефон (контакт)",
               "Почта": "Рабочий email (контакт)"}  # fmt: skip
    profile = _profile("leads", columns)
    mapped = apply_profile(_table(rows), profile, SCHEMA)
    mapped.frame = mapped.frame.astype("category")
    from migrate.quality.duplicates_policy import resolve_duplicates

    out = resolve_duplicates(mapped, find_duplicates(mapped), {}, set(), SCHEMA.targets("leads"))
    # row 3 (blank e-mail, same name) differs from row 2 in nothing; row 4 in its name and its e-mail
    [warning] = out.issues
    assert (warning.row, warning.suggestion) == (4, "row 2")
    assert ("'Полное имя (контакт)' 'Пётр' here, 'Иван' there; 'Рабочий email (контакт)' 'petr@firm.ru' here, "
            "'ivan@firm.ru' there.") in warning.message  # fmt: skip


@pytest.mark.parametrize("labels", [[2, 5, 9, 10], [10, 2, 9, 5], [7, 3, 11]])
def test_member_positions_are_found_in_any_index_and_a_missing_row_is_an_error(labels: list[int]) -> None:
    """Row numbers in order are found by binary search (no hash table kept on the frame), any other index
    by its hash table; both give the positions `get_indexer` gives, and a row the frame lacks raises."""
    from migrate.quality.linked_warnings import Positions as _Positions

    index = pd.Index(labels, dtype="int64")
    _positions = (lambda ix, wanted: _Positions(ix)(wanted))  # noqa: E731
    wanted = np.array([labels[2], labels[0], labels[2], labels[-1]], dtype=np.int64)
    assert _positions(index, wanted).tolist() == index.get_indexer(wanted).tolist()
    assert _positions(index, wanted[:0]).tolist() == []
    with pytest.raises(KeyError, match="rows not in the mapped frame"):
        _positions(index, np.array([labels[0], 4], dtype=np.int64))
    with pytest.raises(KeyError):
        _positions(pd.Index([], dtype="int64"), np.array([3], dtype=np.int64))
