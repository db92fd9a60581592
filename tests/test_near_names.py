"""Short company names one typo apart (6–8 letters): joined when a second signal agrees, else reported as a
possible duplicate and never merged. Files written like real ones: legal forms, other phone formats."""

from pathlib import Path

import pandas as pd
import pytest

from migrate import api
from migrate.core.schema import load_schema
from migrate.quality.duplicates import find_duplicates, possible_duplicates
from migrate.quality.fuzzy import short_near_duplicate_names

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ("version: 1\nentity: companies\ncolumns:\n  Компания: Название (компания)\n"
           "  Телефон: {field: Рабочий телефон, transform: phone}\n  Почта: {field: Рабочий email, transform: email}\n"
           "  Менеджер: {field: Ответственный за компанию, owner: true}\n  Адрес: Адрес\n")  # fmt: skip
BLANK = {"Телефон": "", "Почта": "", "Менеджер": "", "Адрес": ""}


def mapped_of(tmp_path, rows):
    src = tmp_path / "firms.csv"
    pd.DataFrame([{**BLANK, **r} for r in rows]).to_csv(src, sep=";", index=False)
    profile = tmp_path / "p.yaml"
    profile.write_text(PROFILE, encoding="utf-8")
    return api.apply_profile(src, profile, load_schema())


@pytest.mark.parametrize(("a", "b"), [("Хакезопу", "Хакзопу"), ("Нумеино", "Нумевино"), ("Ромашка", "Ромашко"),
                                      ("Вектор", "Векотр")])  # fmt: skip
def test_one_typo_in_a_short_name_is_a_candidate(a, b):
    assert [(i, j) for i, j, _ in short_near_duplicate_names([a.casefold(), b.casefold()])] == [(0, 1)]


@pytest.mark.parametrize(
    ("second", "why"),
    [({"Телефон": "8 (916) 100-20-30"}, "phone"), ({"Почта": "Info@Hakezopu.ru"}, "e-mail"),
     ({"Менеджер": "Анна Смирнова", "Адрес": "г. Казань, ул. Баумана, 1"}, "owner and city")],
)  # fmt: skip
def test_a_second_signal_joins_a_short_name_typo(tmp_path, second, why):
    first = {"Телефон": "+7 916 100-20-30", "Почта": "info@hakezopu.ru", "Менеджер": "Анна Смирнова",
             "Адрес": "420111, г. Казань, ул. Пушкина, 5"}  # fmt: skip
    mapped = mapped_of(tmp_path, [{"Компания": "ООО «Хакезопу»", **{k: first[k] for k in second}},
                                  {"Компания": "Хакзопу", **second}])  # fmt: skip
    (cluster,) = find_duplicates(mapped)
    assert cluster.rows == [2, 3] and cluster.members[1].key_kind == "fuzzy-name", why
    assert possible_duplicates(mapped) == []


def test_without_a_second_signal_it_is_only_a_possible_duplicate(tmp_path):
    mapped = mapped_of(tmp_path, [
        {"Компания": "Хакезопу", "Менеджер": "Анна Смирнова", "Адрес": "г. Казань"},
        {"Компания": "Хакзопу", "Менеджер": "Анна Смирнова", "Адрес": "г. Пермь"},  # owner alone: not enough
        {"Компания": "Партнер", "Телефон": "+7 916 000-00-01"},
        {"Компания": "Партнеры", "Телефон": "+7 916 000-00-02"},
    ])  # fmt: skip
    assert find_duplicates(mapped) == []
    assert [(p.row, p.other) for p in possible_duplicates(mapped)] == [(3, 2), (5, 4)]


def test_a_possible_duplicate_is_a_warning_that_changes_no_row(tmp_path):
    mapped = mapped_of(
        tmp_path, [{"Компания": "Нумеино", "Менеджер": "Анна"}, {"Компания": "Нумевино", "Менеджер": "Олег"}]
    )
    src, profile = tmp_path / "firms.csv", tmp_path / "p.yaml"
    report = api.validate(src, profile)
    (issue,) = [i for i in report.issues if i.code == "possible_duplicate"]
    assert issue.severity == "warning" and issue.row == 3 and issue.column == "Компания"
    assert "'Нумеино' of row 2" in issue.message and report.exported == 2 == len(mapped.frame)


def test_a_deals_file_in_blocks_joins_a_short_name_typo_by_the_deals_owner_and_city_as_the_whole_table(tmp_path):
    """The short-name check reads the file's own owner column as a signal; a block pass keeps it with the
    contact and company columns, so its Report is the whole table's (it used to say "possible duplicate")."""
    from migrate.chunked import run_blocks
    from migrate.core.profile import load_profile
    from migrate.core.validate import validate_table
    from migrate.sources import read_table

    source = tmp_path / "deals.csv"
    source.write_text("Сделка;Ответственный;Компания;Адрес\n"
                      "Сделка 1;Анна Смирнова;ООО «Хакезопу»;420111, г. Казань, ул. Пушкина, 5\n"
                      "Сделка 2;анна смирнова;Хакзопу;г. Казань, ул. Баумана, 1\n"
                      "Сделка 3;Игорь Петров;Вектор;г. Пермь\n", encoding="utf-8")  # fmt: skip
    profile_path = tmp_path / "deals.yaml"
    profile_path.write_text("version: 1\nentity: leads\ncolumns:\n  Сделка: Название сделки\n"
                            "  Ответственный: {field: Ответственный за сделку, owner: true}\n"
                            "  Компания: Название (компания)\n  Адрес: Адрес (компания)\n",
                            encoding="utf-8")  # fmt: skip
    profile, schema = load_profile(profile_path), load_schema(ROOT / "samples" / "account.json")
    whole = validate_table(read_table(source), profile, schema)[1]
    blocks = run_blocks(source, profile, schema, block_rows=2, workers=1).report
    assert [(c.entity, c.rows) for c in whole.duplicates] == [("companies", [2, 3])]
    assert blocks == whole and blocks.to_json() == whole.to_json()
    assert not any(i.code.value == "possible_duplicate" for i in blocks.issues)
