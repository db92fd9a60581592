"""Checkbox, URL and people's-name transforms: the importer's silent coercions, said out loud."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.quality.transforms import TransformContext, apply_transform, get_transform
from migrate.quality.transforms.more import split_person_name

CTX = TransformContext()


@pytest.mark.parametrize(
    "text, value",
    [("Да", "Yes"), ("yes", "Yes"), ("1", "Yes"), ("TRUE", "Yes"), ("✓", "Yes"), ("+", "Yes"),
     ("Нет", ""), ("no", ""), ("0", ""), ("", ""), ("false", ""), ("-", "")],
)  # fmt: skip
def test_checkbox_reads_russian_and_english_yes_no(text, value):
    out = get_transform("checkbox")(text, CTX)
    assert out.ok and out.value == value


@pytest.mark.parametrize("text", ["может быть", "2", "да/нет"])
def test_checkbox_refuses_what_it_cannot_read(text):
    out = get_transform("checkbox")(text, CTX)
    assert not out.ok and out.value == text


@pytest.mark.parametrize(
    "text, value",
    [("Example.RU", "example.ru"), ("HTTPS://Example.ru/Path?q=1", "https://example.ru/Path?q=1"),
     ("www.site.com:8080/a", "www.site.com:8080/a"), ("сайт.рф", "сайт.рф"), (" http://x.org ", "http://x.org")],
)  # fmt: skip
def test_url_lowercases_scheme_and_host_only(text, value):
    out = get_transform("url")(text, CTX)
    assert out.ok and out.value == value


@pytest.mark.parametrize("text", ["нет сайта", "http://", "localhost", "a b.ru"])
def test_url_refuses_non_addresses(text):
    assert not get_transform("url")(text, CTX).ok


@pytest.mark.parametrize(
    "text, last, first, middle",
    [
        ("Иванов Иван Иванович", "Иванов", "Иван", "Иванович"),
        ("Иван Иванович Иванов", "Иванов", "Иван", "Иванович"),
        ("Анна Смирнова", "Смирнова", "Анна", ""),
        ("Смирнова Анна", "Смирнова", "Анна", ""),
        ("ПЕТРОВ ПЁТР", "Петров", "Пётр", ""),
        ("Абрамова М.П.", "Абрамова", "М.П.", ""),
    ],
)
def test_person_names_split_in_russian_order(text, last, first, middle):
    name = split_person_name(text)
    assert (name.last, name.first, name.middle) == (last, first, middle)


def test_name_transform_capitalises_one_case_words_only():
    assert get_transform("name")("иванов  ИВАН", CTX).value == "Иванов Иван"
    assert get_transform("name")("ДеЛонг анна-мария", CTX).value == "ДеЛонг Анна-Мария"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=30))
def test_new_transforms_are_idempotent(text):
    for name in ("checkbox", "url", "name"):
        fn = get_transform(name)
        once = fn(text, CTX)
        if once.ok:
            assert fn(once.value, CTX).value == once.value


def test_checkbox_column_is_decided_per_distinct_value():
    import pandas as pd

    series = pd.Series(["Да", "Нет", "Да", "может"] * 1000, index=range(2, 4002))
    result = apply_transform(series, "checkbox")
    assert list(result.values[:4]) == ["Yes", "", "Yes", "может"]
    assert int(result.failed.sum()) == 1000
