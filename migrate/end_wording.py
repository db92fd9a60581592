"""The linked-row warnings worded in a helper process while this one goes on with the next search.

Why: after the last block the end-of-file work ran on one core while the other idled. On the million-row
deals benchmark its largest parts were the company search and wording the contacts' 368,214 linked-row
warnings (~14 µs each: the message, the Issue, the spool's key and its files). Wording needs only the
batches `quality.linked_warnings.linked_batches` makes (plain lists), so it can run beside the company
search: in-process end phase 21.7 → 17.4 s, the Report byte for byte the same.

How: `Wording.start()` starts a helper (`python -m migrate.end_wording`) when a block pass begins. It is a
fresh interpreter that imports the issue spool and `core.linked_words` only — no pandas, ~15 MB — not a
fork: a forked child keeps a private copy of every page of the run's libraries that the run then writes
(a forked helper held 129 MB, which took the 2M-row benchmark past its 1.2 GB bound). `hand(batches,
spool)` writes a search's batches to files in the spool's directory, a job of about `JOB_WARNINGS`
warnings each (one batch in memory at a time), reserves each job's places in the spool
(`IssueSpool.reserve`) and sends the helper the job as soon as it is written; the helper words them into
sorted runs in that directory (`IssueSpool.for_range`) and answers with their names and counts.
`collect(spool)` adopts every job's issues. When the run reaches `collect` before the helper has reached
every job (with the company search in a second process, `end_searches`, the run is done first: on the
million-row benchmark it waited 1.8–3.6 s for the helper), the run words the jobs the helper has not
started, from the last one back. Whoever renames a job's file first (`os.rename` is atomic: one of the two
gets it) words that job; the helper answers a job it lost with "not mine", which the run does not read.

What a caller may rely on: the spool ends with the issues it would have had if each batch had been worded
in place at `hand`, in the same order, whatever happens to the helper: a job it does not answer (it
failed, died, never started, or gave no answer in `ANSWER_TIMEOUT_S` plus a millisecond per warning) is
worded here from its file at `collect`. `close()` ends the helper; it is safe to call twice.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from .core.issue_log import Handover, IssueSpool, no_room
from .core.linked_words import LinkedBatch, worded

__all__ = ["ANSWER_TIMEOUT_S", "HELPER", "JOB_WARNINGS", "Wording", "word_file"]

#: the helper's command line (a test may put another one here)
HELPER = [sys.executable, "-m", "migrate.end_wording"]
#: how long `collect` waits for a job's answer, besides a millisecond per warning, before wording it here
ANSWER_TIMEOUT_S = 60.0
#: a handed search's warnings go to the helper in jobs of about this many (the last may be smaller): the
#: jobs it has not reached when the run is done with its own work are worded by the run
JOB_WARNINGS = 50_000
#: the helper holds this part of its spool's bound in memory (its runs are read back a chunk at a time)
_HELPER_SHARE = 4


@dataclass(frozen=True)
class _Job:
    path: Path  # the batches
    directory: Path  # the spool's: the runs go there
    phase: int
    first: int
    count: int
    name: str  # the runs' file name prefix
    limit: int
    chunk: int


class Wording:
    """Words linked-row warnings in a helper process (see the module docstring); without one, at `collect`."""

    def __init__(self, process: subprocess.Popen[bytes] | None = None) -> None:
        self._process = process
        self._jobs: list[_Job] = []

    @classmethod
    def for_pass(cls, blocks: int, workers: int | None) -> Wording | None:
        """A started Wording for a block pass of about `blocks` blocks, or None (word in place): a helper
        only where the file has several blocks and the pass may use more than one process."""
        from .block_workers import default_workers  # the pass's module; the helper never imports it

        many = (default_workers() if workers is None else workers) > 1
        return cls.start() if blocks > 1 and many else None

    @classmethod
    def start(cls) -> Wording:
        """A Wording with its helper started now; one that words everything at `collect` when the helper
        cannot start. The helper imports this very package (its directory goes first on its path)."""
        if not HELPER[0]:  # an embedded interpreter without an executable
            return cls()
        package_home = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [package_home, os.environ.get("PYTHONPATH")])))
        try:
            process = subprocess.Popen(HELPER, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       stderr=subprocess.DEVNULL, env=env, bufsize=0)  # fmt: skip
        except OSError:  # no executable, no memory, no process left: this process words them
            return cls()
        return cls(process)

    def hand(self, batches: Iterable[LinkedBatch], spool: IssueSpool) -> None:
        """Word `batches` into `spool`: their places are reserved there now, in the current phase, before
        anything added later. They go to the helper as jobs of about `JOB_WARNINGS` warnings, each sent
        as soon as it is written (the helper starts on the first while the rest are written)."""
        directory = spool.directory()
        stream = iter(batches)
        try:
            for first in stream:  # each pass of this loop writes one job, from its first batch on
                path, count = directory / f"linked-{len(self._jobs)}.batches", 0
                with open(path, "wb") as fh:
                    for batch in chain([first], stream):
                        pickle.dump(batch, fh, protocol=pickle.HIGHEST_PROTOCOL)
                        count += len(batch)
                        if count >= JOB_WARNINGS:
                            break
                self._job(path, spool, count)
        except OSError as e:
            raise no_room(directory, e) from e

    def _job(self, path: Path, spool: IssueSpool, count: int) -> None:
        """The written file at `path` (`count` warnings) as a job: its places reserved, sent to the helper."""
        if not count:
            path.unlink()
            return
        limit = max(1, spool.limit // _HELPER_SHARE)
        job = _Job(path, spool.directory(), spool.phase, spool.reserve(count), count, path.stem, limit,
                   max(1, spool.chunk // _HELPER_SHARE))  # fmt: skip
        self._jobs.append(job)
        if self._process is not None:
            try:
                _send(self._process.stdin.fileno(), job)  # type: ignore[union-attr]
            except (OSError, ValueError, AttributeError):  # the helper is gone: `collect` words this job here
                self.close()

    def collect(self, spool: IssueSpool) -> None:
        """Adopt every handed job's issues into `spool`, in the order handed; then end the helper. Jobs the
        helper has not started yet are worded here meanwhile, from the last one back (`_take_back`)."""
        jobs, self._jobs = self._jobs, []
        here = self._take_back(jobs)
        for k, job in enumerate(jobs):
            handed = here.get(k)
            if handed is None:
                handed = self._answer(job)
            spool.adopt(handed if handed is not None else word_file(job))
            for path in _claims(job):
                path.unlink(missing_ok=True)
        self.close()

    def _take_back(self, jobs: list[_Job]) -> dict[int, Handover]:
        """Word here the jobs at the end of `jobs` that the helper has not claimed (each claim is the
        rename of the job's file, which only one process can make): it works from the first job on, this
        process from the last one back, until the helper holds the job it would take next."""
        here: dict[int, Handover] = {}
        if self._process is None:
            return here  # no helper: `collect` words every job in turn
        for k in range(len(jobs) - 1, -1, -1):
            path = _claimed(jobs[k], _HERE)
            if path is None:
                break
            here[k] = word_file(jobs[k], path)
        return here

    def close(self) -> None:
        """End the helper (it finishes no job): a failed run calls this, and `collect` does."""
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(OSError, ValueError, AttributeError):
            _send(process.stdin.fileno(), None)  # type: ignore[union-attr]
        for pipe in (process.stdin, process.stdout):
            with contextlib.suppress(OSError):
                pipe.close()  # type: ignore[union-attr]
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _answer(self, job: _Job) -> Handover | None:
        process = self._process
        if process is None or process.stdout is None:
            return None
        try:
            ready, _, _ = select.select([process.stdout], [], [], ANSWER_TIMEOUT_S + job.count / 1000)
            if not ready:  # no answer in time: the helper is ended, this job and every later one worded here
                raise TimeoutError
            ok, handed = _receive(process.stdout.fileno())
        except (EOFError, OSError, ValueError, pickle.UnpicklingError, TimeoutError):
            self.close()
            return None
        return handed if ok else None


def word_file(job: _Job, path: Path | None = None) -> Handover:
    """A job's batches worded into a spool numbered as `hand` reserved (wherever this runs): from `path`,
    else from wherever its file is (claimed or not)."""
    spool = IssueSpool.for_range(job.directory, job.phase, job.first, job.name, limit=job.limit, chunk=job.chunk)
    source = path or next((p for p in _claims(job) if p.exists()), job.path)
    for batch in _batches(source):
        spool += worded(batch)
    return spool.handed_over(to_disk=True)


_HELPER, _HERE = ".helper", ".here"


def _claims(job: _Job) -> list[Path]:
    """The job's file under each name it can have: unclaimed, claimed by the helper, claimed here."""
    return [job.path, *(job.path.with_suffix(suffix) for suffix in (_HELPER, _HERE))]


def _claimed(job: _Job, by: str) -> Path | None:
    """The job's file renamed for `by` (`_HELPER` or `_HERE`), or None when the other already has it."""
    path = job.path.with_suffix(by)
    try:
        os.rename(job.path, path)
    except FileNotFoundError:
        return None
    return path


def _batches(path: Path) -> Iterator[LinkedBatch]:
    with open(path, "rb") as fh:
        while True:
            try:
                yield pickle.load(fh)  # noqa: S301 - written by `Wording.hand` of this run
            except EOFError:
                return


_LENGTH = struct.Struct("<Q")


def _send(fd: int, message: object) -> None:
    """One message on a pipe: its length, then its pickle (no buffer: `select` sees what is there)."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_LENGTH.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _receive(fd: int) -> object:
    """The next message `_send` wrote to the pipe; EOFError when it ends before one is whole."""
    (size,) = _LENGTH.unpack(_read_exactly(fd, _LENGTH.size))
    return pickle.loads(_read_exactly(fd, size))  # noqa: S301 - our own processes' messages


def _read_exactly(fd: int, size: int) -> bytes:
    parts, left = [], size
    while left:
        part = os.read(fd, min(left, 1 << 20))
        if not part:
            raise EOFError("the pipe ended")
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def serve(jobs: int, answers: int) -> None:
    """The helper's loop: words each job it reads from fd `jobs`, in order, and writes back to fd
    `answers` its Handover (or a failure), until it reads None or its input ends."""
    while True:
        try:
            job = _receive(jobs)
        except EOFError:
            return
        if job is None:
            return
        try:
            path = _claimed(job, _HELPER)  # type: ignore[arg-type]
            # None: the run took this job back (it words the jobs the helper has not reached)
            answer: tuple[bool, Handover | None] = (False, None) if path is None else (True, word_file(job, path))  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - the run words the job itself, in its own words
            answer = (False, None)
        _send(answers, answer)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's to handle; it ends this helper
    with contextlib.suppress(BrokenPipeError, OSError):
        serve(sys.stdin.fileno(), sys.stdout.fileno())
