"""Which file column each profile key means, and what the report says about columns as a whole.

Before any value is mapped the profile is *resolved* against the file: each key is paired with the
file's header it means (exact text, else the same header once invisible differences are folded, see
`headerfold`), and the profile is rewritten with the file's own headers as keys. Everything after this
step (mapping, checks, the ledger) therefore speaks the file's headers. Column-level issues come from
here too: a key matched only after folding (info), an optional column absent (info), a column missing
(error, naming the nearest header of the file with its invisible characters shown), a column with data
the profile does not mention (warning), a target the account lacks (error).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from ..quality.fuzzy import Matcher
from .headerfold import fold_header, resolve_headers, typed, visible
from .issues import Issue, IssueCode, make_issue
from .profile import Profile
from .schema import Target
from .table import SourceTable

#: columns the rejects workbook adds; a re-run of a fixed rejects file ignores them
REJECT_ROW = "Строка источника"
REJECT_REASONS = "Ошибки"
REJECT_META = (REJECT_ROW, REJECT_REASONS)

_SUFFIXES = (" (контакт)", " (компания)", " (сделка)")


def resolve_profile(table: SourceTable, profile: Profile) -> tuple[Profile, list[Issue]]:
    """The profile with each key (columns, the record `key`, `links`) replaced by the file header it means,
    and one info per column matched only after folding.

    Keys without a header in the file stay as they are (they are reported missing later)."""
    wanted = list(profile.columns) + [k for k in [profile.key, *profile.links] if k and k not in profile.columns]
    found = resolve_headers(wanted, table.columns)
    issues = []
    columns = {}
    for key, spec in profile.columns.items():
        header = found.get(key, key)
        if header != key:
            issues.append(make_issue(IssueCode.HEADER_FOLDED, column=header, value=key,
                                     shown=repr(visible(header)), how=_difference(key, header)))  # fmt: skip
        columns.setdefault(header, spec)
    links = {found.get(k, k): v for k, v in profile.links.items()}
    key = found.get(profile.key, profile.key) if profile.key else profile.key
    return replace(profile, columns=columns, links=links, key=key), issues


def _difference(key: str, header: str) -> str:
    if typed(header) == key:
        return "spaces of another kind, or invisible characters"
    if typed(header).casefold() == key.casefold():
        return "letter case or spacing"
    return "letter case, ё/е or Latin letters that look Cyrillic"


def column_issues(table: SourceTable, profile: Profile, targets: dict[str, Target],
                  ambiguous: dict[str, tuple[tuple[int, str], ...]] | None = None) -> list[Issue]:  # fmt: skip
    """Unmapped, missing, optional-missing, unknown- and ambiguous-target issues of a resolved profile.

    `ambiguous`: header → (id, by-id header) of the account's fields sharing it (`AccountSchema.ambiguous`)."""
    issues = [_unmapped(table, column, targets) for column in unmapped_columns(table, profile)]
    for source, spec in profile.mapped().items():
        if source not in table.frame.columns:
            if spec.optional:
                issues.append(make_issue(IssueCode.OPTIONAL_COLUMN_MISSING, column=source, field=spec.field))
            else:
                issues.append(make_issue(IssueCode.MISSING_COLUMN, column=source, field=spec.field,
                                         nearest=_nearest(source, table.columns)))  # fmt: skip
        elif spec.field not in targets and spec.field in (ambiguous or {}):
            twins = (ambiguous or {})[spec.field]
            issues.append(make_issue(IssueCode.AMBIGUOUS_FIELD, column=source, field=spec.field, count=len(twins),
                                     ids=", ".join(f"id {i}" for i, _ in twins),
                                     examples=" or ".join(repr(h) for _, h in twins)))  # fmt: skip
        elif spec.field not in targets:
            issues.append(make_issue(IssueCode.UNKNOWN_FIELD, column=source, field=spec.field, entity=profile.entity,
                                     suggestions=header_hints(spec.field, targets)))  # fmt: skip
    return issues


def unmapped_columns(table: SourceTable, profile: Profile) -> list[str]:
    """File columns with data that the (resolved) profile neither maps nor drops."""
    linked = profile.link_columns()
    return [
        c for c in table.columns
        if c not in profile.columns and c not in REJECT_META and c not in linked
        and (table.frame[c].str.strip() != "").any()
    ]  # fmt: skip


def _unmapped(table: SourceTable, column: str, targets: dict[str, Target]) -> Issue:
    m = Matcher(list(targets)).suggest(column)
    return make_issue(IssueCode.UNMAPPED_COLUMN, column=column, suggestion=m.choice if m else None)


def _nearest(key: str, headers: list[str]) -> str:
    """' The nearest header of the file is 'Эл.<NBSP>почта:'.' — or '' when none is close."""
    by_fold = {fold_header(h): h for h in headers}
    m = Matcher(list(by_fold), cutoff=70).suggest(fold_header(key))
    if m is None:
        return ""
    header = by_fold[m.choice]
    shown = visible(header)
    note = " (invisible characters shown in <>)" if shown != header else ""
    return f" The nearest header of the file is {shown!r}{note}."


def header_hints(wanted: str, targets: dict[str, Target]) -> list[str]:
    """Close import headers for an unknown one: its name is compared with names of the same entity
    suffix only, so "ИНН (компания)" is not 'close' to every "… (компания)" header by its suffix alone."""
    suffix = next((x for x in _SUFFIXES if wanted.endswith(x)), "")
    same = {h[: len(h) - len(suffix)] if suffix else h: h for h in targets if h.endswith(suffix)}
    base = wanted[: len(wanted) - len(suffix)] if suffix else wanted
    return [same[m.choice] for m in Matcher(list(same), cutoff=75).suggest_many(base)]


def with_source_rows(table: SourceTable) -> SourceTable:
    """A rejects workbook read back: its rows numbered by the original source rows it holds.

    The rejects workbook carries each row's source row number in REJECT_ROW; when every row has one and
    they are distinct, they become the table's row numbers, so a fixed row is reported (and rejected
    again, if need be) under the number it had in the user's original file."""
    if REJECT_ROW not in table.frame.columns or table.frame.empty:
        return table
    numbers = table.frame[REJECT_ROW].str.strip()
    if not numbers.str.fullmatch(r"\d{1,9}").all() or numbers.duplicated().any():
        return table
    frame = table.frame.set_axis(pd.Index(numbers.astype("int64"), dtype="int64"), axis=0)
    return replace(table, frame=frame)
