"""The searches at the end of a block pass, the company half on a second core beside the contact half.

Why: they run after the last block, when the worker processes are gone; on a million-row deals file they
were ~20 s on one core while the other idled. In a deals file every cluster is *linked* (its contacts and
companies are not the file's own records), and the Report orders a linked cluster's messages contacts
first, then companies: so the contact search and its messages need nothing of the company search, which
can run at the same time, together with the short-name check (it reads the key columns, writes nothing).

How: `os.fork` starts the company half first (the child reads the key columns where they already are;
nothing is copied or pickled to it), and this process runs the contact search, hands the contacts'
messages to the wording helper (`end_wording`) and counts the repeated clients meanwhile — in that order,
so that the helper has its longest job as early as possible. The child sends back the company clusters'
member columns and the possible-duplicate issues through a pipe. The child reads few texts (a firm's
name in many rows is one); the contacts' work, which reads a text per row (and reading a str writes its
reference count, which would make the page the child's own), stays here.

What it costs, measured on the benchmark's deals files (2 cores): the split adds 0.43–0.51 KB a key row to
the memory of the run's processes together (1M rows: 429–435 MiB in this process when it forked, 839–913
MiB in all at the peak after, 914–955 for an export; 2M rows: 735 → 1,600 MiB), and saves ~3 s at 1M (31.3
→ 28.5 s, median of three, with the wording helper's jobs taken back, `end_wording`). So, unless asked for or
against (`AMOMIGRATE_SPLIT_SEARCHES=1` / `0`), it is taken when `core.memory_budget` says the run can
afford it: `SPLIT_BYTES_PER_ROW` a key row on top of what this process holds, within the budget (1000 MiB
unless `AMOMIGRATE_MEMORY_MB` says otherwise) and the machine's available memory; never for fewer than
`SPLIT_MIN_ROWS` rows, where the fork would cost more than the search.

What a caller may rely on: the notes, clusters and issues are the ones the searches give one after the
other (`in_order`), whatever happens to the child: where fork is not used (not asked for or not
affordable, one worker, not Linux, a contacts or companies file) or the child fails in any way — it
dies, raises, or gives no answer within `CHILD_TIMEOUT_S` plus `CHILD_S_PER_ROW` a row — the company
half is computed here.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from .block_workers import default_workers
from .core import memory_budget
from .core.issues import Issue
from .core.mapping import MappedTable
from .core.validate import possible_duplicate_issues
from .quality.clients import repeated_clients_notes_for
from .quality.duplicates import Cluster, entity_clusters, find_duplicates, packed_clusters, unpacked_clusters

__all__ = ["CHILD_S_PER_ROW", "CHILD_TIMEOUT_S", "SPLIT_BYTES_PER_ROW", "SPLIT_ENV", "SPLIT_MIN_ROWS", "Found",
           "affordable", "can_fork", "searched", "split_searches"]

#: 1 runs the company half in a forked process whatever it costs, 0 never; unset, when affordable
SPLIT_ENV = "AMOMIGRATE_SPLIT_SEARCHES"
#: what the split adds to the run's memory a key row: 0.43–0.51 KB measured at 1M and 2M rows, and a margin
SPLIT_BYTES_PER_ROW = 560
#: fewer key rows than this: the company search takes well under a second, not worth a process
SPLIT_MIN_ROWS = 100_000
#: how long the company half may take in its process, besides `CHILD_S_PER_ROW` a key row, before this
#: process stops waiting (the child is killed) and computes it itself: a child that hangs is no hang here
CHILD_TIMEOUT_S = 60.0
CHILD_S_PER_ROW = 50e-6

#: gives one entity's clusters (all of them with `None`) their cells and messages, in the Report's order
Answer = Callable[[list[Cluster], str | None], None]


@dataclass
class Found:
    """What the end searches found: the repeated-client notes, every cluster (contacts, then companies,
    numbered in that order) and the possible-duplicate issues."""

    notes: list[str]
    clusters: list[Cluster]
    possible: list[Issue]


def split_searches(workers: int | None) -> bool | None:
    """Whether a block pass runs the company half in a second process: True when asked for
    (`AMOMIGRATE_SPLIT_SEARCHES=1`), False when asked not to (`0`) or when it may use one process only
    (`workers`, else `AMOMIGRATE_WORKERS` / the CPUs), None to decide at the searches (`affordable`)."""
    if (default_workers() if workers is None else workers) < 2:
        return False
    asked = os.environ.get(SPLIT_ENV, "").strip()
    return True if asked == "1" else False if asked == "0" else None


def affordable(rows: int) -> bool:
    """Whether the split pays and fits for `rows` key rows: at least `SPLIT_MIN_ROWS`, and
    `SPLIT_BYTES_PER_ROW` each more within the memory budget (`core.memory_budget.fits`)."""
    return rows >= SPLIT_MIN_ROWS and memory_budget.fits(rows * SPLIT_BYTES_PER_ROW)


def can_fork() -> bool:
    """Whether the company half may run in a forked process here: Linux only (fork elsewhere is either
    missing or unsafe with the system's libraries)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def searched(keys: MappedTable, rejected: list[int], answer: Answer, *, split: bool | None) -> Found:
    """The repeated-client notes (for the rows not in `rejected`), the duplicate clusters and the possible
    duplicates of the key columns; `answer(clusters, entity)` is called with the clusters as they are
    found, in the Report's order (contacts, then companies; or all at once). `split`: run the company half
    in a forked process when the file allows it; None: when it is also `affordable` (see the module
    docstring)."""
    if not len(keys.frame.columns):
        answer([], None)
        return Found([], [], [])
    forkable = can_fork() and keys.entity not in ("contacts", "companies")
    if not (forkable and (affordable(len(keys.frame)) if split is None else split)):
        return in_order(keys, rejected, answer)
    # the company half first, in the child; here the contacts' search and messages (the wording helper's
    # longest job, handed as early as it can be), then the repeated-client count
    companion = _Companion(lambda: _company_half(keys), timeout=CHILD_TIMEOUT_S + CHILD_S_PER_ROW * len(keys.frame))
    try:
        contacts = entity_clusters(keys, "contacts")
        answer(contacts, "contacts")
        notes = repeated_clients_notes_for(keys, rejected)
    except BaseException:  # an error or Ctrl-C here: the child must not outlive it (in a notebook it would)
        companion.end()
        raise
    half = companion.result()
    packed, possible = half if half is not None else _company_half(keys)
    companies = unpacked_clusters(packed, start=len(contacts) + 1)
    answer(companies, "companies")
    return Found(notes, contacts + companies, possible)


def in_order(keys: MappedTable, rejected: list[int], answer: Answer) -> Found:
    """The searches one after the other, in this process. In a file of another entity (deals), whose
    clusters are all linked, each entity's clusters are answered as soon as they are found: the answer may
    hand their warnings to another process (`end_wording`) while the next search runs here."""
    notes = repeated_clients_notes_for(keys, rejected)
    if keys.entity in ("contacts", "companies"):  # its own clusters' issues follow every linked warning
        clusters = find_duplicates(keys)
        answer(clusters, None)
    else:
        clusters = []
        for entity in ("contacts", "companies"):  # find_duplicates' order and numbering
            found = entity_clusters(keys, entity, start=len(clusters) + 1)
            answer(found, entity)
            clusters += found
    return Found(notes, clusters, possible_duplicate_issues(keys))


def _company_half(keys: MappedTable) -> tuple[tuple[object, ...], list[Issue]]:
    return packed_clusters(entity_clusters(keys, "companies")), possible_duplicate_issues(keys)


class _Companion:
    """`work()` in a forked child; `result()` its value, or None when the child could not give it within
    `timeout` seconds of its start."""

    def __init__(self, work: Callable[[], object], *, timeout: float) -> None:
        self._pid = 0
        self._deadline = time.monotonic() + timeout
        try:
            self._read, write = os.pipe()
            with warnings.catch_warnings():  # Python 3.12+ warns of fork in a process that has threads
                warnings.simplefilter("ignore", DeprecationWarning)
                self._pid = os.fork()
        except OSError:
            self._pid = -1
            return
        if self._pid == 0:  # the child: never returns
            _run_child(work, self._read, write)
        os.close(write)

    def result(self) -> object | None:
        if self._pid < 0:
            return None
        try:
            data = _read_until(self._read, self._deadline)
        except BaseException:
            self.end()
            raise
        if data is None:  # no answer in time: the child is ended and the half computed here
            self.end()
            return None
        os.close(self._read)
        _, status = os.waitpid(self._pid, 0)
        self._pid = -1
        if status != 0 or not data:
            return None
        ok, value = pickle.loads(data)  # noqa: S301 - written by our own child process
        return value if ok else None

    def end(self) -> None:
        """Kill the child and reap it (its answer is not wanted any more); safe to call twice."""
        if self._pid <= 0:
            return
        with contextlib.suppress(OSError):
            os.kill(self._pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.close(self._read)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self._pid, 0)
        self._pid = -1


def _read_until(fd: int, deadline: float) -> bytes | None:
    """Everything written to the pipe `fd` until its writer closes it, or None at `deadline`."""
    parts = []
    while True:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            return None
        part = os.read(fd, 1 << 20)
        if not part:
            return b"".join(parts)
        parts.append(part)


def _run_child(work: Callable[[], object], read: int, write: int) -> None:
    code = 0
    try:
        os.close(read)
        try:
            data = pickle.dumps((True, work()), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:  # noqa: BLE001 - the parent computes the half itself
            data = pickle.dumps((False, None))
        with os.fdopen(write, "wb") as pipe:
            pipe.write(data)
    except BaseException:  # noqa: BLE001
        code = 1
    finally:
        os._exit(code)  # no atexit handlers, no buffers of the parent flushed twice
