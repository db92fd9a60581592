"""validate: map a source with a profile, run every rule, and decide which rows are exported.

The one place that turns a SourceTable + Profile + AccountSchema into a Report. `export` and `upload`
call it too, so what `validate` says is exactly what they will do.
"""

from __future__ import annotations

from collections.abc import Callable

from ..quality.checks import run_checks
from ..quality.clients import repeated_clients_notes
from ..quality.duplicates import find_duplicates, possible_duplicates
from ..quality.duplicates_policy import resolve_duplicates
from .columns import with_source_rows
from .issues import ERROR, Issue, IssueCode, ProfileError, make_issue
from .ledger import cell_ledger
from .mapping import MappedTable, apply_profile
from .profile import Profile
from .report import Report
from .schema import AccountSchema
from .summary_rows import summary_rows
from .table import SourceTable


def possible_duplicate_issues(mapped: MappedTable) -> list[Issue]:
    """A warning on the later row of each possible (unconfirmed short-name) duplicate pair."""
    header = next((h for h, t in mapped.targets.items() if t.entity == "companies" and t.role == "name"), None)
    column = mapped.sources.get(header, header) if header else None
    return [make_issue(IssueCode.POSSIBLE_DUPLICATE, row=p.row, column=column, field=header, value=p.name,
                       other=p.other, other_name=p.other_name) for p in possible_duplicates(mapped)]  # fmt: skip


def validate_table(
    table: SourceTable,
    profile: Profile,
    schema: AccountSchema,
    *,
    owner_as: str = "name",
    tick: Callable[[int], object] | None = None,
) -> tuple[MappedTable, Report]:
    """Map and check; return the mapped table and a Report whose issues are ordered file-level first,
    then by row. Rows with an error are the Report's `rejected_rows`; rows merged into a duplicate (profile
    `duplicates: merge`) are its `merged_rows` and are no longer in `mapped.frame`."""
    policies = profile.duplicate_policies()
    table = with_source_rows(table)
    mapped = apply_profile(table, profile, schema, owner_as=owner_as, tick=tick)
    if not mapped.inputs:
        raise ProfileError(nothing_mapped(table, profile))
    resolved = mapped.profile or profile
    issues = list(table.issues) + mapped.issues + summary_issues(table) + run_checks(mapped, resolved, schema)
    rejected = {i.row for i in issues if i.severity == ERROR and i.row is not None}
    clusters = find_duplicates(mapped)
    outcome = resolve_duplicates(mapped, clusters, policies, rejected, schema.targets(profile.entity))
    issues += outcome.issues + possible_duplicate_issues(mapped)
    issues.sort(key=lambda i: (i.row is not None, i.row or 0))
    report = Report(
        source=str(table.path),
        sheet=table.sheet,
        entity=profile.entity,
        read=table.rows,
        issues=issues,
        empty_rows=table.empty_rows,
        profile=str(profile.path) if profile.path else profile.name,
        schema=schema.source,
        table=table,
        duplicates=clusters,
        merged_rows=outcome.merged_rows,
    )
    report.cells = cell_ledger(table.frame, resolved, mapped.inputs, report.rejected_rows, outcome.merged_rows)
    report.notes += repeated_clients_notes(mapped, report)
    return mapped, report


def summary_issues(table: SourceTable) -> list[Issue]:
    """A «Итого»/«Всего»/«Total» row with sums is rejected as `summary_row`, not imported as a record."""
    return [make_issue(IssueCode.SUMMARY_ROW, row=row, column=column, value=text)
            for row, (column, text) in summary_rows(table.frame).items()]  # fmt: skip


def nothing_mapped(table: SourceTable, profile: Profile) -> str:
    """Why a run that would export rows with no column at all is refused, and what to do."""
    wanted = ", ".join(repr(c) for c in list(profile.mapped())[:6])
    have = ", ".join(repr(c) for c in table.columns[:6])
    return (
        f"No column of {table.where()} is mapped by profile {profile.name or profile.path or ''}: it expects "
        f"{wanted or 'no column'}{' …' if len(profile.mapped()) > 6 else ''}, and the file has {have}"
        f"{' …' if len(table.columns) > 6 else ''}. Exporting would write {table.rows} empty records; nothing "
        "was written. Choose the profile that fits (`amomigrate inspect` suggests one) or draft one with "
        "`amomigrate init`."
    )
