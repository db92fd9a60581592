"""Phone validity decided once per leading-digit prefix, from phonenumbers' own metadata.

`phonenumbers.is_valid_number` runs a dozen regular expressions in pure Python (~15 µs a number); with a
million distinct phones that is the largest single cost of an export. Yet its answer depends on the last
digits of a number only through "any digit here" positions: every pattern phonenumbers consults for a
country calling code (each region's general description and number types, and the `leading_digits` that
pick the region) ends in `\\d{n}`-like runs. This module reads those patterns once per calling code
(`re._parser`, the stdlib's own parse of them) and finds `free`, the number of trailing digits that no
pattern looks at individually. Two national numbers of the same length that differ only in their last
`free` digits are then valid or invalid together, so the answer is computed by phonenumbers once for
the first number of each (calling code, length, prefix) and remembered.

What a caller may rely on: `is_valid(cc, nsn)` equals
`phonenumbers.is_valid_number(PhoneNumber(country_code=cc, national_number=int(nsn)))` for every `nsn`
of ASCII digits without a leading zero (a leading-zero number goes to phonenumbers directly). Where a
pattern cannot be read, `free` is 0 and every number is its own key: slower, never wrong. The memory is
bounded (`LIMIT` keys, then it starts afresh). The suite compares the two on generated numbers.
"""

from __future__ import annotations

import re
from functools import cache

import phonenumbers
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE

try:  # Python 3.11+: the parser behind `re`
    from re import _constants as _sre  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older interpreters
    import sre_constants as _sre  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]

LIMIT = 200_000  # remembered prefixes in all; past it the table starts afresh (bounded memory)
_DESCS = ("general_desc", "fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "personal_number",
          "voip", "pager", "uan", "voicemail")  # fmt: skip
_VALID: dict[tuple[int, int, str], bool] = {}


def is_valid(cc: int, nsn: str) -> bool:
    """`phonenumbers.is_valid_number` for calling code `cc` and national significant number `nsn`."""
    if nsn.startswith("0"):
        return _full(cc, nsn)
    free, lead = free_digits(cc)
    key = (cc, len(nsn), nsn[: max(len(nsn) - free, lead)])
    found = _VALID.get(key)
    if found is None:
        if len(_VALID) >= LIMIT:
            _VALID.clear()
        found = _VALID[key] = _full(cc, nsn)
    return found


def _full(cc: int, nsn: str) -> bool:
    number = phonenumbers.PhoneNumber(country_code=cc, national_number=int(nsn))
    if nsn.startswith("0"):
        number.italian_leading_zero = True
        number.number_of_leading_zeros = len(nsn) - len(nsn.lstrip("0"))
    return phonenumbers.is_valid_number(number)


@cache
def free_digits(cc: int) -> tuple[int, int]:
    """(trailing digits of a national number that no validity pattern of calling code `cc` looks at,
    leading digits the region choice may look at). (0, 0) when a pattern cannot be read: every number is
    then its own key."""
    patterns: list[str] = []
    lead = 0
    for region in COUNTRY_CODE_TO_REGION_CODE.get(cc, ()):
        meta = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(cc, region)
        if meta is None:
            return 0, 0
        patterns += [d.national_number_pattern for d in (getattr(meta, n) for n in _DESCS)
                     if d is not None and d.national_number_pattern]  # fmt: skip
        if meta.leading_digits:
            width = _width(meta.leading_digits)
            if width is None:
                return 0, 0
            lead = max(lead, width)
    if not patterns:
        return 0, 0
    return min(trailing_free(p) for p in patterns), lead


def _width(pattern: str) -> int | None:
    """The most characters `pattern` can match from the start, or None when unbounded/unreadable."""
    try:
        low, high = _sre_parse.parse(pattern).getwidth()
    except (re.error, OverflowError):
        return None
    return None if high >= _sre.MAXREPEAT else int(high)


def trailing_free(pattern: str) -> int:
    """How many characters at the end of any full match of `pattern` are 'any digit' positions, at least.

    Changing those digits cannot change whether a digit string matches: the same split of the match
    still works, both ways. 0 when the pattern cannot be read.
    """
    try:
        parsed = _sre_parse.parse(pattern)
    except re.error:
        return 0
    return _seq_free(list(parsed))[0]


def _seq_free(items: list) -> tuple[int, bool]:  # type: ignore[type-arg]
    """(free trailing digits, whether the whole sequence is free digits) of a parsed sequence."""
    total = 0
    for op, arg in reversed(items):
        free, whole = _item_free(op, arg)
        total += free
        if not whole:
            return total, False
    return total, True


def _item_free(op, arg) -> tuple[int, bool]:  # type: ignore[no-untyped-def]  # noqa: ANN001
    if op is _sre.IN and _any_digit(arg):
        return 1, True
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
        low, high, sub = arg
        free, whole = _seq_free(list(sub))
        if whole:
            return low * free, True
        return (free if low > 0 else 0), False
    if op is _sre.SUBPATTERN:
        return _seq_free(list(arg[-1]))
    if op is _sre.BRANCH:
        results = [_seq_free(list(alt)) for alt in arg[1]]
        return min(f for f, _ in results), all(w for _, w in results)
    return 0, False


def _any_digit(items: list) -> bool:  # type: ignore[type-arg]
    """True for a class that is exactly 'any digit' here: `\\d` or `[0-9]`."""
    return items in ([(_sre.CATEGORY, _sre.CATEGORY_DIGIT)], [(_sre.RANGE, (48, 57))])
