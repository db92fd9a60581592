"""`valid_inn` is the duplicate search's hottest check at a million rows: its fast form must agree with the
definition (weights, mod 11 mod 10, not one repeated digit) on every string, Unicode digits included."""

from hypothesis import given
from hypothesis import strategies as st

from migrate.quality.duplicates_keys import _inn_candidates, valid_inn

_WEIGHTS = {
    10: ((2, 4, 10, 3, 5, 9, 4, 6, 8),),
    12: ((7, 2, 4, 10, 3, 5, 9, 4, 6, 8), (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)),
}


def _by_definition(digits: str) -> bool:
    if not digits.isdigit() or len(digits) not in _WEIGHTS or len(set(digits)) == 1:
        return False
    nums = [int(c) for c in digits]
    return all(
        sum(w * n for w, n in zip(ws, nums, strict=False)) % 11 % 10 == nums[len(ws)] for ws in _WEIGHTS[len(digits)]
    )


@given(st.text(alphabet="0123456789", min_size=8, max_size=13))
def test_fast_inn_check_agrees_with_the_definition_on_ascii_digits(digits: str) -> None:
    assert valid_inn(digits) == _by_definition(digits)


@given(st.text(alphabet="0123456789٠١٢٣٤٥٦٧٨٩３ -x", min_size=0, max_size=13))
def test_fast_inn_check_agrees_on_unicode_digits_and_junk(text: str) -> None:
    assert valid_inn(text) == _by_definition(text)


def test_known_inns_are_valid_and_placeholders_are_not() -> None:
    assert valid_inn("7707083893") and valid_inn("500100732259")
    assert not valid_inn("7707083894") and not valid_inn("0000000000") and not valid_inn("1234567890")


def test_a_clean_inn_cell_is_one_candidate_not_three() -> None:
    assert _inn_candidates("7707083893") == ["7707083893"]
    assert _inn_candidates("7707 083 893 / 770701001") == ["7707083893"]
    assert _inn_candidates("ИНН 7707083893, ОГРН 1027700132195") == ["7707083893"]
