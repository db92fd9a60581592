"""core.distinct: the sorted distinct values of an integer array, equal to `np.unique`'s."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from migrate.core.distinct import sorted_distinct


@settings(max_examples=300, deadline=None)
@given(values=st.one_of(
    hnp.arrays(st.sampled_from([np.int32, np.int64, np.uint64, np.int8]), st.integers(0, 60)),
    hnp.arrays(np.int64, st.integers(0, 60), elements=st.integers(-3, 3)),
    hnp.arrays(np.float64, st.integers(0, 20), elements=st.floats(allow_nan=False)),
))  # fmt: skip
def test_sorted_distinct_is_what_np_unique_gives_and_leaves_its_input(values: np.ndarray) -> None:
    before = values.copy()
    got, expected = sorted_distinct(values), np.unique(values)
    assert got.dtype == expected.dtype and np.array_equal(got, expected)
    assert np.array_equal(values, before)
