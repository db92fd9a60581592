"""amomigrate: move a legacy customer base (Excel, CSV, Bitrix24, Megaplan) into AmoCRM (Kommo).

The public API, for notebooks and scripts; the `amomigrate` command is a thin layer over it.

>>> import migrate
>>> report = migrate.validate("samples/customers.xlsx", "customers", "samples/account.json")  # doctest: +SKIP
>>> report.to_frame(severity="error")  # doctest: +SKIP
"""

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
