"""The memory budget that decides whether optional parallel work may run (`migrate.core.memory_budget`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from migrate.core import memory_budget

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


@pytest.mark.parametrize(("given", "mib"), [(None, 1000), ("", 1000), (" 2048 ", 2048), ("0", 0), ("1.5", 0),
                                            ("-5", 0), ("lots", 0)])  # fmt: skip
def test_the_budget_is_the_variable_in_mib_the_default_when_unset_and_nothing_when_unreadable(
        monkeypatch: pytest.MonkeyPatch, given: str | None, mib: int) -> None:  # fmt: skip
    if given is None:
        monkeypatch.delenv(memory_budget.BUDGET_ENV, raising=False)
    else:
        monkeypatch.setenv(memory_budget.BUDGET_ENV, given)
    assert memory_budget.budget_bytes() == mib * 2**20


@pytest.mark.parametrize(("own", "available", "extra", "fits"), [
    (400, 8000, 500, True),     # 900 MiB of 1000, and the machine has room
    (400, 8000, 700, False),    # past the budget
    (100, 300, 500, False),     # within the budget, but not in the machine's available memory
    (None, 8000, 1, False),     # the process's memory unknown: the safe answer
    (400, None, 1, False),      # the machine's unknown
])  # fmt: skip
def test_extra_memory_fits_only_within_the_budget_and_the_machine(monkeypatch: pytest.MonkeyPatch, own: int | None,
                                                                  available: int | None, extra: int,
                                                                  fits: bool) -> None:  # fmt: skip
    mib = 2**20
    monkeypatch.delenv(memory_budget.BUDGET_ENV, raising=False)
    monkeypatch.setattr(memory_budget, "own_bytes", lambda pid="self": None if own is None else own * mib)
    monkeypatch.setattr(memory_budget, "available_bytes", lambda: None if available is None else available * mib)
    assert memory_budget.fits(extra * mib) is fits


@linux
def test_a_process_memory_is_read_from_proc_and_unknown_for_a_process_that_is_not_there() -> None:
    own = memory_budget.own_bytes()
    assert own is not None and 10 * 2**20 < own < 64 * 2**30  # an interpreter with pandas: tens of MiB at least
    assert memory_budget.own_bytes(os.getpid()) is not None
    available = memory_budget.available_bytes()
    assert available is not None and available > 0
    assert memory_budget.own_bytes(2**22 + 7) is None  # above Linux's pid_max: never a process


def test_an_unreadable_or_malformed_proc_file_is_unknown(tmp_path: Path) -> None:
    bad = tmp_path / "status"
    bad.write_text("VmRSS:\tlots kB\nPss:\n", encoding="ascii")
    assert memory_budget._field_kib(str(bad), "VmRSS:") is None
    assert memory_budget._field_kib(str(bad), "Pss:") is None
    assert memory_budget._field_kib(str(bad), "Missing:") is None
    assert memory_budget._field_kib(str(tmp_path / "absent"), "Pss:") is None
    good = tmp_path / "meminfo"
    good.write_text("MemTotal:       24000000 kB\nMemAvailable:   19000000 kB\n", encoding="ascii")
    assert memory_budget._field_kib(str(good), "MemAvailable:") == 19000000
