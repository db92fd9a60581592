"""The linked-row warnings worded in a second process while this one goes on with the next search.

Why: after the last block the end-of-file work ran on one core while the other idled. On the million-row
deals benchmark its largest parts were the company search and wording the contacts' 368,214 linked-row
warnings (~14 µs each: the message, the Issue, the spool's key and its files). Wording needs only the
batches `linked_warnings.linked_batches` makes (plain lists), so it can run beside the company search.

How: `Wording.start()` forks a helper while the block pass is still small (before its first block, as the
block workers are), so the helper shares that small process's pages and owns nothing of the big one —
a child forked at the end would copy every page of the parent's heap it allocates into. `hand(batches,
spool)` writes a search's batches to a file in the spool's directory (one batch in memory at a time),
reserves their places in the spool (`IssueSpool.reserve`) and tells the helper, which words them into
sorted runs in that directory (`IssueSpool.for_range`). `collect(spool)` adopts every job's issues.

What a caller may rely on: the spool ends with the issues it would have had if each batch had been worded
in place at `hand`, in the same order, whatever happens to the helper: a job the helper cannot give back
(it failed, died, or never started) is worded here from its file at `collect`. `close()` ends the helper;
it is safe to call twice. The helper's memory is its batches' and at most a spool's limit of issues.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
import sys
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from .block_workers import default_workers
from .core.issue_log import Handover, IssueSpool
from .quality.linked_warnings import LinkedBatch, worded

__all__ = ["Wording", "word_file"]


@dataclass(frozen=True)
class _Job:
    path: Path  # the batches
    directory: Path  # the spool's: the runs go there
    phase: int
    first: int
    name: str  # the runs' file name prefix


class Wording:
    """Words linked-row warnings in a helper process (see the module docstring); without one, at `collect`."""

    def __init__(self, process: multiprocessing.process.BaseProcess | None = None,
                 conn: Connection | None = None) -> None:  # fmt: skip
        self._process, self._conn = process, conn
        self._jobs: list[_Job] = []

    @classmethod
    def for_pass(cls, blocks: int, workers: int | None) -> Wording | None:
        """A started Wording for a block pass of about `blocks` blocks, or None (word in place): a helper
        only where the file has several blocks and the pass may use more than one process."""
        many = (default_workers() if workers is None else workers) > 1
        return cls.start() if blocks > 1 and many and _can_fork() else None

    @classmethod
    def start(cls) -> Wording:
        """A Wording with its helper forked now (Linux only: fork elsewhere is missing or unsafe); one that
        words everything at `collect` when the helper cannot start."""
        if not _can_fork():
            return cls()
        context = multiprocessing.get_context("fork")
        ours, theirs = context.Pipe()
        try:
            process = context.Process(target=_serve, args=(theirs, ours), daemon=True, name="amomigrate-wording")
            with warnings.catch_warnings():  # Python 3.12+ warns of fork in a process that has threads
                warnings.simplefilter("ignore", DeprecationWarning)
                process.start()
        except OSError:  # fork refused (memory, limits): this process words them
            ours.close()
            theirs.close()
            return cls()
        theirs.close()  # the helper's end: a helper that dies then reads as EOF here
        return cls(process, ours)

    def hand(self, batches: Iterable[LinkedBatch], spool: IssueSpool) -> None:
        """Word `batches` into `spool`: their places are reserved there now, in the current phase, before
        anything added later."""
        directory = spool.directory()
        name = f"linked-{len(self._jobs)}"
        path = directory / f"{name}.batches"
        count = 0
        with open(path, "wb") as fh:
            for batch in batches:
                pickle.dump(batch, fh, protocol=pickle.HIGHEST_PROTOCOL)
                count += len(batch)
        if not count:
            path.unlink()
            return
        job = _Job(path, directory, spool.phase, spool.reserve(count), name)
        self._jobs.append(job)
        if self._conn is not None:
            try:
                self._conn.send(job)
            except OSError:  # the helper is gone: `collect` words this job here
                self._stop()

    def collect(self, spool: IssueSpool) -> None:
        """Adopt every handed job's issues into `spool`, in the order handed; then end the helper."""
        jobs, self._jobs = self._jobs, []
        for job in jobs:
            handed = self._received()
            spool.adopt(handed if handed is not None else word_file(job))
            job.path.unlink(missing_ok=True)
        self.close()

    def close(self) -> None:
        """End the helper (it finishes no job): a failed run calls this, and `collect` does."""
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.send(None)
        self._stop()

    def _received(self) -> Handover | None:
        if self._conn is None:
            return None
        try:
            ok, handed = self._conn.recv()
        except (EOFError, OSError):  # the helper died: this job and every later one are worded here
            self._stop()
            return None
        return handed if ok else None

    def _stop(self) -> None:
        conn, process, self._conn, self._process = self._conn, self._process, None, None
        if conn is not None:
            conn.close()
        if process is not None:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()


def _can_fork() -> bool:
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def word_file(job: _Job) -> Handover:
    """A job's batches worded into a spool numbered as `hand` reserved (wherever this runs)."""
    spool = IssueSpool.for_range(job.directory, job.phase, job.first, job.name)
    for batch in _batches(job.path):
        spool += worded(batch)
    return spool.handed_over()


def _batches(path: Path) -> Iterator[LinkedBatch]:
    with open(path, "rb") as fh:
        while True:
            try:
                yield pickle.load(fh)  # noqa: S301 - written by `Wording.hand` of this run
            except EOFError:
                return


def _serve(conn: Connection, parents: Connection) -> None:
    """The helper: words each job it is sent, in order, and sends back its Handover (or a failure)."""
    parents.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it ends this one
    try:
        while True:
            job = conn.recv()
            if job is None:
                break
            try:
                answer: tuple[bool, Handover | None] = (True, word_file(job))
            except Exception:  # noqa: BLE001 - the parent words the job itself, in its own words
                answer = (False, None)
            conn.send(answer)
    except (EOFError, OSError):  # the parent is gone
        pass
    finally:
        conn.close()
        os._exit(0)  # no atexit handlers, no buffers of the parent flushed twice
