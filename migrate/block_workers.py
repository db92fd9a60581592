"""Map and check CSV row blocks in worker processes, in source order: the block pass on every core.

Why processes: mapping and the row rules are Python work per distinct value (transforms, owners, rules),
which threads would run on one core. Each block is checked by `check_block`, the same function wherever it
runs, and results come back in block order, so outputs and the Report do not depend on how many workers
there are (the tests run one and two workers on the same data and compare the bytes).

What a caller may rely on:
- `checked_blocks` yields `(block, BlockDigest)` in source order;
- at most one block per worker is in flight (two with a single worker, which would otherwise wait while
  this process reads), plus the one the caller is folding, so memory follows the block size, not the
  file. A block queued behind a busy worker waited in this process's memory (~50 MB at 50,000 rows of 12
  columns) and gained nothing while every core was busy: 1M-row export, all processes 1,040 -> 948 MB in
  the same time. No more workers start than the file has blocks for (each is a process's memory), and
  they are forked before this process reads a block when `expected` says there are several;
- the first block is checked in this process, so a profile that cannot be applied fails with its own
  exception, never a pool error; no pool starts for a file of one block (by `expected`, else by reading);
  a pool whose workers cannot start leaves every block to this process;
- a block travels to its worker as `Shipped` (a column of text as one str) and arrives equal to itself;
- a block whose worker fails for any reason is checked again here: the caller sees the exception a
  single-process run raises (a worker's exception may not survive pickling), never a pool error.

`AMOMIGRATE_WORKERS=1` (or `workers=1`) runs everything in this process; the default is the CPUs this
process may use, at most `MAX_WORKERS` (each worker holds a block and its own transform caches).
"""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from .core.column_codes import shared_codes
from .core.heap import paused_collector
from .core.issues import ERROR, Issue
from .core.ledger import Ledger, cell_ledger
from .core.mapping import MappedTable, apply_profile
from .core.profile import Profile
from .core.schema import AccountSchema, Target
from .core.table import SourceTable
from .core.validate import summary_issues
from .quality.checks import run_checks
from .quality.key_hashes import KEY_ENTITIES, KeyHashes, cell_key_hashes, hashed_headers
from .quality.transforms import settle_memo
from .sinks.csvout import csv_rows
from .sources.blocks import NotStreamable

__all__ = ["MAX_WORKERS", "BlockDigest", "Shipped", "as_categories", "check_block", "checked_blocks", "default_workers",
           "digest_block", "expected_blocks", "key_headers", "source_feeds"]

#: worker processes at most by default: past four, reading the CSV in the parent is the bottleneck
MAX_WORKERS = 4

def key_headers(headers: Iterable[str], targets: Mapping[str, Target], entity: str) -> list[str]:
    """The columns the end-of-file searches read, in `headers`' order: every contact and company column,
    and the file's own owner columns, which the short-name check reads as a signal (two short names one
    typo apart, one owner, one city: the same firm). Without them a block pass reported as "possible" a
    pair the whole-table run joins."""
    out = []
    for h in headers:
        t = targets.get(h)
        if t is not None and (t.entity in KEY_ENTITIES or (t.entity == entity and t.role == "responsible_user")):
            out.append(h)
    return out


@dataclass
class BlockDigest:
    """What the pass needs of one checked block, computed where the block was checked so that a worker
    sends back issues, counts and compact key columns, not the mapped block.

    `columns`: the mapped frame's columns; `rejected`: rows with an error; `cells`: the block's ledger;
    `keys`/`key_sources`: the contact and company columns (mapped, and their source columns) as
    categoricals, a source column in `sparse` (source → the key header it feeds) missing where it equals
    that header's mapped value (most cells: names, INNs and e-mails map to themselves), which halves what
    a big file keeps; `frame`: the mapped rows without errors, when the caller writes frames (`keep` =
    "frame"); `text`: those rows as import-CSV lines (`sinks.csvout.csv_rows`) in UTF-8, when it writes a
    CSV (`keep` = "csv": formatted and encoded on the worker's core, sent as one bytes); `key_hashes`: the
    phone and e-mail key columns' key hashes (`quality.key_hashes`), so the pass can let go of their texts
    until the end."""

    columns: list[str]
    targets: dict[str, Target]
    sources: dict[str, str]
    issues: list[Issue]
    rejected: list[int]
    cells: Ledger
    keys: pd.DataFrame
    key_sources: pd.DataFrame
    sparse: dict[str, str]
    frame: pd.DataFrame | None
    text: bytes | None = None
    key_hashes: dict[str, KeyHashes] = field(default_factory=dict)


Checked = tuple[SourceTable, BlockDigest]
#: what a digest carries of the rows without errors: nothing, the frame, or its import-CSV text
Keep = Literal["frame", "csv"] | None


def default_workers() -> int:
    """`AMOMIGRATE_WORKERS` when set (a bad value counts as 1), else the usable CPUs up to `MAX_WORKERS`."""
    given = os.environ.get("AMOMIGRATE_WORKERS", "").strip()
    if given:
        return max(1, int(given)) if given.isdigit() else 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, cpus))


def check_block(block: SourceTable, profile: Profile, schema: AccountSchema,
                owner_as: str) -> tuple[MappedTable, list[Issue]]:  # fmt: skip
    """The block mapped (`apply_profile`) and every issue found in it: mapping, summary rows, row rules.
    Raises NotStreamable when nothing is mapped (the whole-table run words that error)."""
    mapped = apply_profile(block, profile, schema, owner_as=owner_as)
    if not mapped.inputs:
        raise NotStreamable("nothing mapped: the whole run words the error")
    found = mapped.issues + summary_issues(block) + run_checks(mapped, mapped.profile or profile, schema)
    return mapped, found


def digest_block(block: SourceTable, profile: Profile, schema: AccountSchema, owner_as: str,
                 keep: Keep) -> BlockDigest:  # fmt: skip
    """`check_block`, then what the pass keeps of it (see `BlockDigest`). The values the last block left in
    the transform memo are first moved off that block's freed memory (`settle_memo`)."""
    settle_memo()
    with shared_codes():  # each source column factorized once for every step below (`core.column_codes`)
        mapped, found = check_block(block, profile, schema, owner_as)
        rejected = sorted({i.row for i in found if i.row is not None and i.severity == ERROR})
        cells = cell_ledger(block.frame, mapped.profile or profile, mapped.inputs, rejected)
    keys = key_headers(mapped.frame.columns, mapped.targets, mapped.entity)
    feeds = source_feeds(keys, mapped.sources, block.frame.columns)
    sparse = {s: hs[0] for s, hs in feeds.items() if len(hs) == 1}  # a column feeding several is kept whole
    sources = pd.DataFrame({s: block.frame[s].where(~_same(block, mapped, s, sparse[s])) if s in sparse
                            else block.frame[s] for s in feeds}, index=block.frame.index)  # fmt: skip
    frame = text = None
    if keep:
        frame = mapped.frame.drop(index=rejected) if rejected else mapped.frame
        if keep == "csv":
            # UTF-8 bytes, the str let go: pickling a str for the parent encoded a second copy of it while
            # the str lived, the largest part of a worker's peak (+70 MB over its digest at 50,000 rows)
            frame, text = None, csv_rows(frame).encode("utf-8")
    key_frame = as_categories(mapped.frame[keys])
    hashes = {h: cell_key_hashes(key_frame[h], kind) for h, kind in hashed_headers(mapped.targets, keys).items()}
    return BlockDigest(
        columns=list(mapped.frame.columns), targets=mapped.targets, sources=mapped.sources, issues=found,
        rejected=rejected, cells=cells, keys=key_frame, key_sources=as_categories(sources), sparse=sparse,
        frame=frame, text=text, key_hashes=hashes,
    )  # fmt: skip


def as_categories(frame: pd.DataFrame) -> pd.DataFrame:
    """Each column as a categorical whose categories are in the order their values first appear:
    `astype("category")` sorts them, and sorting a block's 50,000 distinct e-mails as strings was a
    twentieth of a worker's CPU. No reader of the key columns depends on the categories' order."""
    columns = {}
    for name in frame.columns:
        codes, uniques = pd.factorize(frame[name])
        # the categories' dtype inferred as `astype` infers it (str for text): blocks must agree to be joined
        columns[name] = pd.Categorical.from_codes(codes, categories=pd.Index(uniques).infer_objects())
    return pd.DataFrame(columns, index=frame.index, columns=frame.columns)


def source_feeds(headers: Iterable[str], source_of: Mapping[str, str], columns: Iterable[str]) -> dict[str, list[str]]:
    """Source column (among `columns`) → the headers it feeds, in the order the headers first name it. One
    that feeds exactly one header can be kept as "what differs from the mapped value"
    (`BlockDigest.sparse`); one that feeds only phone and e-mail headers is held with them (`held_keys`)."""
    present = set(columns)
    feeds: dict[str, list[str]] = {}
    for h in headers:
        s = source_of.get(h)
        if s is not None and s in present:
            feeds.setdefault(s, []).append(h)
    return feeds


def _same(block: SourceTable, mapped: MappedTable, source: str, header: str) -> np.ndarray:
    return block.frame[source].to_numpy(dtype=object) == mapped.frame[header].to_numpy(dtype=object)


def expected_blocks(path: Path, rows: int) -> int:
    """About how many blocks of `rows` lines the file at `path` holds: its size over the bytes per line of
    its first and last megabyte (lines often grow down a file: numbered names, longer histories)."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        sample = fh.read(1 << 20)
        if size > 2 << 20:
            fh.seek(size - (1 << 20))
            sample += fh.read()
    per_line = len(sample) / max(1, sample.count(b"\n"))
    lines = size / max(per_line, 1.0)
    # the header line holds no row; a tenth of a block over a whole number is the estimate's noise
    return max(1, math.ceil((lines - 1) / rows - 0.1))


def checked_blocks(blocks: Iterable[SourceTable], profile: Profile, schema: AccountSchema, owner_as: str,
                   workers: int | None = None, keep: Keep = None,
                   expected: int | None = None) -> Iterator[Checked]:  # fmt: skip
    """Every block with its digest, in order (see the module docstring). `keep="csv"` applies to the blocks
    a worker checks; a block checked here keeps its frame, which the writer streams to the file (a text of
    it would only be a second copy in this process). `expected`: about how many
    blocks there are (`expected_blocks`); no more workers start than blocks the first leaves them, each
    costing a process's memory (a two-block file gets one)."""
    workers = default_workers() if workers is None else max(1, workers)
    pool_size = 0 if workers == 1 else workers  # one worker means this process alone
    sent, keep = keep, ("frame" if keep == "csv" else keep)  # text pays only across a process boundary
    if expected is not None and pool_size:
        pool_size = max(1, min(pool_size, expected - 1))
    stream = iter(blocks)
    head: list[SourceTable] = []
    if expected is None or expected < 2:  # read first: a file of one block starts no process
        head = list(islice(stream, 2))
        pool_size = pool_size if len(head) == 2 else 0
    if not pool_size:
        yield from _checked_here(head, stream, profile, schema, owner_as, keep)
        return
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(pool_size, mp_context=context, initializer=_start_worker,
                             initargs=(profile, schema, owner_as, sent)) as pool:  # fmt: skip
        # forked now, before this process holds blocks: a worker shares the parent's pages it was forked
        # with, and keeps each one the parent then frees and reuses (at 1M rows the two blocks read
        # first made each worker ~290 MB, ~100 MB more than its own work)
        ready = pool.submit(_ready)  # with fork, this submit forks every worker
        try:
            if context.get_start_method() == "fork":  # a spawned worker imports for a second: not waited for
                ready.result()
        except Exception:  # noqa: BLE001 - no worker could start (fork refused, memory): this process checks all
            yield from _checked_here(head, stream, profile, schema, owner_as, keep)
            return
        head += list(islice(stream, 2 - len(head)))
        if len(head) < 2:  # fewer blocks than `expected`: this process checks them
            yield from _checked_here(head, (), profile, schema, owner_as, keep)
            return
        first, second = head
        del head
        pending: deque[tuple[SourceTable, Future]] = deque([(second, pool.submit(_worker_check, Shipped(second)))])
        del second
        checked = (first, digest_block(first, profile, schema, owner_as, keep))  # a worker has the second
        del first
        yield checked
        del checked
        for block in stream:
            pending.append((block, pool.submit(_worker_check, Shipped(block))))
            del block
            if len(pending) > max(1, pool_size - 1):  # see the module docstring
                yield _result(*pending.popleft(), profile, schema, owner_as, keep)
        while pending:
            yield _result(*pending.popleft(), profile, schema, owner_as, keep)


def _result(block: SourceTable, future: Future, profile: Profile, schema: AccountSchema, owner_as: str,
            keep: Keep) -> Checked:  # fmt: skip
    try:
        return block, future.result()
    except Exception:  # noqa: BLE001 - whatever it was, this process raises it in its own words
        return block, digest_block(block, profile, schema, owner_as, keep)


def _checked_here(head: list[SourceTable], stream: Iterable[SourceTable], profile: Profile,
                  schema: AccountSchema, owner_as: str, keep: Keep) -> Iterator[Checked]:  # fmt: skip
    """`head`, then `stream`, checked in this process. `head` is emptied as it goes: a block this generator
    still named would live to the end."""
    while head:
        block = head.pop(0)
        yield block, digest_block(block, profile, schema, owner_as, keep)
    for block in stream:
        yield block, digest_block(block, profile, schema, owner_as, keep)


class Shipped:
    """A block on its way to a worker: pickled, each column of text travels as one str, its cells joined by
    NUL, and is split again on arrival (`_landed`).

    Why: pickling a block's 600,000 str objects one by one took 0.22 s a 50,000-row block in this
    process's queue thread (and 0.09 s to load in the worker); joined, 0.08 s and 0.07 s. On a million
    rows that was ~4.5 s of this process's CPU, which the workers' share of two cores paid for. A column
    with a NUL in a cell, or a cell that is not a str, travels as it is. The block is let go once pickled:
    the pool keeps its task until the result is back, and this process holds the block anyway.

    What a caller may rely on: the worker gets a SourceTable equal to the block (frame, index, dtypes,
    every other field). A Shipped pickles once; a second time raises, which the pass answers as it answers
    any failed task (the block is checked here)."""

    __slots__ = ("block",)

    def __init__(self, block: SourceTable) -> None:
        self.block: SourceTable | None = block

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        block, self.block = self.block, None
        if block is None:
            raise RuntimeError("a shipped block is pickled once")
        frame = block.frame
        columns = [_joined(frame.iloc[:, k].to_numpy(dtype=object)) for k in range(frame.shape[1])]
        return _landed, (replace(block, frame=frame.iloc[:0]), frame.index, columns)


_NUL = "\x00"


def _joined(cells: np.ndarray) -> str | np.ndarray:
    try:
        joined = _NUL.join(cells.tolist())
    except TypeError:  # a cell that is not a str
        return cells
    return joined if len(cells) and joined.count(_NUL) == len(cells) - 1 else cells


def _landed(table: SourceTable, index: pd.Index, columns: list[str | np.ndarray]) -> SourceTable:
    """The block again, each column in the dtype it left with (pandas would infer one from the cells)."""
    dtypes = table.frame.dtypes.tolist()
    cells = {k: pd.Series(np.array(c.split(_NUL), dtype=object) if isinstance(c, str) else c, index=index,
                          dtype=dtypes[k], copy=False) for k, c in enumerate(columns)}  # fmt: skip
    frame = pd.DataFrame(cells, index=index)
    frame.columns = table.frame.columns
    return replace(table, frame=frame)


# --- in the worker -----------------------------------------------------------------------------------------

_WORKER: dict[str, object] = {}


def _start_worker(profile: Profile, schema: AccountSchema, owner_as: str, keep: Keep) -> None:
    _WORKER.update(profile=profile, schema=schema, owner_as=owner_as, keep=keep)
    gc.enable()  # forked from a run that paused it: this process collects between its blocks


def _ready() -> None:
    """A first task: `submit` forks a pool's workers, and the pass wants them forked at once."""


@paused_collector()  # as the block pass does (`core.heap`): a block makes ~500,000 small objects, no cycles
def _worker_check(block: SourceTable) -> BlockDigest:
    w = _WORKER
    return digest_block(block, w["profile"], w["schema"], w["owner_as"], w["keep"])  # type: ignore[arg-type]
