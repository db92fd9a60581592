"""Validate and export a CSV file block by block: the rows are never all in memory at once.

The per-table steps are the ones every run uses (`apply_profile`, `run_checks`, `find_duplicates`,
`resolve_duplicates`); blocks are mapped and checked by `block_workers` (in worker processes when the file
has several blocks) and this module folds what they return, in source order, so a change to a step is a
change to both ways of running. What a block pass keeps across blocks is what must be global, and it is
what still grows with the file: the issues, the rejected rows' source text, the source rows the report
shows (`MAX_KEPT_ROWS`; others are re-read from the file when a report workbook asks for them), and, for
the duplicate search, the mapped contact/company columns as categoricals (one copy of each distinct value
per block, a code per row) with their source columns kept only where they differ from the mapped value —
except the phones and e-mails, nearly all distinct, which wait on disk with a hash of each key in memory
(`held_keys`) and come back only where another row shares a key (and, for the messages, in the duplicates'
rows).
The outputs are written block by block, the import file in the same bytes the whole-table writer gives.
At the end a helper process words a deals file's linked-row warnings (`end_wording`).

What a caller may rely on: the Report equals the one `validate_table` gives on the whole table (issues in
the same order, counts, duplicate clusters), and the import CSV has the same bytes. When a block shows the
file cannot be run this way (see `NotStreamable`: a later block adds a column, the CSV needs the whole
reader, a profile merges or rejects duplicates, which needs every row before deciding any), it raises
`NotStreamable` and the caller runs the whole table instead, from the start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .block_workers import (
    BlockDigest,
    as_categories,
    checked_blocks,
    digest_block,
    expected_blocks,
    key_headers,
    source_feeds,
)
from .core.heap import paused_collector, return_freed_memory
from .core.issue_log import IssueSpool
from .core.issues import Issue, IssueCode
from .core.key_vocab import KeyVocab
from .core.ledger import Ledger
from .core.mapping import MappedTable
from .core.profile import Profile
from .core.progress import Progress
from .core.report import Report
from .core.schema import AccountSchema, Target
from .core.table import SourceTable
from .end_searches import searched, split_searches
from .end_wording import Wording
from .held_keys import HeldKeys
from .quality.clients import repeated_clients_notes
from .quality.duplicates import Cluster, cluster_rows
from .quality.duplicates_policy import resolve_duplicates
from .sinks.appended import CsvAppender, FrameSpill
from .sources import blocks
from .sources.blocks import NotStreamable, csv_blocks

__all__ = ["MAX_KEPT_ROWS", "NotStreamable", "Outcome", "can_run_in_blocks", "run_blocks"]

#: source rows with issues kept in memory for the report's annotated sheet (the rest are re-read)
MAX_KEPT_ROWS = 50_000

#: gets each block's rows without errors as a frame; one whose `takes` is "csv" (`sinks.appended.CsvAppender`)
#: gets them as `append(header, text)` instead, the CSV lines made by the worker that checked the block
Writer = Callable[[pd.DataFrame], None]


def can_run_in_blocks(profile: Profile) -> bool:
    """Whether a profile's duplicates can be decided after the rows were written: `report` only
    (keep-first and merge change which rows are exported, so they need the whole table first)."""
    return all(policy == "report" for policy in profile.duplicate_policies().values())


@dataclass
class Outcome:
    """What a block pass produced: the Report, the import header and its integer columns."""

    report: Report
    header: list[str]
    numeric: list[str]


@dataclass
class _State:
    """What the pass keeps across blocks."""

    entity: str = ""  # the file's own entity (the profile's)
    header: list[str] | None = None
    targets: dict[str, Target] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    unmapped: dict[str, Issue] = field(default_factory=dict)
    file_issues: list[Issue] | None = None
    issues: IssueSpool = field(default_factory=IssueSpool)  # the rows' issues on, phase by phase
    told_owners: set[str | None] = field(default_factory=set)
    rejected: set[int] = field(default_factory=set)
    kept: list[pd.DataFrame] = field(default_factory=list)
    kept_rows: int = 0
    key_mapped: list[pd.DataFrame] = field(default_factory=list)
    key_source: list[pd.DataFrame] = field(default_factory=list)
    sparse: dict[str, str] = field(default_factory=dict)  # key source column → the header it equals where missing
    vocab: KeyVocab = field(default_factory=KeyVocab)  # the key columns' texts, one object each, and their codes
    held: HeldKeys = field(default_factory=HeldKeys)  # the phone and e-mail columns, on disk until the end
    cells: Ledger = field(default_factory=Ledger)


@paused_collector()  # millions of small objects, no cycles: the collector's passes were a fifth of the run
def run_blocks(path: str | Path, profile: Profile, schema: AccountSchema, *, owner_as: str = "name",
               write: Writer | None = None, read: dict[str, object] | None = None,
               block_rows: int | None = None, workers: int | None = None,
               progress: bool = False) -> Outcome:  # fmt: skip
    """Validate the CSV at `path` block by block; `write(frame)` gets each block's rows without errors.

    `read`: header_row/encoding/delimiter as for `read_csv` (default: the profile's `source` options).
    `workers`: processes that map and check blocks (`block_workers.default_workers()` when None); the
    result does not depend on it. `progress`: a bar counting rows (quiet when stderr is not a terminal),
    then one for the end-of-file searches.
    Raises NotStreamable (see the module docstring) and whatever reading, mapping or checking raises on
    the whole table.
    """
    if not can_run_in_blocks(profile):
        raise NotStreamable("the profile's duplicates policy needs the whole table")
    rows = block_rows or blocks.BLOCK_ROWS  # read at call time: a test or a caller may set it
    stream = csv_blocks(path, rows=rows, **(read if read is not None else read_options(profile)))  # type: ignore[arg-type]
    state = _State(entity=profile.entity)
    state.issues.next_phase()  # phase 0 is the file-level issues, known only at the end
    bars = Progress(progress)
    tick = bars.stage("checking rows", None, unit="row")
    expected = expected_blocks(Path(path), rows)
    wording = Wording.for_pass(expected, workers)  # its helper starts beside the block pass
    try:
        keep = None if write is None else getattr(write, "takes", "frame")

        def frame_of(block: SourceTable) -> pd.DataFrame:  # a block sent as text whose columns must be moved
            return digest_block(block, profile, schema, owner_as, "frame").frame  # type: ignore[return-value]

        for block, digest in checked_blocks(stream.blocks, profile, schema, owner_as, workers, keep,
                                            expected):  # fmt: skip
            _one_block(block, digest, state, write, frame_of)
            tick(len(block.frame))
            del block, digest  # the last block would otherwise live through the searches (its rows and text)
    except BaseException:
        state.held.close()
        if wording is not None:
            wording.close()
        raise
    finally:
        stream.close()
        bars.close()
    head = stream.head
    return_freed_memory()  # what the blocks freed, and the searches' big arrays once they are freed
    bars.stage("duplicates and repeated clients", None, unit="step")
    try:
        report, notes = _report(head, stream.rows, profile, schema, state, split_searches(workers), wording)
    finally:
        state.held.close()
        if wording is not None:
            wording.close()
        bars.close()
    report.notes += notes
    return Outcome(report, state.header or [], _numeric(state))


def _one_block(block: SourceTable, digest: BlockDigest, state: _State, write: Writer | None,
               frame_of: Callable[[SourceTable], pd.DataFrame]) -> None:  # fmt: skip
    """Fold one checked block into the pass's state (in source order) and write its rows without errors:
    as the CSV text the worker made when its columns are the file's, else as a frame moved to them."""
    found = digest.issues
    file_level = [i for i in found if i.row is None]
    for issue in file_level:
        if issue.code is IssueCode.UNMAPPED_COLUMN:
            state.unmapped.setdefault(issue.column or "", issue)
    if state.file_issues is None:
        state.file_issues = [i for i in file_level if i.code is not IssueCode.UNMAPPED_COLUMN]
    rows_here = []
    for issue in found:
        if issue.row is None:
            continue
        if issue.code is IssueCode.UNCHECKED_OWNER:  # said once per distinct owner, at its first row
            if issue.value in state.told_owners:
                continue
            state.told_owners.add(issue.value)
        rows_here.append(issue)
    state.issues += rows_here
    rejected = set(digest.rejected)  # an unchecked owner is a warning: the filter above rejects nothing
    state.rejected |= rejected
    _same_columns(digest, state)
    if write is not None and digest.text is not None and digest.columns == state.header:
        write.append(state.header, digest.text)  # type: ignore[attr-defined]
    elif write is not None:
        frame = digest.frame if digest.frame is not None else frame_of(block)
        write(frame.reindex(columns=state.header, fill_value="") if digest.columns != state.header else frame)
    state.cells = state.cells + digest.cells
    _keep_rows(block, rows_here, rejected, state)  # type: ignore[arg-type]
    _keep_keys(digest, block, state)


def _same_columns(digest: BlockDigest, state: _State) -> None:
    """Hold the block to the first block's columns. A column the first block lacks (a second phone's
    overflow column that appears further down) would change the whole file's header: refused."""
    if state.header is None:
        state.header = digest.columns
    elif digest.columns != state.header:
        if set(digest.columns) - set(state.header):
            raise NotStreamable("a later block adds a column to the import file")
        return
    for header, target in digest.targets.items():
        state.targets.setdefault(header, target)
    state.sources.update(digest.sources)


def _keep_rows(block: SourceTable, issues: list[Issue], rejected: set[int | None], state: _State) -> None:
    """Source rows the rejects file and the report show: every rejected row; others while there is room."""
    wanted = sorted({i.row for i in issues if i.row is not None})
    room = MAX_KEPT_ROWS - state.kept_rows
    keep = [r for r in wanted if r in rejected or (room := room - 1) >= 0]
    if keep:
        state.kept.append(block.frame.loc[keep])
        state.kept_rows += len(keep)


def _keep_keys(digest: BlockDigest, block: SourceTable, state: _State) -> None:
    """The contact and company columns (mapped and source) as categoricals, for the duplicate search; a
    column this block lacks (the first block has it) is blank here, as the whole table has it."""
    headers = key_headers(state.header or [], state.targets, state.entity)
    if not headers:
        return
    mapped = _categoricals(digest.keys, headers, block)
    feeds = source_feeds(headers, state.sources, block.frame.columns)
    source_cols = list(feeds)
    have = digest.key_sources
    for s, h in digest.sparse.items():  # the first block's word holds: a source column means one thing
        state.sparse.setdefault(s, h)
    sources = pd.DataFrame({
        s: have[s] if s in have.columns and digest.sparse.get(s) == state.sparse.get(s)
        else as_categories(block.frame[[s]])[s] for s in source_cols
    }, index=block.frame.index, columns=source_cols)  # fmt: skip
    mapped, sources = state.held.hold(mapped, sources, state.targets, feeds, digest.key_hashes)
    state.key_mapped.append(state.vocab.interned(mapped))
    state.key_source.append(state.vocab.interned(sources, prefix="source:"))


def _categoricals(keys: pd.DataFrame, headers: list[str], block: SourceTable) -> pd.DataFrame:
    blank = pd.Series("", index=block.frame.index, dtype="category")
    return pd.DataFrame({h: keys[h] if h in keys.columns else blank for h in headers}, index=block.frame.index,
                        columns=headers)  # fmt: skip


def _numeric(state: _State) -> list[str]:
    return [h for h in state.header or [] if h in state.targets and state.targets[h].integer]


def _same_everywhere(state: _State) -> list[str]:
    """The sparse source columns missing in every block: each cell equals its mapped value, so the mapped
    column stands for it (a duplicate message reads a key's source cell from the mapped column when the
    source column is absent) and no column of a pointer per row is built for it."""
    return [s for s in state.sparse
            if all(s not in part.columns or not len(part[s].cat.categories) for part in state.key_source)]  # fmt: skip


def _filled(sources: pd.DataFrame, mapped: pd.DataFrame, sparse: dict[str, str]) -> pd.DataFrame:
    """The key source columns whole again: a cell kept missing because it equalled its mapped value
    points to that value (the same str object: nothing is copied)."""
    for s, h in sparse.items():
        if s in sources.columns and h in mapped.columns:
            values = sources[s].to_numpy(dtype=object)
            gaps = pd.isna(values)
            if gaps.any():
                values = values.copy()
                values[gaps] = mapped[h].to_numpy(dtype=object)[gaps]
                sources[s] = values
    return sources


def _report(head: SourceTable, rows: int, profile: Profile, schema: AccountSchema, state: _State,
            split: bool | None, wording: Wording | None = None) -> tuple[Report, list[str]]:  # fmt: skip
    state.held.restore(state.key_mapped, state.key_source)  # the phones and e-mails another row shares
    mapped_keys = state.vocab.joined(state.key_mapped)
    same = _same_everywhere(state)
    source_keys = state.vocab.joined([part.drop(columns=same, errors="ignore") for part in state.key_source],
                                     prefix="source:")
    # the blocks' categoricals and the vocabulary are garbage now: the columns hold each text once
    state.key_mapped, state.key_source, state.vocab = [], [], KeyVocab()
    keys = MappedTable(
        frame=mapped_keys, entity=profile.entity, targets=state.targets, sources=state.sources, issues=[],
        table=SourceTable(frame=_filled(source_keys, mapped_keys, state.sparse), path=head.path, kind=head.kind),
    )  # fmt: skip
    # the spool sorts as the whole-table run's concatenation (source, file, rows, duplicates, possible) would
    spool = state.issues
    unmapped = [state.unmapped[c] for c in head.columns if c in state.unmapped]
    spool.add(list(head.issues) + unmapped + (state.file_issues or []), phase=0)
    spool.next_phase()

    def answer(clusters: list[Cluster], entity: str | None) -> None:  # entity: theirs, or None for several
        # messages compare a member's cells of its cluster's entity: a deals file's company clusters hold
        # nearly every row, and refilling the contacts' phones and e-mails there too was +150 MB at 2M rows
        was: dict[str, pd.Series] = {}
        for each in dict.fromkeys(c.entity for c in clusters):
            was |= state.held.refill(keys.frame, cluster_rows([c for c in clusters if c.entity == each]), each)
        aside = None if wording is None else (lambda batches: wording.hand(batches, spool))
        resolve_duplicates(keys, clusters, profile.duplicate_policies(), state.rejected,
                           schema.targets(profile.entity), into=spool, word_linked=aside)  # type: ignore[arg-type]  # fmt: skip
        for c, column in was.items():  # only the messages read the refilled cells; the next search holds less
            keys.frame[c] = column
        return_freed_memory()  # the refilled cells and the messages' arrays, before the next search

    # the notes count with the rows the blocks rejected: the searches reject none (checked at the end)
    rejected = sorted(state.rejected)
    found = searched(keys, rejected, answer, split=split)
    if wording is not None:
        wording.collect(spool)  # the linked-row warnings worded beside the searches
    notes, clusters = found.notes, found.clusters
    spool.next_phase()
    spool += found.possible
    issues = spool.finish()
    table = _KeptRows(frame=pd.concat(state.kept) if state.kept else head.frame, path=head.path, kind=head.kind,
                      sheet=head.sheet, header_row=head.header_row, encoding=head.encoding,
                      delimiter=head.delimiter, original_headers=head.original_headers)  # fmt: skip
    report = Report(source=str(head.path), sheet=head.sheet, entity=profile.entity, read=rows, issues=issues,
                    empty_rows=head.empty_rows, profile=str(profile.path) if profile.path else profile.name,
                    schema=schema.source, table=table, duplicates=clusters, merged_rows=[],
                    cells=state.cells)  # fmt: skip
    if report.rejected_rows != rejected:  # a search rejected rows after all: the notes follow the Report
        notes = repeated_clients_notes(keys, report) if len(keys.frame.columns) else []
    return report, notes


@dataclass(repr=False)
class _KeptRows(SourceTable):
    """The source rows a block pass kept; `take` re-reads any other row from the file."""

    def take(self, rows: list[int]) -> pd.DataFrame:
        missing = sorted(set(rows) - set(self.frame.index))
        if missing:
            self.frame = pd.concat([self.frame, _reread(self, set(missing))]).sort_index()
        return self.frame.loc[rows]


def _reread(table: SourceTable, rows: set[int]) -> pd.DataFrame:
    read = {"header_row": table.header_row, "encoding": table.encoding, "delimiter": table.delimiter}
    stream = csv_blocks(table.path, **read)  # type: ignore[arg-type]
    try:
        parts = [b.frame.loc[b.frame.index.isin(rows)] for b in stream.blocks]
    finally:
        stream.close()
    return pd.concat(parts)


# --- the verbs' block path ------------------------------------------------------------------------------


def source_in_blocks(source: object, profile: Profile, sheet: str | None) -> Path | None:
    """The CSV path when `source` is a CSV file this profile can run in blocks, else None (whole table).

    A missing or empty file goes the whole way too, whose reader words the error."""
    from .sources import detect

    if not isinstance(source, str | Path) or sheet or not can_run_in_blocks(profile):
        return None
    path = Path(source)
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return None
        return path if detect(path) == "csv" else None
    except OSError:
        return None


def read_options(profile: Profile) -> dict[str, object]:
    return {k: profile.source.get(k) for k in ("header_row", "encoding", "delimiter")}


def export_blocks(path: Path, profile: Profile, schema: AccountSchema, out: Path, *, owner_as: str,
                  max_rows: int | None, guard: Callable[[list[Path]], None],
                  progress: bool = False) -> tuple[Report, list[Path]]:  # fmt: skip
    """Validate `path` in blocks while writing the import file; returns the Report and the files written.

    The CSV import is appended block by block to a temporary file that replaces OUT at the end; the
    workbook's blocks wait on disk (`FrameSpill`) until the row count is known. `guard(parts)` is called
    with the import files before any is replaced. NotStreamable (or any error) leaves OUT untouched.
    """
    from .core.field_ids import importer_headers
    from .core.paths import atomic_path
    from .sinks.xlsx import SHEET_ROWS, part_paths, write_import_blocks

    if set(importer_headers(schema.targets(profile.entity))) & {s.field for s in profile.mapped().values()}:
        raise NotStreamable("a field named by id: its import header is renamed by the whole-table export")

    if out.suffix.lower() == ".csv":
        with atomic_path(out) as tmp:
            sink = CsvAppender(tmp)
            try:
                done = run_blocks(path, profile, schema, owner_as=owner_as, write=sink, progress=progress)
                if not sink.started:
                    sink(pd.DataFrame(columns=done.header))
            finally:
                sink.close()
            guard([out])
        return done.report, [out]
    spill = FrameSpill(out.with_name(f".{out.name}.blocks"))
    try:
        done = run_blocks(path, profile, schema, owner_as=owner_as, write=spill, progress=progress)
        guard(part_paths(out, spill.rows, max_rows or SHEET_ROWS))
        written = write_import_blocks(spill.blocks, spill.rows, done.header, out, numeric=done.numeric,
                                      max_rows=max_rows)  # fmt: skip
    finally:
        spill.remove()
    return done.report, written
