"""Row rules that look across columns, one small function per rule, each yielding Issues.

Per-column problems (bad phone, unknown owner, unknown stage, ...) are found while mapping, where the
value is decided; the rules here need the whole mapped row: required fields, fields a stage requires,
and rows that would reach AmoCRM without a name. Each rule is vectorised over the frame: it selects the
offending rows with a mask and only then builds Issues, so a clean column costs one comparison.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

from ..core.blank import blank_cells
from ..core.issues import Issue, IssueCode, make_issue
from ..core.limits import MAX_CELL
from ..core.mapping import MappedTable, stage_key
from ..core.profile import Profile
from ..core.schema import AccountSchema
from .duplicates import valid_inn

Rule = Callable[[MappedTable, Profile, AccountSchema], Iterator[Issue]]

_NAME_WHAT = {"leads": "deal name", "contacts": "contact name", "companies": "company name"}


def _empty(series: pd.Series) -> pd.Series:
    return pd.Series(blank_cells(series), index=series.index)


def required_columns(mapped: MappedTable, profile: Profile, schema: AccountSchema) -> Iterator[Issue]:
    """Columns the profile marks `required: true` must not be empty."""
    for source, spec in profile.mapped().items():
        if not spec.required or spec.field not in mapped.frame.columns:
            continue
        column = mapped.frame[spec.field]
        for row in column.index[_empty(column)]:
            yield make_issue(IssueCode.REQUIRED_EMPTY, row=int(row), column=source, field=spec.field, value="")


def required_at_stage(mapped: MappedTable, profile: Profile, schema: AccountSchema) -> Iterator[Issue]:
    """A deal at a stage that requires a field (the schema's `required_statuses`) must have it filled.

    A required field the profile does not map at all is empty on every row at that stage.
    """
    if mapped.stages is None:
        return
    names = {(p.id, s.id): s.name for p in schema.pipelines for s in p.statuses}
    for target in schema.targets(mapped.entity).values():
        for stage in target.required_statuses:
            at_stage = mapped.stages == stage_key(*stage)
            if not at_stage.any():
                continue
            if target.header in mapped.frame.columns:
                missing = at_stage & _empty(mapped.frame[target.header])
            else:
                missing = at_stage
            column = mapped.sources.get(target.header)
            for row in missing.index[missing]:
                yield make_issue(IssueCode.REQUIRED_AT_STATUS, row=int(row), column=column, field=target.header,
                                 value="", status=names.get(stage, str(stage)))  # fmt: skip


def rows_without_name(mapped: MappedTable, profile: Profile, schema: AccountSchema) -> Iterator[Issue]:
    """Warn where AmoCRM would invent a name: a row with data for an entity but no name for it."""
    targets = schema.targets(mapped.entity)
    frame = mapped.frame
    empty: dict[str, np.ndarray] = {}  # each column tested once: a name column is also a data column

    def all_empty(headers: list[str]) -> np.ndarray:
        for h in headers:
            if h not in empty:
                empty[h] = blank_cells(frame[h])
        return np.logical_and.reduce([empty[h] for h in headers])

    for entity in ("leads", "contacts", "companies"):
        headers = [h for h in frame.columns if h in targets and targets[h].entity == entity]
        if not headers:
            continue
        names = [h for h in headers if targets[h].role in ("name", "first_name", "last_name")]
        if entity == mapped.entity and not names:  # no name column at all: say it once, not on every row
            yield make_issue(IssueCode.NO_NAME, what=_NAME_WHAT[entity] + " column")
            continue
        if not names:
            continue
        # a row of the file's own entity is a record whatever it holds; another entity's needs data
        unnamed = all_empty(names) if entity == mapped.entity else all_empty(names) & ~all_empty(headers)
        unnamed = pd.Series(unnamed, index=frame.index)
        name_header = names[0]
        column = mapped.sources.get(name_header)
        for row in unnamed.index[unnamed]:
            yield make_issue(IssueCode.NO_NAME, row=int(row), column=column, field=name_header, value="",
                             what=_NAME_WHAT[entity])  # fmt: skip


def text_fits_a_cell(mapped: MappedTable, profile: Profile, schema: AccountSchema) -> Iterator[Issue]:
    """Excel cuts a cell at 32,767 characters; such a row is rejected rather than silently shortened."""
    for header in mapped.frame.columns:
        lengths = _lengths(mapped.frame[header])
        for row in lengths.index[lengths > MAX_CELL]:
            text = mapped.frame.at[row, header]
            yield make_issue(IssueCode.TEXT_TOO_LONG, row=int(row), column=mapped.sources.get(header), field=header,
                             value=text[:50] + "…", length=len(text), limit=MAX_CELL)  # fmt: skip


def _lengths(column: pd.Series) -> pd.Series:
    """Each cell's length in characters (NaN for a cell that is not text). `len` mapped over a column of
    str, as mapped columns are, is a third of the time of `.str.len()` (a million-row file's twelve
    columns: ~1.2 s of CPU less); a column with a cell `len` refuses takes the pandas path."""
    values = column.to_numpy(dtype=object)
    try:
        lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
    except TypeError:  # a missing cell (NaN) or a number: `len` fails where `.str.len()` gives NaN
        return column.str.len()
    return pd.Series(lengths, index=column.index)


_INN_HEADER = re.compile(r"(?<![а-яёa-z])(?:инн|inn)(?![а-яёa-z])", re.IGNORECASE)
_SHORT_INN = re.compile(r"\d{9}|\d{11}")


def inn_lost_zero(mapped: MappedTable, profile: Profile, schema: AccountSchema) -> Iterator[Issue]:
    """An INN of 9 or 11 digits lost its leading zero (a spreadsheet read it as a number): flagged, with
    the zero-padded value suggested when its check digits are then right."""
    for header in mapped.frame.columns:
        source = mapped.sources.get(header) or ""
        if not (_INN_HEADER.search(header) or _INN_HEADER.search(source)):
            continue
        column = mapped.frame[header].str.replace(r"[\s\-]", "", regex=True)
        for row in column.index[column.str.fullmatch(_SHORT_INN)]:
            value = column[row]
            padded = "0" + value
            ok = valid_inn(padded)
            yield make_issue(IssueCode.INN_LOST_ZERO, row=int(row), column=source or None, field=header, value=value,
                             suggestion=padded if ok else None, digits=len(value),
                             fix=f"; {padded!r} has valid check digits" if ok else "")  # fmt: skip


RULES: list[Rule] = [required_columns, required_at_stage, rows_without_name, text_fits_a_cell, inn_lost_zero]


def run_checks(mapped: MappedTable, profile: Profile, schema: AccountSchema) -> list[Issue]:
    """Every row rule's issues, in rule order. Every rule is about rows, so a table with no rows has none
    (and pandas may type its empty columns as float, which the text rules cannot read)."""
    if len(mapped.frame.index) == 0:
        return []
    return [issue for rule in RULES for issue in rule(mapped, profile, schema)]
