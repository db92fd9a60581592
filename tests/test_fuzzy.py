"""fuzzy.py: the folding every comparison relies on, and suggestions that name the right choice."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from migrate.quality.fuzzy import Matcher, _one_edit_pairs, name_key, near_duplicate_names, normalise, suggest

STAGES = ["Неразобранное", "Первичный контакт", "Переговоры", "Принимают решение", "Согласование договора"]
USERS = ["Анна Смирнова", "Игорь Петров", "Ольга Кузнецова"]


@pytest.mark.parametrize(
    "a, b",
    [
        ("Cчёт на предоплату", "Счет на предоплату"),  # Latin C at the start, ё
        ("ПЕРВИЧНЫЙ  КОНТАКТ", "первичный контакт"),
        ("Первичный\u00a0контакт.", "Первичный контакт"),
        ("E-mail", "e mail"),
    ],
)
def test_normalise_folds_case_yo_homoglyphs_spaces_and_punctuation(a, b):
    assert normalise(a) == normalise(b)


def test_normalise_keeps_latin_words_latin():
    assert normalise("Web") == "web"
    assert normalise("Skype") == "skype"


def test_people_match_in_either_word_order():
    assert name_key("Иванова Анна") == name_key("Анна Иванова")
    assert Matcher(USERS, names=True).exact("смирнова  анна") == "Анна Смирнова"


def test_exact_accepts_a_homoglyph_spelling_of_a_user():
    assert Matcher(USERS, names=True).exact("Смирнoва Анна") == "Анна Смирнова"  # Latin o


@pytest.mark.parametrize(
    "typo, meant",
    [
        ("Переговры", "Переговоры"),
        ("Согласование договра", "Согласование договора"),
        ("первичный кантакт", "Первичный контакт"),
    ],
)
def test_suggest_names_the_stage_a_typo_meant(typo, meant):
    m = Matcher(STAGES)
    assert m.exact(typo) is None
    assert m.suggest(typo).choice == meant


def test_suggest_offers_nothing_for_an_unrelated_value():
    assert Matcher(STAGES).suggest("В работе") is None
    assert suggest("Вася Пупкин", USERS, names=True) is None


def test_misspelt_owner_suggests_the_right_user():
    assert suggest("Смирнва Анна", USERS, names=True) == "Анна Смирнова"


def test_suggest_is_computed_once_per_distinct_value(monkeypatch):
    import migrate.quality.fuzzy as fz

    calls = []
    real = fz.process.extractOne

    def counting(*a, **k):
        calls.append(a[0])
        return real(*a, **k)

    monkeypatch.setattr(fz.process, "extractOne", counting)
    m = Matcher(STAGES)
    for _ in range(1000):
        m.suggest("Переговры")
    assert len(calls) == 1


# --- company names one edit apart: every such pair, found through one-letter deletions ---------------------

_FORMS = st.text(alphabet="абвгс1", min_size=0, max_size=11)


@settings(max_examples=300, deadline=None)
@given(forms=st.lists(_FORMS, max_size=40))
def test_one_edit_pairs_are_every_pair_within_one_osa_edit(forms: list[str]) -> None:
    """The deletion hashing finds exactly the pairs a comparison of every pair finds (a small alphabet, so
    most forms have neighbours; equal forms, empty ones, swaps and repeated letters included)."""
    ids = list(range(len(forms)))
    every = {(i, j) for i in ids for j in ids if i < j and OSA.distance(forms[i], forms[j]) <= 1}
    assert _one_edit_pairs(ids, forms) == every
    some = ids[::2]  # only the ids asked for
    assert _one_edit_pairs(some, forms) == {(i, j) for i, j in every if i in some and j in some}


def test_near_duplicate_names_among_names_that_share_their_start() -> None:
    """Names of one trade share their first letters (the old blocks' key): every one-typo pair is still
    found, a swap of neighbours in the middle included, and nothing else."""
    keys = ["стройресурс казань", "стройресурс казан", "стройресур казань", "стройрeсурс рязань",
            "стройсервис москва", "стройсеврис москва", "стройсервис москва 2", "строймонтаж урал"]
    pairs = {(i, j) for i, j, _ in near_duplicate_names(keys)}
    assert pairs == {(0, 1), (0, 2), (4, 5)}
