"""A block pass's key columns interned across blocks and joined by the codes the vocabulary recorded
(`migrate.core.key_vocab`)."""

from __future__ import annotations

import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from migrate.core.category_union import joined
from migrate.core.key_vocab import KeyVocab


def _block(cells: list[str | None], start: int, dtype: str = "str") -> pd.DataFrame:
    # each block's texts its own objects, as a worker's unpickled block has them
    fresh = ["".join(list(c)) if c is not None else None for c in cells]
    series = pd.Series(fresh, index=range(start, start + len(cells)), dtype=dtype)
    return pd.DataFrame({"Компания": series.astype("category")})


def test_key_texts_repeated_across_blocks_are_held_once_and_values_do_not_change() -> None:
    vocab = KeyVocab()
    names = ["ООО «Ромашка»", "ИП Иванов", "ООО «Ромашка»", None, "ИП Иванов", "АО «Вектор»"]
    blocks = [pd.DataFrame({"Компания": pd.Series(["".join(list(n)) if n else n for n in names],
                                                  index=range(k * 6, k * 6 + 6), dtype=object).astype("category"),
                            "Email": pd.Series([f"{k}.{n}@x.ru" for n in range(6)], index=range(k * 6, k * 6 + 6),
                                               dtype=object).astype("category")})
              for k in range(3)]  # fmt: skip
    before = [b.copy() for b in blocks]
    done = [vocab.interned(b) for b in blocks]
    for a, b in zip(done, before, strict=True):
        pd.testing.assert_frame_equal(a.astype(object), b.astype(object))
    first, last = done[0]["Компания"].cat.categories, done[2]["Компания"].cat.categories
    assert [id(t) for t in first] == [id(t) for t in last]  # one object per company text
    assert vocab._columns["Email"] is None  # no e-mail of the second block was in the first: dropped
    whole = vocab.joined(done)
    # in the order of first appearance, block after block (a block's own categories are sorted here)
    assert whole["Компания"].cat.categories.tolist() == ["АО «Вектор»", "ИП Иванов", "ООО «Ромашка»"]
    assert whole["Компания"].astype(object).where(whole["Компания"].notna(), None).tolist() == names * 3
    assert whole["Email"].astype(str).tolist() == [f"{k}.{n}@x.ru" for k in range(3) for n in range(6)]
    assert whole.index.tolist() == list(range(18))


_CELLS = st.lists(st.one_of(st.sampled_from(["", "a", "b", "ООО", "+7916", "c d", "\u00a0"]), st.none()), min_size=1,
                  max_size=9)


@settings(max_examples=200, deadline=None)
@given(st.lists(_CELLS, min_size=1, max_size=6), st.sampled_from(["str", "object"]), st.integers(0, 2))
def test_joining_by_the_recorded_codes_equals_joining_the_categories(blocks: list[list[str | None]], dtype: str,
                                                                     change: int) -> None:  # fmt: skip
    """Whatever the blocks (repeats, blanks, missing cells, empty blocks, object or str categories), the
    joined column equals `category_union.joined` of the interned blocks: categories in order of first
    appearance, their dtype, every code. Parts other than the ones interned (one replaced: `change` 1; one
    left out: 2) are joined the slow way, still right."""
    # pandas infers str categories from object texts but object ones from no text: blocks of a pass share
    # their dtype (`block_workers.as_categories`), and union_categoricals refuses a mix
    assume(dtype == "str" or all(any(c is not None for c in cells) for cells in blocks))
    vocab, start, parts = KeyVocab(), 0, []
    for cells in blocks:
        parts.append(vocab.interned(_block(cells, start, dtype), prefix="p:"))
        start += len(cells)
    if change == 1:
        parts[-1] = _block(list(reversed(blocks[-1])), start - len(blocks[-1]), dtype)
    elif change == 2 and len(parts) > 1:
        parts = parts[1:]
    got = vocab.joined(parts, prefix="p:")["Компания"].array
    want = joined([p["Компания"].array for p in parts])
    assert got.categories.dtype == want.categories.dtype
    assert got.categories.tolist() == want.categories.tolist()
    assert got.codes.tolist() == want.codes.tolist()
    cells = [c for p in parts for c in p["Компания"].astype(object).where(p["Компания"].notna(), None)]
    assert [None if pd.isna(c) else c for c in got.astype(object)] == cells


def test_joining_nothing_gives_an_empty_frame() -> None:
    assert KeyVocab().joined([]).empty
