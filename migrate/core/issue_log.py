"""A report's issues in report order, kept on disk past a bound: the issue list of a big file without its weight.

Why: a million-row deals file written the way people write them has hundreds of thousands of warnings (a
client written two ways in two deals), about 1 KB each with its message — 400 MB at a million rows, the
largest thing a block pass held. `IssueSpool` takes the issues as a run finds them, in phases (the source's,
the rows', the duplicate search's, …), and gives back the order every Report has: file-level issues first,
then by row, and within one row by phase, then in the order they were added — the order the whole-table run
gets by concatenating its lists and sorting them stably by row.

What a caller may rely on: `IssueSpool.finish()` returns a plain sorted `list` when the issues fit under
`limit` (every small file: nothing changes for it), else a `SpilledIssues` — a read-only sequence equal,
item by item, to that list, read back from sorted runs on disk (`heapq.merge`) with at most `CHUNK` issues
of each run in memory. It keeps the counts a Report asks for (`Tally`), so counting does not read the disk.
Its files go when it is garbage-collected or the interpreter exits.
"""

from __future__ import annotations

import heapq
import pickle
import shutil
import tempfile
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, overload

from .issues import ERROR, WARNING, Issue, IssueCode, MigrateError

__all__ = ["CHUNK", "MAX_ISSUES_IN_MEMORY", "Handover", "IssueSpool", "SpilledIssues", "Tally", "issue_order",
           "issues_on", "no_room"]

#: issues a spool holds before it writes them to disk as one sorted run
MAX_ISSUES_IN_MEMORY = 50_000
#: issues pickled together in a run file (and so read back together)
CHUNK = 2_000

_Key = tuple[bool, int, int, int]  # (has a row, row, phase, sequence number)


def issue_order(issue: Issue) -> tuple[bool, int]:
    """The Report's order: file-level issues first, then by row (a stable sort keeps the rest)."""
    return (issue.row is not None, issue.row or 0)


@dataclass
class Tally:
    """What a Report counts, kept while the issues are written: errors, warnings, issues per code in the
    order `Counter(codes of the sorted issues).most_common()` gives, and the rows with an error."""

    errors: int = 0
    warnings: int = 0
    codes: dict[IssueCode, list[Any]] = field(default_factory=dict)  # code → [count, first key]
    error_rows: set[int] = field(default_factory=set)

    def add(self, issue: Issue, key: _Key) -> None:
        if issue.severity == ERROR:
            self.errors += 1
            if issue.row is not None:
                self.error_rows.add(issue.row)
        elif issue.severity == WARNING:
            self.warnings += 1
        seen = self.codes.get(issue.code)
        if seen is None:
            self.codes[issue.code] = [1, key]
        else:
            seen[0] += 1
            seen[1] = min(seen[1], key)

    def by_code(self) -> dict[str, int]:
        """Issues per code, most first; ties in the order the codes first appear in the sorted issues."""
        order = sorted(self.codes.items(), key=lambda kv: (-kv[1][0], kv[1][1]))
        return {code.value: n for code, (n, _) in order}

    def rejected_rows(self) -> list[int]:
        return sorted(self.error_rows)

    def count(self) -> int:
        """The issues counted, of every severity."""
        return sum(n for n, _ in self.codes.values())

    def merge(self, other: Tally) -> None:
        """Count `other`'s issues too (another spool's, of the same report: keys from one sequence)."""
        self.errors += other.errors
        self.warnings += other.warnings
        self.error_rows |= other.error_rows
        for code, (n, key) in other.codes.items():
            seen = self.codes.get(code)
            if seen is None:
                self.codes[code] = [n, key]
            else:
                seen[0] += n
                seen[1] = min(seen[1], key)


@dataclass
class Handover:
    """What a spool working for another one (in another process, `IssueSpool.for_range`) gives back: its
    issues as (key, fields) pairs while they fit in memory, else the sorted run files it wrote in the
    other spool's directory; and its tally. Plain data: it pickles."""

    pairs: list[tuple[_Key, tuple[object, ...]]]
    runs: list[Path]
    tally: Tally


class IssueSpool:
    """Collects issues phase by phase and sorts them into the Report's order (see the module docstring).

    `add(issues)` (or `+=`, `append`) files them under the current phase (or the one given: a run may learn
    of its first phase's issues last); `next_phase()` starts the next.
    Past `limit` issues in memory, they are sorted and written to a run file in a temporary directory."""

    def __init__(self, limit: int | None = None, chunk: int | None = None) -> None:
        self.limit = limit if limit is not None else MAX_ISSUES_IN_MEMORY
        self.chunk = chunk if chunk is not None else CHUNK
        self.phase = 0
        self.count = 0
        self.tally = Tally()
        self._buffer: list[tuple[_Key, Issue]] = []
        self._runs: list[Path] = []
        self._dir: Path | None = None
        self._cleanup: weakref.finalize | None = None
        self._prefix = "run"

    # --- a range of another spool's issues, made elsewhere ---------------------------------------------

    def reserve(self, count: int) -> int:
        """Set aside the sequence numbers of `count` issues of the current phase that another spool will
        make (`for_range`); returns the first. Issues added here afterwards sort after them in a row."""
        first = self.count
        self.count += count
        return first

    def directory(self) -> Path:
        """The spool's temporary directory (made now if it was not): another spool may write runs there."""
        if self._dir is None:
            try:
                self._dir = Path(tempfile.mkdtemp(prefix="amomigrate-issues-"))
            except OSError as e:
                raise no_room(tempfile.gettempdir(), e) from e
            self._cleanup = weakref.finalize(self, shutil.rmtree, self._dir, True)
        return self._dir

    @classmethod
    def for_range(cls, directory: Path, phase: int, first: int, name: str, limit: int | None = None,
                  chunk: int | None = None) -> IssueSpool:  # fmt: skip
        """A spool making the issues another spool reserved (`reserve`): numbered from `first` in `phase`,
        its runs written in that spool's `directory` under `name` (the other spool owns and removes them)."""
        spool = cls(limit=limit, chunk=chunk)
        spool.phase, spool.count, spool._dir, spool._prefix = phase, first, directory, name
        return spool

    def handed_over(self, to_disk: bool = False) -> Handover:
        """This spool's issues for the spool that reserved them (`adopt`): in memory if none went to disk,
        unless `to_disk` (then the Handover itself stays small: it crosses a pipe)."""
        if not self._runs and not (to_disk and self._buffer):
            pairs = [(key, _fields(issue)) for key, issue in self._buffer]
            self._buffer = []
            return Handover(pairs, [], self.tally)
        if self._buffer:
            self._spill()
        return Handover([], list(self._runs), self.tally)

    def adopt(self, handed: Handover) -> None:
        """Take the issues of a range this spool reserved; they sort as if they had been added here. Runs
        that fit in memory beside this spool's issues, when it has none on disk, are read back (and their
        files removed): a small file's Report keeps its plain list."""
        self.tally.merge(handed.tally)
        pairs = handed.pairs
        if handed.runs and not self._runs and len(self._buffer) + handed.tally.count() < self.limit:
            pairs = [pair for run in handed.runs for pair in _read_run(run)]
            for run in handed.runs:
                run.unlink(missing_ok=True)
        elif handed.runs:
            self._runs += handed.runs
        for key, fields in pairs:
            self._buffer.append((key, _issue_of(fields)))
            if len(self._buffer) >= self.limit:
                self._spill()

    def __len__(self) -> int:
        return self.count

    def next_phase(self) -> None:
        self.phase += 1

    def append(self, issue: Issue, phase: int | None = None) -> None:
        """File `issue` under `phase` (default: the current one); an earlier phase sorts first in a row."""
        key = (issue.row is not None, issue.row or 0, self.phase if phase is None else phase, self.count)
        self.count += 1
        self.tally.add(issue, key)
        self._buffer.append((key, issue))
        if len(self._buffer) >= self.limit:
            self._spill()

    def add(self, issues: Iterable[Issue], phase: int | None = None) -> None:
        for issue in issues:
            self.append(issue, phase)

    def __iadd__(self, issues: Iterable[Issue]) -> IssueSpool:
        self.add(issues)
        return self

    def finish(self) -> list[Issue] | SpilledIssues:
        """The issues in the Report's order: a list while none went to disk, else a SpilledIssues."""
        if not self._runs:
            self._buffer.sort(key=lambda pair: pair[0])
            issues = [issue for _, issue in self._buffer]
            self._buffer = []
            return issues
        if self._buffer:
            self._spill()
        assert self._dir is not None and self._cleanup is not None
        self._cleanup.detach()  # the SpilledIssues owns the files now
        spilled = SpilledIssues(self._dir, self._runs, self.count, self.tally)
        self._dir, self._runs, self._cleanup = None, [], None
        return spilled

    def _spill(self) -> None:
        directory = self.directory()
        try:
            self._buffer.sort(key=lambda pair: pair[0])
            path = directory / f"{self._prefix}-{len(self._runs)}.pickle"
            with open(path, "wb") as fh:
                for start in range(0, len(self._buffer), self.chunk):
                    part = [(key, _fields(issue)) for key, issue in self._buffer[start : start + self.chunk]]
                    pickle.dump(part, fh, protocol=pickle.HIGHEST_PROTOCOL)
        except OSError as e:
            raise no_room(directory, e) from e
        self._runs.append(path)
        self._buffer = []


def issues_on(issues: Sequence[Issue], rows: Iterable[int], severity: str | None = None) -> Iterator[Issue]:
    """The issues on `rows` (of `severity` when given), in report order.

    Why not a comprehension over `issues`: a big file's spilled issues are read back from disk, 1.8 s for the
    368,214 warnings of a million-row file, and a rejects workbook wants only the errors of a few rows. Here
    no rows (or a tally without that severity) reads nothing, and a spilled issue that does not match is
    skipped before it is built."""
    wanted = set(rows)  # looked up once per issue
    if not wanted:
        return iter(())
    if isinstance(issues, SpilledIssues):
        return issues.on(wanted, severity)
    return (i for i in issues if i.row in wanted and (severity is None or i.severity == severity))


def no_room(where: object, e: OSError) -> MigrateError:
    """The error for a full or read-only temporary disk: the run stops with what to do, not a traceback."""
    return MigrateError(f"cannot keep the report's issues on disk in {where}: {e.strerror or e}. Set TMPDIR to "
                        "a directory with free space (368,214 warnings of a million-row file took 192 MB there).")


def _fields(issue: Issue) -> tuple[object, ...]:
    # a tuple of plain values pickles about three times faster than the dataclass
    return (issue.code.value, issue.severity, issue.row, issue.column, issue.field, issue.value, issue.suggestion,
            issue.message)  # fmt: skip


def _issue_of(fields: tuple[object, ...]) -> Issue:
    """The Issue `_fields` was made of."""
    code, *rest = fields
    return Issue(_CODES[code], *rest)  # type: ignore[arg-type, index]


_CODES = {code.value: code for code in IssueCode}


def _read_run(path: Path) -> Iterator[tuple[_Key, tuple[object, ...]]]:
    with open(path, "rb") as fh:
        while True:
            try:
                part = pickle.load(fh)  # noqa: S301 - our own file, written by _spill in this process
            except EOFError:
                return
            yield from part


class SpilledIssues(Sequence[Issue]):
    """The issues of a Report, in its order, read from disk each time they are walked (see the module
    docstring). Equal to a list holding the same issues; pickles as that list. Read-only.

    Walk it (`for issue in report.issues`, `report.to_frame()`) rather than index it: `issues[k]` reads
    from the start up to k, so a loop over indexes is quadratic."""

    def __init__(self, directory: Path, runs: list[Path], count: int, tally: Tally) -> None:
        self._dir = directory
        self._runs = list(runs)
        self._count = count
        self.tally = tally
        self._cleanup = weakref.finalize(self, shutil.rmtree, directory, True)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Issue]:
        for _, fields in self._merged():
            yield _issue_of(fields)

    def on(self, rows: set[int], severity: str | None = None) -> Iterator[Issue]:
        """What `issues_on` gives, filtered on the stored fields: (key, fields) with key[1] the row and
        fields[1] the severity (`_fields`)."""
        if severity == ERROR and not self.tally.errors or severity == WARNING and not self.tally.warnings:
            return
        for key, fields in self._merged():
            if key[0] and key[1] in rows and (severity is None or fields[1] == severity):
                yield _issue_of(fields)

    def _merged(self) -> Iterator[tuple[_Key, tuple[object, ...]]]:
        # merged as (key, fields) tuples without a key function: the keys are unique (they end in the
        # sequence number), so the fields are never compared; an Issue is built only on the way out
        return heapq.merge(*(_read_run(p) for p in self._runs))

    @overload
    def __getitem__(self, index: int) -> Issue: ...
    @overload
    def __getitem__(self, index: slice) -> list[Issue]: ...
    def __getitem__(self, index: int | slice) -> Issue | list[Issue]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._count)
            if step > 0:
                return list(islice(self, start, stop, step))
            return list(self)[index]
        at = index + self._count if index < 0 else index
        if not 0 <= at < self._count:
            raise IndexError("issue index out of range")
        return next(islice(self, at, None))

    def __reversed__(self) -> Iterator[Issue]:
        return reversed(list(self))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, list | tuple | SpilledIssues):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # equal to a list, so unhashable as one

    def __reduce__(self) -> tuple[object, ...]:
        return (list, (list(self),))

    def __repr__(self) -> str:
        return f"<SpilledIssues: {self._count} issues in {len(self._runs)} sorted runs on disk>"

    def close(self) -> None:
        """Remove the files now (they go anyway when the object does); the issues cannot be read after."""
        self._cleanup()
