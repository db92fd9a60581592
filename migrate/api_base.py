"""The verbs over a whole base: a migration manifest instead of one SOURCE (see migrate.base).

`validate_base` reads every file of the manifest with its profile, validates each like `validate` does,
then resolves keys and links across the files (migrate.base.graph). `export_base` writes one import file
per entity in the importer's order; `upload_base` (migrate.amocrm.upload.base) sends the whole base;
`plan_base` / `apply_plan_base` say and make what the account needs, the source ID field included;
`draft_manifest` drafts a manifest from a folder of exports. Like migrate.api, they never print.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .api import SchemaLike, _schema, _source
from .base.graph import Base, build_base
from .base.manifest import Manifest, load_manifest
from .base.report import BaseReport
from .core.issues import MigrateError
from .core.schema import AccountSchema
from .core.validate import validate_table
from .sinks.xlsx import write_sheets

ManifestLike = Manifest | str | Path


def _manifest(manifest: ManifestLike) -> Manifest:
    return manifest if isinstance(manifest, Manifest) else load_manifest(manifest)


def manifest_schema(manifest: Manifest, schema: SchemaLike) -> AccountSchema:
    """`--schema` when given, else the manifest's own `schema:`, else the bundled default account."""
    return _schema(schema if schema is not None else manifest.schema)


def read_base(manifest: ManifestLike, schema: SchemaLike = None, *, owner_as: str = "name") -> tuple[Base, BaseReport]:
    """Read and validate every file of the manifest and resolve the links between them.

    Returns the Base (records, links, attachments — what export and upload work from) and its BaseReport.
    """
    man = _manifest(manifest)
    sch = manifest_schema(man, schema)
    parts = {}
    for entity, spec in man.sources.items():
        profile = man.profiles[entity]
        table = _source(spec.file, profile, spec.sheet)
        mapped, report = validate_table(table, profile, sch, owner_as=owner_as)
        parts[entity] = (mapped, report, profile)
    base = build_base(parts)
    report = BaseReport(str(man.path), {e: p[1] for e, p in parts.items()}, dict(base.counts))
    return base, report


def validate_base(manifest: ManifestLike, schema: SchemaLike = None, *, owner_as: str = "name") -> BaseReport:
    """Validate a whole base: each file on its own, then the links across files. Nothing is written.

    >>> report = validate_base("samples/bitrix24/base/migration.yaml")  # doctest: +SKIP
    >>> report.counts["links_dangling"]  # doctest: +SKIP
    """
    return read_base(manifest, schema, owner_as=owner_as)[1]


def _refuse_input(path: Path, manifest: Manifest | None) -> None:
    """Inputs are never outputs: no file of the manifest (sources, profiles, schema) is written over."""
    if manifest is None:
        return
    target = path.resolve()
    if target == manifest.path.resolve() or any(target == f.resolve() for f in manifest.files()):
        raise MigrateError(f"{path} is an input of {manifest.path}; choose another output file.")


def write_base_report(report: BaseReport, path: str | Path, manifest: Manifest | None = None) -> Path:
    """Write a whole-base report: .json (BaseReport.to_json) or .xlsx (Summary: each file's counts and the
    cross-file counts; Issues: every file's issues with its entity and source)."""
    path = Path(path)
    man = manifest or (load_manifest(report.manifest) if Path(report.manifest).is_file() else None)
    _refuse_input(path, man)
    suffix = path.suffix.lower()
    if suffix == ".json":
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(report.to_json() + "\n", encoding="utf-8")
        tmp.replace(path)
        return path
    if suffix != ".xlsx":
        raise MigrateError(f"Report file {path} must end in .json or .xlsx.")
    rows = [{"entity": e, "source": r.source, **{k: v for k, v in r.counts().items() if k != "by_code"}}
            for e, r in report.files.items()]  # fmt: skip
    counts = pd.DataFrame([{"count": k, "value": v} for k, v in report.counts.items()])
    frame = report.to_frame().astype(object).where(lambda f: f.notna(), "")
    return write_sheets(path, {"Files": pd.DataFrame(rows), "Cross-file": counts, "Issues": frame})
