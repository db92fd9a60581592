"""The import CSV's lines are the same whoever formats them: a worker's block, the whole table, any split.

`csv_rows` is what block workers send and what `write_csv` writes a slice at a time; read back with the
csv module, every cell is the `csv_cell` text of the value (formulas neutralised, control characters
out), quotes, semicolons and line breaks inside cells included.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.sinks.csvout import csv_cell, csv_rows, write_csv

_TEXT = st.one_of(
    st.text(alphabet=st.sampled_from(list('ab ;"\r\n=+-@\t\x00\x07Ёж0123456789,.')), max_size=12),
    st.sampled_from(["", "=SUM(A1:A2)", "+7 916 123-45-67", "0012345678", '"quoted"', "a;b", "line\r\nbreak"]),
    st.none(),
    st.just(float("nan")),
)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 4).flatmap(lambda width: st.lists(st.lists(_TEXT, min_size=width, max_size=width),
                                                        max_size=25).map(lambda rows: (width, rows))),  # fmt: skip
       st.lists(st.integers(0, 25), max_size=4))
def test_lines_of_any_split_join_to_the_whole_and_read_back_as_the_cells(table, cuts) -> None:  # noqa: ANN001
    width, rows = table
    frame = pd.DataFrame(rows, columns=[f"c{i}" for i in range(width)], dtype=object)
    if not width:
        frame = pd.DataFrame(index=range(len(rows)))
    whole = csv_rows(frame)
    bounds = sorted({0, len(frame), *(c for c in cuts if c <= len(frame))})
    assert "".join(csv_rows(frame.iloc[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)) == whole
    reference = io.StringIO()  # the writer the whole-table export used before blocks were formatted apart
    writer = csv.writer(reference, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerows([[csv_cell(v) for v in row] for row in frame.itertuples(index=False)])
    assert whole == reference.getvalue()
    back = list(csv.reader(io.StringIO(whole, newline=""), delimiter=";"))
    assert back == [[csv_cell(v) for v in row] for row in frame.itertuples(index=False)]
    assert not any(cell.startswith(("=", "@")) for line in back for cell in line)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet=st.sampled_from(list("ab \n\r\t=+-@\x00\x1fЁж09,.")), max_size=8),
                          st.sampled_from(["ООО Ромашка", "a@b.ru", "+7 916", "x\n=1", "-1500", ""])),
                max_size=30))
def test_a_column_of_text_is_written_as_each_cell_alone_would_be(cells: list[str]) -> None:
    """A column of text takes the joined-scan path (no call per cell); it must give `csv_cell` of each cell,
    a cell whose line feed is followed by a trigger, a control character or a leading `=` anywhere in it."""
    from migrate.sinks.csvout import _cells

    assert _cells(np.array(cells, dtype=object)) == [csv_cell(c) for c in cells]


def test_the_whole_table_file_is_written_a_slice_at_a_time_in_the_same_bytes(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    frame = pd.DataFrame({"Телефон": ["+79161234567", "=1+1", None], "ИНН": ["0012345678", "", np.nan]})
    one = write_csv(frame, tmp_path / "one.csv").read_bytes()
    monkeypatch.setattr("migrate.sinks.csvout.ROWS_AT_ONCE", 1)
    assert write_csv(frame, tmp_path / "sliced.csv").read_bytes() == one
    assert one.startswith(b'\xef\xbb\xbf"\xd0\xa2') and b'"\'=1+1"' in one and b'"0012345678"' in one
