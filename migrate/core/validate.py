"""validate: map a source with a profile, run every rule, and decide which rows are exported.

The one place that turns a SourceTable + Profile + AccountSchema into a Report. `export` and `upload`
call it too, so what `validate` says is exactly what they will do.
"""

from __future__ import annotations

from collections.abc import Callable

from ..quality.checks import run_checks
from ..quality.duplicates import find_duplicates
from ..quality.duplicates_policy import resolve_duplicates
from .issues import ERROR
from .mapping import MappedTable, apply_profile
from .profile import Profile
from .report import Report
from .schema import AccountSchema
from .table import SourceTable


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
    mapped = apply_profile(table, profile, schema, owner_as=owner_as, tick=tick)
    issues = list(table.issues) + mapped.issues + run_checks(mapped, profile, schema)
    rejected = {i.row for i in issues if i.severity == ERROR and i.row is not None}
    clusters = find_duplicates(mapped)
    outcome = resolve_duplicates(mapped, clusters, policies, rejected, schema.targets(profile.entity))
    issues += outcome.issues
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
    return mapped, report
