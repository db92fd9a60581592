"""validate: map a source with a profile, run every rule, and decide which rows are exported.

The one place that turns a SourceTable + Profile + AccountSchema into a Report. `export` and `upload`
call it too, so what `validate` says is exactly what they will do.
"""

from __future__ import annotations

from collections.abc import Callable

from .checks import run_checks
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
    then by row. Rows with an error are the Report's `rejected_rows`."""
    mapped = apply_profile(table, profile, schema, owner_as=owner_as, tick=tick)
    issues = list(table.issues) + mapped.issues + run_checks(mapped, profile, schema)
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
    )
    return mapped, report
