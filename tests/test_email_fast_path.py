"""`transform_email` decides the common cell (one address in canonical form) with one match; every other
cell takes the full path (`email_full_path`). The two must agree on every text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.quality.transforms.base import Outcome, TransformContext
from migrate.quality.transforms.values import email_full_path as _full_path
from migrate.quality.transforms.values import transform_email

_LOCAL = st.text(alphabet="abcXYZ09._-+?!'ёЖ\u200b", min_size=1, max_size=70)
_DOMAIN = st.sampled_from(
    ["example.ru", "Example.RU", "почта.рф", "ПОЧТА.РФ", "xn--80a.xn--p1ai", "a-b.co.uk", "x", "-a.ru"]
)
_CELLS = st.one_of(
    st.builds(lambda local, domain: f"{local}@{domain}", _LOCAL, _DOMAIN),
    st.builds(lambda a, b, sep: f"{a}{sep}{b}", _LOCAL, _DOMAIN, st.sampled_from(["@", "@@", ", ", "; ", " "])),
    st.builds(lambda local, domain: f"mailto:{local}@{domain}?subject=x", _LOCAL, _DOMAIN),
    st.text(max_size=40),
)


@settings(max_examples=600)
@given(_CELLS)
def test_the_one_match_path_agrees_with_the_full_path(text: str) -> None:
    assert transform_email(text, TransformContext()) == _full_path(text)


def test_canonical_and_non_canonical_addresses() -> None:
    ctx = TransformContext()
    assert transform_email("ivan.petrov@example.ru", ctx) == Outcome("ivan.petrov@example.ru")
    assert transform_email("Ivan@Example.RU", ctx) == Outcome("Ivan@example.ru")
    assert transform_email("a?b@example.ru", ctx) == _full_path("a?b@example.ru")
    assert transform_email(("x" * 65) + "@example.ru", ctx).ok is False
