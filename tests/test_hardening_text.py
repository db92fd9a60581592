"""Cell text and user files cannot hang or flood a run (issue 12, items 7 and 8).

Three phone cells of 100,000 spaces took 6 minutes (a `\\s*(?:…)\\s*` split), three e-mail cells of
100,000 `a` took 55 s (a findall that restarted inside every run); a 430-byte profile of nested YAML aliases
printed 312 MB. Every regex applied to cell text is now linear and over-long cells are not parsed at all;
aliases are refused; messages quote at most a few hundred characters of a value.
"""

import signal
import time
from contextlib import contextmanager

import pandas as pd
import pytest
from click.testing import CliRunner

from migrate.cli.main import cli
from migrate.core.issues import IssueCode, ProfileError, make_issue
from migrate.core.jsonschema_errors import collect_errors
from migrate.core.profile import load_profile
from migrate.quality import duplicates
from migrate.quality.transforms import TRANSFORMS, TransformContext, apply_transform
from migrate.sources.header import frame_from_grid

BOUND_S = 5.0  # generous: linear code does each of these in milliseconds to a few hundred ms

N = 1_000_000
PATHOLOGICAL = {
    "spaces": "1" + " " * N + "1", "tabs": "\t" * N + "x", "newlines": "\n" * N + "x", "letters": "a" * N,
    "digits": "1" * N + "x", "digit-space": "1 " * (N // 2), "ext-words": "доб" + " " * N, "x-ext": "1 x" * (N // 3),
    "or-words": "или " * (N // 4), "at-signs": "a@" * (N // 2), "dots": "a." * (N // 2), "tags": "<b " * (N // 3),
    "angles": "<" * N, "brackets": "[" * N, "commas": ", " * (N // 2), "dashes": "-" * N,
}  # fmt: skip


@contextmanager
def within(seconds):
    """Fail (not hang) when the block runs longer than `seconds`."""

    def expired(*_):
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.perf_counter()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert time.perf_counter() - start < seconds


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_every_transform_gets_through_1mb_pathological_cells_fast(name):
    column = pd.Series(list(PATHOLOGICAL.values()) * 3, dtype=object)  # three of each, as in the repro
    with within(BOUND_S):
        result = apply_transform(column, name)
    assert len(result.values) == len(column)
    if name not in ("text", "html", "raw"):
        assert result.failed.all()  # longer than the type can hold: reported, never parsed


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
def test_every_transform_called_directly_is_linear_on_100k_cells(name):
    fn = TRANSFORMS[name]
    with within(BOUND_S):
        for cell in PATHOLOGICAL.values():
            fn(cell[:100_000], TransformContext())


def test_over_long_typed_cells_are_reported_as_invalid_values_and_short_ones_still_parse():
    result = apply_transform(pd.Series(["+7 916 123-45-67", "+7 916 123-45-67" + " " * 1000]), "phone")
    assert result.values.tolist()[0] == "+79161234567" and result.failed.tolist() == [False, True]


def test_duplicate_keys_are_found_in_linear_time_on_long_cells():
    with within(BOUND_S):
        for _ in range(3):
            assert duplicates._emails("a" * 100_000) == []
            duplicates._phones("+" + "1" * 100_000 + " доб. ")
            duplicates._inns("1" * 100_000)
    assert duplicates._emails("Ivan@Example.ru, b@c.ru;x") == ["ivan@example.ru", "b@c.ru"]


def test_header_detection_is_linear_on_long_numeric_looking_cells():
    rows = [["Имя", "Телефон"]] + [["1" * 100_000 + "x", "2" * 100_000]] * 3
    with within(BOUND_S):
        grid = frame_from_grid(rows, where="'t'")
    assert grid.header_row == 1


ALIAS_BOMB = "\n".join(
    ['a: &a ["xxxxxxxxxx","xxxxxxxxxx","xxxxxxxxxx","xxxxxxxxxx","xxxxxxxxxx","xxxxxxxxxx","xxxxxxxxxx"]']
    + [f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]" for p, c in zip("abcdefgh", "bcdefghi", strict=True)]
    + ["version: *i"]
)


def test_a_yaml_alias_bomb_profile_is_refused_at_the_alias_in_a_short_message(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(ALIAS_BOMB, encoding="utf-8")
    assert len(ALIAS_BOMB) < 600
    with within(BOUND_S), pytest.raises(ProfileError, match=r"line 2, column 8: YAML aliases \(\*a\)"):
        load_profile(bomb)
    src = tmp_path / "s.csv"
    src.write_text("Сделка;Телефон\nA;1\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(src), "-p", str(bomb)])
    assert result.exit_code == 2 and len(result.output) < 1000 and "aliases" in result.output


def test_messages_quote_a_few_hundred_characters_of_a_value_at_most():
    issue = make_issue(IssueCode.BAD_PHONE, row=2, column="Телефон", value="9" * 1_000_000)
    assert len(issue.message) < 500 and "1,000,000 characters" in issue.message
    assert len(issue.value) == 1_000_000  # the cell itself is kept whole for the rejects file
    errors = collect_errors({"a": "z" * 100_000}, {"type": "object", "properties": {"a": {"type": "integer"}}})
    assert len(errors) == 1 and len(errors[0]) < 400
