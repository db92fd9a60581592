"""The transforms' memo across calls: what a block pass and a notebook re-run gain, bounded.

A million-row file is transformed a block at a time; a company written in every block should be read once,
while deal names, e-mails and phones (nearly all distinct) must neither grow the memo nor push the
repeated values out of it.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest

from migrate.quality import transforms as t


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> Counter:
    calls: Counter = Counter()
    real = t.TRANSFORMS["text"]

    def text(value: str, ctx: t.TransformContext) -> t.Outcome:
        calls[value] += 1
        return real(value, ctx)

    monkeypatch.setitem(t.TRANSFORMS, "text", text)
    monkeypatch.setattr(t, "_MEMO", {})
    monkeypatch.setattr(t, "MEMO_LIMIT", 1000)
    return calls


def test_repeated_values_are_read_once_across_blocks_and_distinct_ones_stop_being_remembered(counting) -> None:
    firms = [f"  ООО  Фирма {i} " for i in range(200)]
    for block in range(6):
        deals = pd.Series([f"Сделка  {block}-{i}" for i in range(300)], name="Сделка")
        company = pd.Series([firms[(i * 7 + block) % 200] for i in range(300)], name="Компания")
        for series in (deals, company):
            got = t.apply_transform(series, "text")
            assert got.values.tolist() == [" ".join(v.split()) for v in series]
            assert not got.failed.any()
    assert {counting[f] for f in firms} == {1}  # each company read once, in six blocks
    assert all(counting[f"Сделка  {b}-{i}"] == 1 for b in range(6) for i in range(300))
    memos = {key[2]: memo for key, memo in t._MEMO.items()}
    assert memos["Сделка"] is None and len(memos["Компания"]) == 200


def test_the_memo_stays_under_its_bound_by_forgetting_the_largest_columns(counting) -> None:
    for block in range(4):
        for name in ("a", "b", "c"):
            t.apply_transform(pd.Series([f"{name}{block}-{i}" for i in range(450)], name=name), "text")
        t.apply_transform(pd.Series(["Москва", "Тверь"] * 50, name="Город"), "text")
        held = sum(len(m) for m in t._MEMO.values() if m is not None)
        assert held <= t.MEMO_LIMIT
    assert counting["Москва"] == 1  # the small repeated column kept its memo throughout
