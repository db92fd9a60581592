"""Freed memory goes back to the system once a block run's searches start (`core.heap`)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from migrate.core import heap

_PROBE = textwrap.dedent("""
    import numpy as np, sys
    from migrate.core.heap import return_freed_memory

    def rss():
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) // 1024 for l in f if l.startswith("VmRSS"))

    if sys.argv[1] == "fixed":
        assert return_freed_memory()
    big = np.ones(30 << 17)  # 30 MB mapped, then freed: glibc's threshold rises to it by default
    del big
    before = rss()
    kept, pins = [], []
    for _ in range(40):  # forty 8 MB arrays under the risen threshold, each pinned by a 240 KB one above it
        kept.append(np.ones(1 << 20))
        pins.append(np.ones(30_000))
    del kept
    print(rss() - before)
""")


@pytest.mark.skipif(not sys.platform.startswith("linux") or heap._glibc() is None, reason="glibc's allocator only")
def test_large_arrays_freed_after_the_call_leave_the_process() -> None:
    def grown(mode: str) -> int:
        done = subprocess.run([sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, check=True)
        return int(done.stdout.strip())

    assert grown("fixed") < 40  # MB still resident of the 320 MB freed (the pins are 10 MB)
    assert grown("default") > 200  # the same program without the call keeps them: the probe measures something


def test_elsewhere_the_call_does_nothing_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    heap._glibc.cache_clear()
    monkeypatch.setattr(sys, "platform", "darwin")
    try:
        assert heap.return_freed_memory() is False
    finally:
        heap._glibc.cache_clear()


def test_the_collector_is_off_inside_and_back_as_it_was_after_even_on_an_error() -> None:
    import gc

    assert gc.isenabled()
    with heap.paused_collector():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), heap.paused_collector():
        raise ValueError("boom")
    assert gc.isenabled()
    gc.disable()  # a caller that had it off keeps it off
    try:
        with heap.paused_collector():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_block_run_leaves_the_collector_on(tmp_path: Path) -> None:
    import gc

    from migrate import api

    source = tmp_path / "deals.csv"
    source.write_text("Сделка;Контакт\nПервая;Иван\nВторая;Пётр\n", encoding="utf-8")
    profile = tmp_path / "p.yaml"
    columns = "  Сделка: Название сделки\n  Контакт: Полное имя (контакт)\n"
    profile.write_text(f"version: 1\nentity: leads\ncolumns:\n{columns}", encoding="utf-8")
    report = api.validate(source, profile)
    assert report.read == 2 and gc.isenabled()
