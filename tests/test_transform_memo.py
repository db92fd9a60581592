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
    monkeypatch.setattr(t, "_SETTLED", {})
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


def test_settled_values_leave_the_block_they_came_from_and_read_the_same(counting) -> None:
    """`settle_memo` copies what a block left in the memo, so a worker keeps no page of a freed block for
    one remembered company: the copies are equal texts in new objects, an outcome that was its own cell
    stays one object with its key, and nothing is transformed again."""
    firms = pd.Series([f"ООО Фирма {i % 40}" for i in range(120)] + ["  ИП  Петров ", "", None], name="Компания")
    phones = pd.Series(["+7 916 123-45-67, 8 495 123 45 67", "8 (916) 000-00-01"] * 3, name="Телефон")
    before = {n: t.apply_transform(s, kind) for s, kind, n in ((firms, "text", "f"), (phones, "phone", "p"))}
    cells = {id(v) for v in list(firms) + list(phones) if isinstance(v, str) and len(v) > 1}  # "" is one object
    t.settle_memo()
    memos = {key[2]: memo for key, memo in t._MEMO.items()}
    for memo in (memos["Компания"], memos["Телефон"]):
        for raw, outcome in memo.items():
            assert id(raw) not in cells and id(outcome.value) not in cells
            assert all(id(e) not in cells for e in outcome.extras)
    same = memos["Компания"]["ООО Фирма 7"]
    assert same.value == "ООО Фирма 7" and same.value is next(k for k in memos["Компания"] if k == "ООО Фирма 7")
    assert memos["Телефон"]["+7 916 123-45-67, 8 495 123 45 67"].extras == ("+74951234567",)
    calls = sum(counting.values())
    for series, kind, name in ((firms, "text", "f"), (phones, "phone", "p")):
        after = t.apply_transform(series, kind)
        for attr in ("values", "failed", "extras", "rounded"):
            pd.testing.assert_series_equal(getattr(after, attr), getattr(before[name], attr))
    assert sum(counting.values()) == calls  # read from the settled memo
    kept = {k: dict(m) for k, m in t._MEMO.items() if m}
    t.settle_memo()  # nothing new: the same objects stay
    assert all(all(a is b for a, b in zip(m, t._MEMO[k], strict=True)) for k, m in kept.items())
    new = "".join(["ООО ", "Новая"])
    t.apply_transform(pd.Series([*firms[:40], new], name="Компания"), "text")
    t.settle_memo()  # only the new value is copied
    firm_key = next(k for k in t._MEMO if k[2] == "Компания")
    *old, last = t._MEMO[firm_key]
    assert last == new and last is not new and all(a is b for a, b in zip(old, kept[firm_key], strict=True))
