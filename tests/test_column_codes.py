"""A block's source columns factorized once (`core.column_codes`): every step that reads the shared codes
answers exactly as it does alone, on columns drawn with blanks, whitespace, totals words, repeats and
missing cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.core.blank import blank_cells
from migrate.core.column_codes import factorized, shared_codes
from migrate.core.issues import IssueCode
from migrate.core.summary_rows import summary_rows
from migrate.quality.resolve import Verdict, broadcast
from migrate.quality.transforms import apply_transform

_CELLS = st.one_of(
    st.sampled_from(["", " ", "\u00a0", "\t \n", "Итого", "  итого: ", "Total", "Всего по отделу", "1 200,50",
                     "+7 916 123-45-67", "8 (495) 000-00-01", "0089893760", "ООО «Ромашка»", "ООО  «Ромашка» "]),
    st.text(alphabet="аб 1+\u00a0\u200b-", max_size=6),
)  # fmt: skip
_COLUMN = st.lists(_CELLS, min_size=1, max_size=25)


def _frame(columns: list[list[str]], missing: list[int]) -> pd.DataFrame:
    """A source block's frame: `str` columns, a physical row number per row, a missing cell where asked."""
    rows = min(map(len, columns))
    data = {}
    for k, cells in enumerate(columns):
        values: list[str | None] = list(cells[:rows])
        if k in missing:
            values[len(values) // 2] = None
        data[f"Колонка {k}"] = pd.Series(values, dtype=str)
    frame = pd.DataFrame(data)
    frame.index = pd.Index(range(2, rows + 2), dtype="int64")
    return frame


@settings(max_examples=150, deadline=None)
@given(columns=st.lists(_COLUMN, min_size=2, max_size=4), missing=st.lists(st.integers(0, 3), max_size=2))
def test_steps_reading_shared_codes_answer_as_they_do_alone(columns: list[list[str]], missing: list[int]) -> None:
    frame = _frame(columns, missing)

    def decide(value: str) -> Verdict:  # an unknown option for some values: their rows get issues
        return Verdict(value.strip().upper(), IssueCode.UNKNOWN_PIPELINE if "О" in value else None)

    def answers() -> list[object]:
        out: list[object] = [summary_rows(frame)]
        for name in frame.columns:
            column = frame[name]
            out.append(blank_cells(column))
            for kind in ("text", "phone", "number"):
                done = apply_transform(column, kind)
                out += [done.values, done.failed, done.extras, done.rounded]
            out += broadcast(column.fillna("") if column.hasnans else column, decide, column=name, field=name)
        return out

    alone = answers()
    with shared_codes():
        shared = answers()
        for name in frame.columns:
            column = frame[name]
            got = factorized(column)
            if column.hasnans:
                assert got is None  # a column with a missing cell is never shared
            else:
                codes, values = pd.factorize(column, use_na_sentinel=False)
                assert got is not None
                assert np.array_equal(got[0], codes) and got[1] == list(values)
    assert len(alone) == len(shared)
    for a, b in zip(alone, shared, strict=True):
        if isinstance(a, pd.Series):
            pd.testing.assert_series_equal(a, b)
        elif isinstance(a, np.ndarray):
            assert np.array_equal(a, b)
        else:
            assert a == b


def test_a_column_is_remembered_only_within_the_scope_and_by_its_own_array() -> None:
    frame = pd.DataFrame({"Телефон": pd.Series(["1", "2", "1"], dtype=str), "Имя": ["а", "б", "а"]})
    assert factorized(frame["Телефон"]) is None  # no scope: nothing is remembered
    with shared_codes():
        first = factorized(frame["Телефон"])
        assert first is not None and first[1] == ["1", "2"] and first[0].tolist() == [0, 1, 0]
        with shared_codes():  # an inner scope shares the outer's columns
            assert factorized(frame["Телефон"])[0] is first[0]  # type: ignore[index]
        assert factorized(frame["Телефон"])[0] is first[0]  # type: ignore[index]  # and leaves them to it
        assert factorized(frame["Имя"].astype(object)) is None  # an object column: nothing to know it by
        copy = frame["Телефон"].copy()
        assert factorized(copy)[0] is not first[0]  # type: ignore[index]  # another array: factorized apart
    assert factorized(frame["Телефон"]) is None
