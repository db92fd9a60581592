"""The block reader gives, block after block, the table the whole reader gives: the same cells, row numbers,
columns and skipped empty rows, for CSV files written the way exports and hand edits write them (quoted
separators and line breaks in cells, short rows, blank and whitespace rows, Cyrillic, CRLF or LF)."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migrate.sources import read_table
from migrate.sources.blocks import NotStreamable, csv_blocks

HEADER = ["Название", "Телефон", "Email", "Комментарий"]
_CELL = st.one_of(
    st.text(alphabet=st.sampled_from(list('ab ж;"\n\r\t0+=')), max_size=6),
    st.sampled_from(["", " ", "ООО «Ромашка»", "+7 916 123-45-67", "a@b.ru", "строка\r\nвторая", "x;y"]),
)
_ROW = st.one_of(
    st.lists(_CELL, min_size=4, max_size=4),
    st.lists(_CELL, min_size=1, max_size=3),  # a short row: read as padded
    st.just([]), st.just(["", "", "", ""]), st.just(["  ", "\t", "", ""]),  # empty and blank rows
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_ROW, min_size=1, max_size=40), st.sampled_from(["\r\n", "\n"]), st.integers(1, 9))
def test_blocks_of_any_size_join_to_the_whole_table(tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]],
                                                    newline: str, size: int) -> None:  # fmt: skip
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator=newline)
    writer.writerow(HEADER)
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("blocks") / "file.csv"
    path.write_text(text.getvalue(), encoding="utf-8", newline="")
    try:
        whole = read_table(path)
    except Exception:  # noqa: BLE001 - a file the whole reader refuses (no data rows) is not compared
        return
    try:
        stream = csv_blocks(path, rows=size)
        parts = [b.frame for b in stream.blocks]
    except NotStreamable:
        return
    joined = pd.concat(parts) if parts else whole.frame.iloc[:0]
    assert list(joined.columns) == list(whole.frame.columns)
    assert joined.index.tolist() == whole.frame.index.tolist()
    assert joined.astype(object).values.tolist() == whole.frame.astype(object).values.tolist()
    assert stream.head.empty_rows == whole.empty_rows
    assert all(len(p) <= size for p in parts)
