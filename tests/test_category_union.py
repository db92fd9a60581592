"""core.category_union: a block pass's key columns joined end to end, equal to `union_categoricals`."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.api.types import union_categoricals

from migrate.core.category_union import joined

_CELLS = st.lists(st.one_of(st.sampled_from(["", "Ромашка", "+79161234567", "a@b.ru", "ООО «Вектор»"]),
                            st.text(max_size=3), st.none()), max_size=12)  # fmt: skip


def _block(cells: list[str | None], dtype: str | None) -> pd.Categorical:
    # as a block keeps a key column: categories in order of first appearance (block_workers.as_categories),
    # their dtype inferred, or one for every block (a block whose cells are all missing has no categories)
    codes, uniques = pd.factorize(pd.Series(cells, dtype=object))
    categories = pd.Index(uniques).infer_objects() if dtype is None else pd.Index(uniques, dtype=dtype)
    return pd.Categorical.from_codes(codes, categories=categories)


@settings(max_examples=400, deadline=None)
@given(blocks=st.lists(_CELLS, min_size=1, max_size=6), dtype=st.sampled_from([None, "str", "object"]))
def test_blocks_joined_are_what_union_categoricals_gives(blocks: list[list[str | None]], dtype: str | None) -> None:
    arrays = [_block(cells, dtype) for cells in blocks]
    try:
        expected = union_categoricals(arrays)
    except TypeError:  # categories of different dtypes (an all-missing block): refused as before
        with pytest.raises(TypeError):
            joined(arrays)
        return
    got = joined(arrays)
    assert got.categories.equals(expected.categories) and got.categories.dtype == expected.categories.dtype
    assert got.codes.tolist() == expected.codes.tolist() and got.codes.dtype == expected.codes.dtype
    assert pd.Series(got).equals(pd.Series(expected))  # the values, missing cells in the same places
