"""Phone validity per leading-digit prefix agrees with phonenumbers.is_valid_number, number by number."""

from __future__ import annotations

import random

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

from migrate.quality.transforms import phone_validity as V
from migrate.quality.transforms import transform_phone
from migrate.quality.transforms.base import TransformContext


def _reference(cc: int, nsn: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.PhoneNumber(country_code=cc, national_number=int(nsn)))


def _near_examples(rng: random.Random, cc: int, n: int) -> list[str]:
    """National numbers a few digits away from each region's example numbers: valid and invalid ones
    sharing long prefixes, where a wrong prefix rule would show."""
    seeds = []
    for region in COUNTRY_CODE_TO_REGION_CODE[cc]:
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE,
                     phonenumbers.PhoneNumberType.TOLL_FREE):  # fmt: skip
            example = phonenumbers.example_number_for_type(region, kind) if region != "001" else None
            if example is not None:
                seeds.append(phonenumbers.national_significant_number(example))
    out = []
    for _ in range(n):
        digits = list(rng.choice(seeds)) if seeds else list(str(rng.randrange(10**6, 10**10)))
        for _ in range(rng.randrange(1, 4)):
            digits[rng.randrange(len(digits))] = str(rng.randrange(10))
        out.append("".join(digits).lstrip("0") or "1")
    return out


@pytest.mark.parametrize("cc", [7, 1, 44, 49, 380, 375, 86, 39, 33, 61, 998])
def test_prefix_rule_agrees_with_is_valid_number_near_real_numbers(cc: int) -> None:
    V._VALID.clear()  # start cold: every later answer comes from a prefix decided by another number
    rng = random.Random(cc)
    numbers = _near_examples(rng, cc, 400)
    assert [V.is_valid(cc, n) for n in numbers] == [_reference(cc, n) for n in numbers]
    assert any(_reference(cc, n) for n in numbers) and not all(_reference(cc, n) for n in numbers)


@settings(max_examples=300, deadline=None)
@given(cc=st.sampled_from(sorted(COUNTRY_CODE_TO_REGION_CODE)), nsn=st.from_regex(r"[1-9][0-9]{3,13}", fullmatch=True))
def test_prefix_rule_agrees_with_is_valid_number_on_any_digits(cc: int, nsn: str) -> None:
    assert V.is_valid(cc, nsn) == _reference(cc, nsn)
    sibling = nsn[:-1] + str((int(nsn[-1]) + 1) % 10)  # shares the cached prefix whenever free > 0
    assert V.is_valid(cc, sibling) == _reference(cc, sibling)


def test_trailing_free_counts_only_any_digit_positions_at_the_end() -> None:
    assert V.trailing_free(r"9\d{9}") == 9
    assert V.trailing_free(r"(?:3(?:0[12]|36)|4(?:01|1[1356]))\d{7}") == 7
    assert V.trailing_free(r"8\d{13}|[347-9]\d{9}") == 9
    assert V.trailing_free(r"80[39]\d{7}") == 7
    assert V.trailing_free(r"\d{3}[0-9]{2}") == 5
    assert V.trailing_free(r"7\d{5}1") == 0  # a literal last digit: every digit counts
    assert V.trailing_free(r"(?:1\d{2}|2\d{4})") == 2


def test_transform_phone_reads_generated_cells_as_the_full_path_does() -> None:
    """The quick path of transform_phone gives the same Outcome as the path through phonenumbers.parse."""
    from migrate.quality.transforms import values as T

    rng = random.Random(14)
    cells = []
    for _ in range(1500):
        tail = rng.randrange(10**7)
        op = rng.choice(["916", "495", "800", "000", "701", "999", "391"])
        body = f"{op}{tail:07d}"
        cells.append(rng.choice([f"7{body}", f"+7 ({op}) {tail // 10**4:03d}-{tail // 100 % 100:02d}-{tail % 100:02d}",
                                 f"8{body}", body, f"+7{body}", f"8 {op} {tail:07d}"]))  # fmt: skip
    ctx = TransformContext(region="RU")
    quick = [transform_phone(c, ctx) for c in cells]
    saved_national, saved_valid = T._fast_national, T.is_valid
    T._fast_national, T.is_valid = (lambda t, r: None), V._full
    try:
        full = [transform_phone(c, ctx) for c in cells]
    finally:
        T._fast_national, T.is_valid = saved_national, saved_valid
    assert quick == full
    assert sum(o.ok for o in quick) > 500 and sum(not o.ok for o in quick) > 100
