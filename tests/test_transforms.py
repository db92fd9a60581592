"""Tests for migrate.quality.transforms: the documented examples, failures, the registry and apply_transform."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.quality import transforms
from migrate.quality.transforms import (
    TRANSFORMS,
    ColumnResult,
    Outcome,
    TransformContext,
    apply_transform,
    get_transform,
)

CTX = TransformContext()
INT = TransformContext(integer=True)
FAST = settings(max_examples=60, deadline=None)


def run(name: str, text: str, ctx: TransformContext = CTX) -> Outcome:
    return get_transform(name)(text, ctx)


# --- text -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  ООО  «Ромашка»  ", "ООО «Ромашка»"),
        ("ООО\u00a0Ромашка", "ООО Ромашка"),
        ("a\u202fb\u2009c\u3000d", "a b c d"),
        ("line one\r\n\tline two", "line one line two"),
        ("zero\u200bwidth\ufeff", "zerowidth"),
        ("Keep CASE & punctuation!", "Keep CASE & punctuation!"),
        ("", ""),
    ],
)
def test_text(raw: str, expected: str) -> None:
    assert run("text", raw) == Outcome(expected)


# --- number -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1500000", "1500000"),
        ("1 500 000", "1500000"),
        ("1 500 000,00", "1500000"),
        ("1\u00a0500\u00a0000,00", "1500000"),
        ("1\u202f500\u202f000", "1500000"),
        ("1,500,000.50", "1500000.5"),
        ("1.500.000,50", "1500000.5"),
        ("1.500.000", "1500000"),
        ("1500000.5", "1500000.5"),
        ("1500000,5", "1500000.5"),
        ("0.50", "0.5"),
        (",5", "0.5"),
        ("1,500", "1.5"),  # a single separator is decimal (Russian reading)
        ("12'345", "12345"),
        ("-12", "-12"),
        ("−12", "-12"),
        ("+12", "12"),
        ("-0", "0"),
        ("12 руб.", "12"),
        ("12 руб", "12"),
        ("12 ₽", "12"),
        ("12₽", "12"),
        ("$12", "12"),
        ("$ 1,200.99", "1200.99"),
        ("12 RUB", "12"),
        ("12 USD", "12"),
        ("12 р.", "12"),
        ("15%", "15"),
        ("12.5 %", "12.5"),
        ("123456789012345678901234567890.123456789", "123456789012345678901234567890.123456789"),
    ],
)
def test_number(raw: str, expected: str) -> None:
    assert run("number", raw) == Outcome(expected)


@pytest.mark.parametrize(
    ("raw", "expected", "rounded"),
    [
        ("1500000", "1500000", False),
        ("1 500 000,00", "1500000", False),
        ("1500000.5", "1500001", True),
        ("2,49", "2", True),
        ("2,5", "3", True),
        ("-2.5", "-3", True),
        ("-0.4", "0", True),
        ("99999999999999999999999999999999.5", "100000000000000000000000000000000", True),
    ],
)
def test_number_integer(raw: str, expected: str, rounded: bool) -> None:
    assert run("number", raw, INT) == Outcome(expected, rounded=rounded)


@pytest.mark.parametrize(
    "raw",
    [
        "около миллиона",
        "12abc",
        "1e6",
        "12,",
        "1 5",
        "1,50,000",
        "1.5.6",
        "1,500.000,5",
        "1.500,5.5",
        "--12",
        "руб.",
    ],
)
def test_number_fails(raw: str) -> None:
    assert run("number", raw) == Outcome(raw, ok=False)
    assert run("number", raw, INT) == Outcome(raw, ok=False)


# --- phone ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected", "extras"),
    [
        ("8 (916) 123-45-67", "+79161234567", ()),
        ("79161234567", "+79161234567", ()),
        ("9161234567", "+79161234567", ()),
        ("+7 916 123 45 67", "+79161234567", ()),
        ("+7\u00a0916\u00a0123\u00a045\u00a067", "+79161234567", ()),
        ("тел.: +7 916 123 45 67", "+79161234567", ()),
        ("+44 20 7946 0958", "+442079460958", ()),
        ("0044 20 7946 0958", "+442079460958", ()),
        ("380441234567", "+380441234567", ()),
        ("8 (495) 123-45-67 доб. 123", "+74951234567 доб. 123", ()),
        ("+7 495 123 45 67 ext 123", "+74951234567 доб. 123", ()),
        ("+7 495 123 45 67 ext. 123", "+74951234567 доб. 123", ()),
        ("+7 495 123 45 67 #123", "+74951234567 доб. 123", ()),
        ("8 495 123 45 67, доб. 12", "+74951234567 доб. 12", ()),
        ("+74951234567 доб. 123", "+74951234567 доб. 123", ()),
        ("8 (916) 123-45-67, 8-903-111-22-33", "+79161234567", ("+79031112233",)),
        ("8 916 123 45 67; 8 903 111 22 33", "+79161234567", ("+79031112233",)),
        ("8 916 123 45 67 / 8 903 111 22 33", "+79161234567", ("+79031112233",)),
        ("8 916 123 45 67\n8 903 111 22 33", "+79161234567", ("+79031112233",)),
        ("8 916 123 45 67 или 8 903 111 22 33", "+79161234567", ("+79031112233",)),
        ("8 916 123 45 67 и +44 20 7946 0958", "+79161234567", ("+442079460958",)),
        (
            "8 916 123 45 67, 8 903 111 22 33, 8 495 123 45 67",
            "+79161234567",
            ("+79031112233", "+74951234567"),
        ),
    ],
)
def test_phone(raw: str, expected: str, extras: tuple[str, ...]) -> None:
    assert run("phone", raw) == Outcome(expected, extras=extras)


def test_phone_uses_the_context_region() -> None:
    assert run("phone", "030 1234567", TransformContext(region="DE")) == Outcome("+49301234567")
    assert run("phone", "+7 916 123 45 67", TransformContext(region="US")) == Outcome("+79161234567")


@pytest.mark.parametrize(
    "raw",
    [
        "123",
        "8 (000) 000-00-00",  # possible length, but no such range; must not become +800 freephone
        "+7 000 000 00 00",
        "не звонить",
        "8 916 123 45 67, 123",  # one bad part fails the cell
        "8 916 123 45 67; abc",
        "доб. 123",
    ],
)
def test_phone_fails(raw: str) -> None:
    assert run("phone", raw) == Outcome(raw, ok=False)


# --- email ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected", "extras"),
    [
        ("ivan@mail.ru", "ivan@mail.ru", ()),
        ("  Ivan.Petrov@Example.RU ", "Ivan.Petrov@example.ru", ()),
        ("mailto:ivan@mail.ru", "ivan@mail.ru", ()),
        ("MAILTO:ivan@mail.ru?subject=hi", "ivan@mail.ru", ()),
        ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk", ()),
        ("иван@почта.рф", "иван@почта.рф", ()),
        ("Иван@ПОЧТА.РФ", "Иван@почта.рф", ()),
        ("user@XN--80A1ACNY.XN--P1AI", "user@xn--80a1acny.xn--p1ai", ()),
        ("a@b.ru, c@d.ru; e@f.com", "a@b.ru", ("c@d.ru", "e@f.com")),
        ("a@b.ru c@d.ru", "a@b.ru", ("c@d.ru",)),
        ("a@b.ru\nc@D.RU", "a@b.ru", ("c@d.ru",)),
    ],
)
def test_email(raw: str, expected: str, extras: tuple[str, ...]) -> None:
    assert run("email", raw) == Outcome(expected, extras=extras)


@pytest.mark.parametrize(
    "raw",
    [
        "ivan",
        "a@b",
        "a@b.c",
        "a@@b.ru",
        "a..b@c.ru",
        ".a@b.ru",
        "a@-b.ru",
        "a@b..ru",
        "a@1.23",
        "a@b.ru, нет",
        "a b@c.ru",
    ],
)
def test_email_fails(raw: str) -> None:
    assert run("email", raw) == Outcome(raw, ok=False)


# --- date / datetime --------------------------------------------------------------------------------

DATE_CASES = [
    ("01.05.2024", "01.05.2024", "01.05.2024 00:00"),
    ("1.5.2024", "01.05.2024", "01.05.2024 00:00"),
    ("01.05.24", "01.05.2024", "01.05.2024 00:00"),
    ("01.05.69", "01.05.2069", "01.05.2069 00:00"),
    ("01.05.70", "01.05.1970", "01.05.1970 00:00"),
    ("01/02/2024", "01.02.2024", "01.02.2024 00:00"),
    ("01-02-2024", "01.02.2024", "01.02.2024 00:00"),
    ("2024-05-01", "01.05.2024", "01.05.2024 00:00"),
    ("2024/05/01", "01.05.2024", "01.05.2024 00:00"),
    ("2024-05-01T10:30:00+03:00", "01.05.2024", "01.05.2024 10:30"),
    ("2024-05-01T10:30:00-05:00", "01.05.2024", "01.05.2024 10:30"),  # wall clock kept, no conversion
    ("2024-05-01T10:30:00.123Z", "01.05.2024", "01.05.2024 10:30"),
    ("2024-05-01 10:30:00", "01.05.2024", "01.05.2024 10:30"),
    ("01.05.2024 10:30", "01.05.2024", "01.05.2024 10:30"),
    ("01.05.2024 10:30:59", "01.05.2024", "01.05.2024 10:30"),
    ("01.05.2024, 9:05", "01.05.2024", "01.05.2024 09:05"),
    ("1 мая 2024", "01.05.2024", "01.05.2024 00:00"),
    ("01 января 2024 г.", "01.01.2024", "01.01.2024 00:00"),
    ("3 сент. 2024 года", "03.09.2024", "03.09.2024 00:00"),
    ("1 Мая 2024 г. в 10:30", "01.05.2024", "01.05.2024 10:30"),
    ("May 1, 2024", "01.05.2024", "01.05.2024 00:00"),
    ("1 May 2024", "01.05.2024", "01.05.2024 00:00"),
    ("Jan 5th 2024", "05.01.2024", "05.01.2024 00:00"),
    ("May 1, 2024 10:30 PM", "01.05.2024", "01.05.2024 22:30"),
    ("May 1, 2024 12:15 am", "01.05.2024", "01.05.2024 00:15"),
    ("45413", "01.05.2024", "01.05.2024 00:00"),
    ("45413.4375", "01.05.2024", "01.05.2024 10:30"),
    ("45413,5", "01.05.2024", "01.05.2024 12:00"),
    ("29.02.2024", "29.02.2024", "29.02.2024 00:00"),
]


@pytest.mark.parametrize(("raw", "as_date", "as_datetime"), DATE_CASES)
def test_date_and_datetime(raw: str, as_date: str, as_datetime: str) -> None:
    assert run("date", raw) == Outcome(as_date)
    assert run("datetime", raw) == Outcome(as_datetime)
    assert run("date", raw, TransformContext(with_time=True)) == Outcome(as_datetime)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("01/02/2024", "02.01.2024"),
        ("02/13/2024", "13.02.2024"),
        ("01-02-2024", "02.01.2024"),
        ("01.02.2024", "01.02.2024"),  # dots are always day-first: the importer's own format
        ("2024-02-01", "01.02.2024"),
    ],
)
def test_date_month_first(raw: str, expected: str) -> None:
    assert run("date", raw, TransformContext(dayfirst=False)) == Outcome(expected)


@pytest.mark.parametrize(
    "raw",
    [
        "31.02.2024",
        "29.02.2023",
        "02/13/2024",  # impossible day-first; not silently swapped
        "2024-13-01",
        "01.05.2024 25:00",
        "01.05.2024 10:61",
        "май 2024",  # no day
        "1 мая",  # no year
        "1 Foo 2024",
        "01.05.0224",  # implausible year
        "10000",  # below the Excel serial range
        "90000",
        "вчера",
        "13:45 PM 01.05.2024",
    ],
)
def test_date_fails(raw: str) -> None:
    assert run("date", raw) == Outcome(raw, ok=False)
    assert run("datetime", raw) == Outcome(raw, ok=False)


# --- registry ---------------------------------------------------------------------------------------


def test_registry_names() -> None:
    assert set(TRANSFORMS) == {
        "text",
        "number",
        "phone",
        "email",
        "date",
        "datetime",
        "html",
        "checkbox",
        "url",
        "name",
    }
    assert get_transform("phone") is TRANSFORMS["phone"]


def test_unknown_transform_lists_known_names() -> None:
    with pytest.raises(
        ValueError, match="known transforms: checkbox, date, datetime, email, html, name, number, phone, text, url"
    ):
        get_transform("telephone")
    with pytest.raises(ValueError):
        apply_transform(pd.Series(["x"]), "telephone")


# --- apply_transform --------------------------------------------------------------------------------


def test_apply_transform_calls_once_per_distinct_value(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    original = TRANSFORMS["phone"]

    def counting(text: str, ctx: TransformContext) -> Outcome:
        seen.append(text)
        return original(text, ctx)

    monkeypatch.setitem(transforms.TRANSFORMS, "phone", counting)
    pool = ["8 916 123 45 67", "+7 903 111 22 33", "bad", "8 495 123 45 67"]
    series = pd.Series([pool[i % len(pool)] for i in range(10_000)])
    result = apply_transform(series, "phone")
    assert sorted(seen) == sorted(pool)  # each distinct value exactly once
    assert result.values.iloc[:4].tolist() == ["+79161234567", "+79031112233", "bad", "+74951234567"]
    assert int(result.failed.sum()) == 2500


def test_apply_transform_keeps_index_order_and_reports() -> None:
    series = pd.Series(
        ["1 500,50", "", "abc", "1 500,50", "  ", "7"],
        index=[40, 10, 30, 20, 0, 5],
        name="Сумма",
        dtype="str",
    )
    result = apply_transform(series, "number", TransformContext(integer=True))
    assert isinstance(result, ColumnResult)
    for part in (result.values, result.failed, result.extras, result.rounded):
        assert part.index.equals(series.index)
    assert result.values.tolist() == ["1501", "", "abc", "1501", "", "7"]
    assert result.failed.tolist() == [False, False, True, False, False, False]
    assert result.rounded.tolist() == [True, False, False, True, False, False]
    assert result.extras.tolist() == [()] * 6
    assert result.failed.dtype == bool and result.rounded.dtype == bool


def test_apply_transform_extras_and_missing() -> None:
    series = pd.Series(["a@b.ru, c@d.ru", None, "e@f.ru", "a@b.ru, c@d.ru"], dtype=object)
    result = apply_transform(series, "email")
    assert result.values.tolist() == ["a@b.ru", "", "e@f.ru", "a@b.ru"]
    assert result.extras.tolist() == [("c@d.ru",), (), (), ("c@d.ru",)]
    assert not result.failed.any()


def test_apply_transform_empty_series() -> None:
    result = apply_transform(pd.Series([], dtype="str"), "date")
    assert len(result.values) == len(result.failed) == len(result.extras) == len(result.rounded) == 0


_CELL_POOL = ["8 916 123 45 67", "", " ", "abc", "1 500,5", "12.05.2024", "да", "a@B.ru, c@d.ru", "x@@y", None,
              "ООО «Ромашка»", "http://x.ru", "Иванов Иван", "+1"]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(TRANSFORMS)), cells=st.lists(st.sampled_from(_CELL_POOL), max_size=15))
def test_apply_transform_gives_each_row_its_own_cells_outcome(name: str, cells: list[str | None]) -> None:
    """Outcomes are computed per distinct value and broadcast to the rows: every row must read exactly the
    outcome of its own cell (a missing cell as a blank one), in dtypes str, bool, object, bool."""
    series = pd.Series(cells, index=range(7, 7 + len(cells)), dtype=object, name=f"{name}-column")
    result = apply_transform(series, name)
    assert (result.values.dtype, result.failed.dtype, result.rounded.dtype) == ("str", bool, bool)
    for k, cell in enumerate(cells):
        text = "" if cell is None else cell  # a blank cell is an empty, valid value (`_outcome`)
        expected = transforms._outcome(get_transform(name), text, CTX, transforms.PARSE_MAX.get(name))
        got = (result.values.iloc[k], not result.failed.iloc[k], result.extras.iloc[k], result.rounded.iloc[k])
        assert got == (expected.value, expected.ok, expected.extras, expected.rounded), (cell, got, expected)


# --- properties -------------------------------------------------------------------------------------


def assert_idempotent(name: str, raw: str, ctx: TransformContext = CTX) -> Outcome:
    first = run(name, raw, ctx)
    if first.ok and first.value:
        again = run(name, first.value, ctx)
        assert again.ok and again.value == first.value, (raw, first, again)
        for extra in first.extras:
            assert run(name, extra, ctx) == Outcome(extra)
    return first


@FAST
@given(st.text())
def test_text_idempotent(raw: str) -> None:
    assert_idempotent("text", raw)


@st.composite
def written_numbers(draw: st.DrawFn) -> str:
    """A decimal written the ways people write them (grouping, comma/dot, currency, sign)."""
    whole = draw(st.integers(min_value=0, max_value=10**20))
    frac = draw(st.sampled_from(["", "0", "5", "50", "05", "123", "99999"]))
    group = draw(st.sampled_from(["", " ", "\u00a0", "\u202f", ".", ","]))
    mark = draw(st.sampled_from([",", "."]))
    if group and group == mark:
        mark = "," if mark == "." else "."
    digits = f"{whole:,}".replace(",", group) if group else str(whole)
    text = digits + (mark + frac if frac else "")
    sign = draw(st.sampled_from(["", "-"]))
    return draw(st.sampled_from(["{}", "{} руб.", "{} ₽", "${}", "{}%", "{} USD"])).format(sign + text)


@FAST
@given(written_numbers(), st.booleans())
def test_number_idempotent_and_exact(raw: str, integer: bool) -> None:
    outcome = assert_idempotent("number", raw, TransformContext(integer=integer))
    assert outcome.ok, raw


@FAST
@given(st.text(alphabet="0123456789 .,-−$₽%руб\u00a0", max_size=14), st.booleans())
def test_number_idempotent_on_noise(raw: str, integer: bool) -> None:
    assert_idempotent("number", raw, TransformContext(integer=integer))


@st.composite
def russian_mobiles(draw: st.DrawFn) -> str:
    """A valid Russian mobile number written in one of the usual ways."""
    code = draw(st.sampled_from(["903", "905", "909", "915", "916", "925", "926", "977", "985", "999"]))
    rest = draw(st.from_regex(r"\A[0-9]{7}\Z"))
    number = phonenumbers.parse(f"+7{code}{rest}")
    if not phonenumbers.is_valid_number(number):  # pragma: no cover - all drawn ranges are mobile
        return "+79161234567"
    layout = draw(
        st.sampled_from(
            [
                "8 ({c}) {a}-{b}-{d}",
                "+7 {c} {a} {b} {d}",
                "7{c}{a}{b}{d}",
                "{c}{a}{b}{d}",
                "8-{c}-{a}-{b}-{d}",
            ]
        )
    )
    return layout.format(c=code, a=rest[:3], b=rest[3:5], d=rest[5:])


@FAST
@given(st.lists(russian_mobiles(), min_size=1, max_size=3), st.sampled_from([", ", "; ", "\n", " или "]))
def test_phone_idempotent(numbers: list[str], sep: str) -> None:
    outcome = assert_idempotent("phone", sep.join(numbers))
    assert outcome.ok and len(outcome.extras) == len(numbers) - 1
    assert outcome.value.startswith("+79") and len(outcome.value) == 12


@FAST
@given(st.emails())
def test_email_idempotent(raw: str) -> None:
    outcome = assert_idempotent("email", raw)
    assert outcome.ok, raw
    assert outcome.value.rsplit("@", 1)[0] == raw.rsplit("@", 1)[0]  # the local part keeps its case


@FAST
@given(
    st.dates(min_value=date(1800, 1, 1), max_value=date(2199, 12, 31)),
    st.sampled_from(
        ["%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d %B %Y", "%B %d, %Y", "%d.%m.%Y 10:30", "%Y-%m-%dT08:05:00Z"]
    ),
    st.booleans(),
    st.booleans(),
)
def test_date_idempotent(day: date, layout: str, dayfirst: bool, with_time: bool) -> None:
    if "/" in layout and not dayfirst:
        layout = "%m/%d/%Y"
    ctx = TransformContext(dayfirst=dayfirst, with_time=with_time)
    outcome = assert_idempotent("date", datetime.combine(day, datetime.min.time()).strftime(layout), ctx)
    assert outcome.value[:10] == day.strftime("%d.%m.%Y")
    assert_idempotent("datetime", outcome.value, ctx)


@FAST
@given(st.text(alphabet="0123456789./- :TZ+мая", max_size=22))
def test_date_idempotent_on_noise(raw: str) -> None:
    assert_idempotent("date", raw)
    assert_idempotent("datetime", raw)


CELLS = st.one_of(
    st.sampled_from(["8 916 123 45 67", "", "  ", "bad", "1 500,5", "a@b.ru", "01.05.2024"]),
    st.text(max_size=8),
)


@FAST
@given(st.lists(CELLS, max_size=40), st.sampled_from(sorted(TRANSFORMS)), st.randoms())
def test_apply_transform_keeps_every_row_in_place(cells: list[str], name: str, rnd) -> None:
    index = list(range(len(cells)))
    rnd.shuffle(index)
    series = pd.Series(cells, index=index, dtype="str")
    result = apply_transform(series, name)
    fn = get_transform(name)
    expected = [Outcome("") if not c.strip() else fn(c, CTX) for c in cells]
    for part in (result.values, result.failed, result.extras, result.rounded):
        assert part.index.tolist() == index
    assert result.values.tolist() == [o.value for o in expected]
    assert result.failed.tolist() == [not o.ok for o in expected]
    assert result.extras.tolist() == [o.extras for o in expected]
    assert result.rounded.tolist() == [o.rounded for o in expected]


def test_phone_fast_path_reads_every_shape_as_the_full_parser_does() -> None:
    """The fast path may decline (None) but never disagree with phonenumbers.parse."""
    import random

    import phonenumbers

    from migrate.quality.transforms import values as T

    def full(text: str, region: str):
        saved, T._fast_phone = T._fast_phone, lambda t, r: None
        try:
            return T._parse_phone(text, region)
        finally:
            T._fast_phone = saved

    rng = random.Random(3)
    shapes = ["{p}{a}{b}{c}", "+7 ({a}) {b}-{c}", "8 ({a}) {b}-{c}", "7{a}{b}{c}", "{a}{b}{c}", "+{a}{b}{c}",
              "+44 {a} {b} {c}", "00{a}{b}{c}", "{a} {b} {c}"]  # fmt: skip
    accepted = 0
    for _ in range(600):
        a, b, c = (str(rng.randrange(10**n)).zfill(n) for n in (3, 3, 4))
        text = rng.choice(shapes).format(p=rng.choice(["", "8", "7", "+7"]), a=a, b=b, c=c)
        for region in ("RU", "KZ", "US", "DE"):
            fast = T._fast_phone(text, region)
            if fast is not None:
                accepted += 1
                slow = full(text, region)
                assert slow is not None and phonenumbers.format_number(fast, 0) == phonenumbers.format_number(slow, 0)
    assert accepted > 300


def test_clean_spaces_quick_check_agrees_with_the_regular_expressions() -> None:
    """The shortcut for already-clean text never skips a change the full cleaning would make."""
    import random
    import re

    from migrate.quality.transforms.base import ZERO_WIDTH, clean_spaces

    alphabet = ["a", "Я", " ", "  ", "\xa0", "\t", "\n", "\u200b", "\ufeff", "\u2009", "\u3000", "\x1f", "\x85",
                "1", "-"]
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 8)))
        assert clean_spaces(text) == re.sub(r"\s+", " ", ZERO_WIDTH.sub("", text)).strip(), repr(text)
