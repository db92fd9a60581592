"""The searches at the end of a block pass, the company half on a second core beside the contact half.

Why: they run after the last block, when the worker processes are gone; on a million-row deals file they
were ~20 s on one core while the other idled. In a deals file every cluster is *linked* (its contacts and
companies are not the file's own records), and the Report orders a linked cluster's messages contacts
first, then companies: so the contact search and its messages need nothing of the company search, which
can run at the same time, together with the short-name check (it reads the key columns, writes nothing).

How: once the repeated-client count and the contact search are done here, `os.fork` starts the company
half (the child reads the key columns where they already are; nothing is copied or pickled to it) and
this process words the contacts' messages meanwhile. The child sends back the company clusters' member
columns and the possible-duplicate issues through a pipe. What it costs in memory: its own working memory
(the company search's) and the pages it reads, which a reference count written makes its own — why the
contacts' work, which reads a text per row, stays here.

Measured on the 2M-row benchmark (2 cores): 106 s and 1.12 GB (the main process's peak, and the most all
processes held) one after the other; 97 s and 1.81 GB in all with the split (the child's company search
and the pages it copied). The issue this serves bounds memory first, so the split is opt-in
(`AMOMIGRATE_SPLIT_SEARCHES=1`) for a machine with memory to spare.

What a caller may rely on: the notes, clusters and issues are the ones the searches give one after the
other (`in_order`), whatever happens to the child: where fork is not used (not asked for, one worker, not
Linux, a contacts or companies file) or the child fails in any way, the company half is computed here.
"""

from __future__ import annotations

import os
import pickle
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from .block_workers import default_workers
from .core.issues import Issue
from .core.mapping import MappedTable
from .core.validate import possible_duplicate_issues
from .quality.clients import repeated_clients_notes_for
from .quality.duplicates import Cluster, entity_clusters, find_duplicates, packed_clusters, unpacked_clusters

__all__ = ["SPLIT_ENV", "Found", "can_fork", "searched", "split_searches"]

#: set to 1 to run the company half in a forked process (faster, more memory: see the module docstring)
SPLIT_ENV = "AMOMIGRATE_SPLIT_SEARCHES"

#: gives one entity's clusters (all of them with `None`) their cells and messages, in the Report's order
Answer = Callable[[list[Cluster], str | None], None]


@dataclass
class Found:
    """What the end searches found: the repeated-client notes, every cluster (contacts, then companies,
    numbered in that order) and the possible-duplicate issues."""

    notes: list[str]
    clusters: list[Cluster]
    possible: list[Issue]


def split_searches(workers: int | None) -> bool:
    """Whether a block pass asks for the split: only when `AMOMIGRATE_SPLIT_SEARCHES=1` and it may use
    more than one process (`workers`, else `AMOMIGRATE_WORKERS` / the CPUs). Off by default: on the 2M-row
    benchmark it saved 9 % of the time (106 → 97 s) for 1.81 GB of memory in all instead of 1.12 GB."""
    return os.environ.get(SPLIT_ENV, "").strip() == "1" and (default_workers() if workers is None else workers) > 1


def can_fork() -> bool:
    """Whether the company half may run in a forked process here: Linux only (fork elsewhere is either
    missing or unsafe with the system's libraries)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def searched(keys: MappedTable, rejected: list[int], answer: Answer, *, split: bool) -> Found:
    """The repeated-client notes (for the rows not in `rejected`), the duplicate clusters and the possible
    duplicates of the key columns; `answer(clusters, entity)` is called with the clusters as they are
    found, in the Report's order (contacts, then companies; or all at once). `split`: run the company half
    in a forked process when the file allows it (see the module docstring)."""
    if not len(keys.frame.columns):
        answer([], None)
        return Found([], [], [])
    if not (split and can_fork() and keys.entity not in ("contacts", "companies")):
        return in_order(keys, rejected, answer)
    # the repeated-client count and the contact search first, here: a child reading the contacts' texts
    # would copy every page it touched (reading a str writes its reference count) — a third of the key
    # columns on a 2M-row file; the company half reads few texts (a firm's name in many rows is one)
    notes = repeated_clients_notes_for(keys, rejected)
    contacts = entity_clusters(keys, "contacts")
    companion = _Companion(lambda: _company_half(keys))
    answer(contacts, "contacts")
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
    """`work()` in a forked child; `result()` its value, or None when the child could not give it."""

    def __init__(self, work: Callable[[], object]) -> None:
        self._pid = 0
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
        with os.fdopen(self._read, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        if status != 0 or not data:
            return None
        ok, value = pickle.loads(data)  # noqa: S301 - written by our own child process
        return value if ok else None


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
