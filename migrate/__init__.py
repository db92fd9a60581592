"""amomigrate: move a legacy customer base (Excel, CSV, Bitrix24, Megaplan) into AmoCRM (Kommo).

The public API, for notebooks and scripts; the `amomigrate` command is a thin layer over it.

>>> import migrate
>>> report = migrate.validate("samples/customers.xlsx", "customers", "samples/account.json")  # doctest: +SKIP
>>> report.to_frame(severity="error")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names as type checkers and editors see them
    from .api import (
        apply_plan,
        apply_profile,
        draft_profile,
        export,
        inspect,
        plan,
        pull_schema,
        read_source,
        upload,
        validate,
        write_plan,
    )
    from .api_base import (
        apply_plan_base,
        draft_manifest,
        export_base,
        read_base,
        upload_base,
        validate_base,
        write_base_report,
    )
    from .base import Base, BaseReport, Manifest, load_manifest
    from .core.issues import (
        AmoApiError,
        Issue,
        IssueCode,
        MigrateError,
        ProfileError,
        SchemaError,
        SourceError,
    )
    from .core.mapping import MappedTable
    from .core.profile import ColumnSpec, Profile, builtin_profiles, load_profile
    from .core.report import Report
    from .core.schema import AccountSchema, Target, load_schema
    from .core.table import SourceTable
    from .editor import MappingEditor
    from .quality.duplicates import Cluster, find_duplicates
    from .sinks.reports import write_report

__all__ = [
    "AccountSchema",
    "AmoApiError",
    "Base",
    "BaseReport",
    "Cluster",
    "ColumnSpec",
    "Issue",
    "IssueCode",
    "Manifest",
    "MappedTable",
    "MappingEditor",
    "MigrateError",
    "Profile",
    "ProfileError",
    "Report",
    "SchemaError",
    "SourceError",
    "SourceTable",
    "Target",
    "apply_plan",
    "apply_plan_base",
    "apply_profile",
    "builtin_profiles",
    "draft_manifest",
    "draft_profile",
    "export",
    "export_base",
    "find_duplicates",
    "inspect",
    "load_manifest",
    "load_profile",
    "load_schema",
    "plan",
    "pull_schema",
    "read_base",
    "read_source",
    "upload",
    "upload_base",
    "validate",
    "validate_base",
    "write_base_report",
    "write_plan",
    "write_report",
]

#: each public name → the module that defines it, imported at first use (`__getattr__`): a process that
#: needs one small module (the helper wording a big file's warnings, `migrate.end_wording`) does not load
#: pandas, the readers and the API for nothing — `import migrate.core.issues` alone was 1.9 s and 105 MB
_WHERE = {
    "AccountSchema": ".core.schema",
    "AmoApiError": ".core.issues",
    "Base": ".base",
    "BaseReport": ".base",
    "Cluster": ".quality.duplicates",
    "ColumnSpec": ".core.profile",
    "Issue": ".core.issues",
    "IssueCode": ".core.issues",
    "Manifest": ".base",
    "MappedTable": ".core.mapping",
    "MappingEditor": ".editor",
    "MigrateError": ".core.issues",
    "Profile": ".core.profile",
    "ProfileError": ".core.issues",
    "Report": ".core.report",
    "SchemaError": ".core.issues",
    "SourceError": ".core.issues",
    "SourceTable": ".core.table",
    "Target": ".core.schema",
    "apply_plan": ".api",
    "apply_plan_base": ".api_base",
    "apply_profile": ".api",
    "builtin_profiles": ".core.profile",
    "draft_manifest": ".api_base",
    "draft_profile": ".api",
    "export": ".api",
    "export_base": ".api_base",
    "find_duplicates": ".quality.duplicates",
    "inspect": ".api",
    "load_manifest": ".base",
    "load_profile": ".core.profile",
    "load_schema": ".core.schema",
    "plan": ".api",
    "pull_schema": ".api",
    "read_base": ".api_base",
    "read_source": ".api",
    "upload": ".api",
    "upload_base": ".api_base",
    "validate": ".api",
    "validate_base": ".api_base",
    "write_base_report": ".api_base",
    "write_plan": ".api",
    "write_report": ".sinks.reports",
}


def __getattr__(name: str) -> Any:
    """A public name (imported once, then an ordinary attribute), or a submodule (`migrate.api`)."""
    module = _WHERE.get(name)
    if module is not None:
        value = getattr(importlib.import_module(module, __name__), name)
    else:
        try:
            value = importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
