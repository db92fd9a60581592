"""Map and check CSV row blocks in worker processes, in source order: the block pass on every core.

Why processes: mapping and the row rules are Python work per distinct value (transforms, owners, rules),
which threads would run on one core. Each block is checked by `check_block`, the same function wherever it
runs, and results come back in block order, so outputs and the Report do not depend on how many workers
there are (the tests run one and two workers on the same data and compare the bytes).

What a caller may rely on:
- `checked_blocks` yields `(block, mapped, found)` in source order, `mapped.table` being the block;
- at most `2 × workers` blocks are in flight, so memory follows the block size, not the file;
- the first block is checked in this process, and no pool starts for a file of one block, so a profile
  that cannot be applied fails before any worker starts, with its own exception;
- a block whose worker fails for any reason is checked again here: the caller sees the exception a
  single-process run raises (a worker's exception may not survive pickling), never a pool error.

`AMOMIGRATE_WORKERS=1` (or `workers=1`) runs everything in this process; the default is the CPUs this
process may use, at most `MAX_WORKERS` (each worker holds a block and its own transform caches).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from .core.issues import Issue
from .core.mapping import MappedTable, apply_profile
from .core.profile import Profile
from .core.schema import AccountSchema
from .core.table import SourceTable
from .core.validate import summary_issues
from .quality.checks import run_checks
from .sources.blocks import NotStreamable

__all__ = ["MAX_WORKERS", "check_block", "checked_blocks", "default_workers"]

#: worker processes at most by default: past four, reading the CSV in the parent is the bottleneck
MAX_WORKERS = 4

Checked = tuple[SourceTable, MappedTable, list[Issue]]


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


def checked_blocks(blocks: Iterable[SourceTable], profile: Profile, schema: AccountSchema, owner_as: str,
                   workers: int | None = None) -> Iterator[Checked]:  # fmt: skip
    """Every block with its mapping and issues, in order (see the module docstring)."""
    workers = default_workers() if workers is None else max(1, workers)
    stream = iter(blocks)
    first = next(stream, None)
    second = next(stream, None) if first is not None else None
    if second is None or workers == 1:
        for block in (b for b in (first, second) if b is not None):
            yield (block, *check_block(block, profile, schema, owner_as))
        for block in stream:
            yield (block, *check_block(block, profile, schema, owner_as))
        return
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(profile, schema, owner_as)) as pool:  # fmt: skip
        pending: deque[tuple[SourceTable, Future]] = deque([(second, pool.submit(_worker_check, second))])
        yield (first, *check_block(first, profile, schema, owner_as))  # here, while a worker has the second
        for block in stream:
            pending.append((block, pool.submit(_worker_check, block)))
            if len(pending) >= 2 * workers:
                yield _result(*pending.popleft(), profile, schema, owner_as)
        while pending:
            yield _result(*pending.popleft(), profile, schema, owner_as)


def _result(block: SourceTable, future: Future, profile: Profile, schema: AccountSchema, owner_as: str) -> Checked:
    try:
        mapped, found = future.result()
    except Exception:  # noqa: BLE001 - whatever it was, this process raises it in its own words
        return (block, *check_block(block, profile, schema, owner_as))
    mapped.table = block
    return block, mapped, found


# --- in the worker -----------------------------------------------------------------------------------------

_WORKER: dict[str, object] = {}


def _start_worker(profile: Profile, schema: AccountSchema, owner_as: str) -> None:
    _WORKER.update(profile=profile, schema=schema, owner_as=owner_as)


def _worker_check(block: SourceTable) -> tuple[MappedTable, list[Issue]]:
    mapped, found = check_block(block, _WORKER["profile"], _WORKER["schema"], _WORKER["owner_as"])  # type: ignore[arg-type]
    mapped.table = None  # type: ignore[assignment]  # the parent has the block: not sent back
    mapped.stages = None  # used by the rules only, which have run
    return mapped, found
