"""Whether a run may spend more memory to go faster: its budget, what it holds now, what the machine has.

Why: some work can run on a second core at the price of a second copy of its working memory (the end
searches' company half, `end_searches`). On a million-row file that costs ~0.4 GB and saves seconds; on a
two-million-row file it would take the run from 1.1 to 1.6 GB. Whether to pay is a question of memory, not
of rows: the run asks `fits(extra)` with what the parallel work would add, and it is answered from the
budget, this process's memory now and the machine's available memory.

What a caller may rely on: `fits` is False wherever it cannot know (no /proc, an unreadable file) — the
safe answer, which only costs time. The budget is `AMOMIGRATE_MEMORY_MB` (a whole number of MiB), else
`DEFAULT_BUDGET_MB`; a value that is not a whole number counts as 0 (spend nothing extra). Nothing here
bounds what the run itself needs: the budget is only what optional parallel work may bring it to.
"""

from __future__ import annotations

import os

__all__ = ["BUDGET_ENV", "DEFAULT_BUDGET_MB", "available_bytes", "budget_bytes", "fits", "own_bytes"]

#: the environment variable giving the budget in MiB
BUDGET_ENV = "AMOMIGRATE_MEMORY_MB"
#: the budget when none is given: the bound the project holds a million-row file to ("1 GB" as
#: `benchmarks/scale.py` reports memory, in MiB: `read_csv` of that file is 938)
DEFAULT_BUDGET_MB = 1000
_MIB = 1 << 20


def budget_bytes() -> int:
    """The budget in bytes (see the module docstring)."""
    given = os.environ.get(BUDGET_ENV, "").strip()
    if not given:
        return DEFAULT_BUDGET_MB * _MIB
    return int(given) * _MIB if given.isdigit() else 0


def own_bytes(pid: int | str = "self") -> int | None:
    """What a process holds: its proportional set size (a page shared with n processes counts 1/n, so
    the sum over a run's processes is what they take together), else its resident set; None where
    /proc cannot tell."""
    for path, field in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        found = _field_kib(path, field)
        if found is not None:
            return found * 1024
    return None


def available_bytes() -> int | None:
    """The machine's memory available to new work without swapping (`MemAvailable`), or None."""
    found = _field_kib("/proc/meminfo", "MemAvailable:")
    return None if found is None else found * 1024


def fits(extra: int) -> bool:
    """Whether `extra` more bytes keep this process within the budget and within the available memory
    (both, with what it holds now: children it starts count against the same budget)."""
    own, available = own_bytes(), available_bytes()
    if own is None or available is None:
        return False
    return own + extra <= budget_bytes() and extra <= available


def _field_kib(path: str, field: str) -> int | None:
    try:
        with open(path, encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None
