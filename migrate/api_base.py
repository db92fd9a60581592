"""The verbs over a whole base: a migration manifest instead of one SOURCE (see migrate.base).

`validate_base` reads every file of the manifest with its profile, validates each like `validate` does,
then resolves keys and links across the files (migrate.base.graph). `export_base` writes one import file
per entity in the importer's order; `upload_base` (migrate.amocrm.upload.base) sends the whole base;
`plan_base` / `apply_plan_base` say and make what the account needs, the source ID field included;
`draft_manifest` drafts a manifest from a folder of exports. Like migrate.api, they never print.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .api import SchemaLike, _maybe_client, _schema, _source
from .base.graph import Base, build_base
from .base.manifest import Manifest, load_manifest
from .base.report import BaseReport
from .core.issues import MigrateError
from .core.paths import guard_outputs, write_pieces_atomic
from .core.schema import AccountSchema, schema_from_data
from .core.validate import validate_table
from .sinks.reports import checked_report_path, write_rejects
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
    inputs = [("manifest", manifest.path)] + [(f"{f.name}, named in {manifest.path.name}", f) for f in manifest.files()]
    guard_outputs(inputs, [("report", path)])


def write_base_report(report: BaseReport, path: str | Path, manifest: Manifest | None = None) -> Path:
    """Write a whole-base report: .json (BaseReport.to_json, each file's ledger inside) or .xlsx (Files:
    each file's counts; Cross-file: the cross-file counts; Ledger: each file's cell ledger; Issues: every
    file's issues with its entity and source)."""
    path = checked_report_path(path, whole_base=True)
    man = manifest or (load_manifest(report.manifest) if Path(report.manifest).is_file() else None)
    _refuse_input(path, man)
    if path.suffix.lower() == ".json":
        return write_pieces_atomic(path, chain(report.json_pieces(), ["\n"]))  # written as it is made
    rows = [{"entity": e, "source": r.source, **{k: v for k, v in r.counts().items() if k != "by_code"}}
            for e, r in report.files.items()]  # fmt: skip
    counts = pd.DataFrame([{"count": k, "value": v} for k, v in report.counts.items()])
    frame = report.to_frame().astype(object).where(lambda f: f.notna(), "")
    ledgers = [r.ledger().assign(entity=e) for e, r in report.files.items()]  # each file's cell ledger
    ledger = pd.concat(ledgers, ignore_index=True) if ledgers else pd.DataFrame()
    sheets = {"Files": pd.DataFrame(rows), "Cross-file": counts, "Ledger": ledger, "Issues": frame}
    return write_sheets(path, sheets)


# ==== network: `plan --apply` and `upload` of a manifest ================================================

if TYPE_CHECKING:
    from .amocrm.client import RetryPolicy
    from .amocrm.upload.base_run import BaseUploadResult


def base_paths(manifest: Manifest) -> dict[str, Path]:
    """Beside the manifest: `<stem>.journal.sqlite` and `<stem>.account.json` (the schema plan --apply writes)."""
    stem = manifest.path.stem
    return {"journal": manifest.path.with_name(f"{stem}.journal.sqlite"),
            "schema": manifest.path.with_name(f"{stem}.account.json")}  # fmt: skip


def apply_plan_base(manifest: ManifestLike, schema: SchemaLike = None, *, subdomain: str | None = None,
                    domain: str = "amocrm.ru", base_url: str | None = None, write_schema: str | Path | None = None,
                    rate: float = 7.0, token_file: str | Path | None = None, retry: RetryPolicy | None = None,
                    warn: Callable[[str], None] | None = None) -> dict[str, Any]:  # fmt: skip
    """Make the account ready for the whole base: create the manifest's `source_id_field` (text) on
    companies, contacts and leads where it is missing, re-pull the account and write it (default:
    `<manifest stem>.account.json` beside the manifest) for `upload --schema`. Returns what was done."""
    from .amocrm.base_setup import ensure_source_field

    man = _manifest(manifest)
    if not man.source_id_field:
        raise MigrateError(f"Manifest {man.path} names no source_id_field: there is nothing to create.")
    if not (subdomain or base_url):
        raise MigrateError("Applying the plan needs the account: --subdomain NAME or --base-url URL.")
    out = Path(write_schema) if write_schema else base_paths(man)["schema"]
    _refuse_input(out, man)
    with _maybe_client(subdomain, domain, base_url, rate, token_file, retry) as client:
        created, live = ensure_source_field(client, manifest_schema(man, schema), man.source_id_field, warn)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(live.to_json() + "\n", encoding="utf-8")
    tmp.replace(out)
    return {"field": man.source_id_field, "created_on": created, "schema": str(out)}


def upload_base(manifest: ManifestLike, schema: SchemaLike = None, *, subdomain: str | None = None,
                domain: str = "amocrm.ru", base_url: str | None = None, journal: str | Path | None = None,
                closed_tasks: bool = False, rate: float = 7.0, token_file: str | Path | None = None,
                retry: RetryPolicy | None = None, recovery_wait: float = 1.0,
                warn: Callable[[str], None] | None = None) -> tuple[BaseReport, BaseUploadResult]:  # fmt: skip
    """Upload a whole base: companies → contacts (linked) → leads (linked) → notes (record notes and
    comments, author and date in the text) → open tasks (closed ones with `closed_tasks`).

    Validates first (rows with errors are never sent); journalled per (entity, source key), so the same
    command resumes after a crash, creates nothing on a re-run, and creates exactly the new records after
    rows were added. `schema=None` pulls the account. Returns the BaseReport and the BaseUploadResult.
    """
    from .amocrm.upload.base_run import BaseUploader, BaseUploadOptions
    from .amocrm.upload.journal import Journal
    from .amocrm.upload.run import pull_to

    man = _manifest(manifest)
    if not (subdomain or base_url):
        raise MigrateError("An upload needs the account: --subdomain NAME or --base-url URL.")
    jpath = Path(journal) if journal else base_paths(man)["journal"]
    _refuse_input(jpath, man)
    with _maybe_client(subdomain, domain, base_url, rate, token_file, retry) as client:
        if schema is None and man.schema is None:
            sch = schema_from_data(pull_to(client, None, warn), "pulled")
        else:
            sch = manifest_schema(man, schema)
        base, report = read_base(man, sch)
        identity = {"manifest": man.path.name, "source_id_field": man.source_id_field or "",
                    "account": client.base_url}  # fmt: skip
        run_tag = "amomigrate-" + hashlib.sha256(str(man.path.resolve()).encode()).hexdigest()[:6]
        book = Journal(jpath, identity)
        try:
            options = BaseUploadOptions(closed_tasks=closed_tasks, recovery_wait=recovery_wait)
            result = BaseUploader(base, sch, client, book, man.source_id_field, run_tag, options, warn).run()
        finally:
            book.close()
    report.outputs["journal"] = [jpath]
    return report, result


# ==== `init DIR`: a manifest drafted from a folder of exports =============================================

_NOT_SOURCES = (".yaml", ".yml", ".md", ".py", ".sqlite", ".txt", ".log")


@dataclass
class ManifestDraft:
    """`text`: the manifest YAML; `placed`: entity → (file, profile, score); `unplaced`: file → why."""

    text: str
    placed: dict[str, tuple[str, str, float]]
    unplaced: dict[str, str]


def draft_manifest(folder: str | Path, out: str | Path, *, min_score: float = 0.15) -> ManifestDraft:
    """Draft a manifest for a folder of exports: each file's kind and best built-in profile (`inspect`),
    the profile's entity placing it; two files for one entity keep the better fit. Files that cannot be
    read, fit no built-in profile, or lose to a better file are listed in `unplaced` with the reason.
    Paths in the text are relative to `out`'s folder. Nothing is written."""
    from .api import inspect
    from .core.profile import load_profile

    folder, out = Path(folder), Path(out)
    if not folder.is_dir():
        raise MigrateError(f"{folder} is not a folder of exports.")
    placed: dict[str, tuple[str, str, float]] = {}
    unplaced: dict[str, str] = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() not in _NOT_SOURCES):
        try:
            found = inspect(path)
        except MigrateError as e:
            unplaced[path.name] = f"cannot be read: {e}"
            continue
        if not found.profile or found.profile_score < min_score:
            best = f"best {found.profile_score:.2f}"
            unplaced[path.name] = f"no built-in profile fits ({best}); write one with `init FILE`"
            continue
        entity = load_profile(found.profile).entity
        rel = os.path.relpath(path.resolve(), out.resolve().parent)
        if entity in placed and placed[entity][2] >= found.profile_score:
            unplaced[path.name] = f"another {entity} file fits better: {placed[entity][0]}"
            continue
        if entity in placed:
            unplaced[placed[entity][0]] = f"another {entity} file fits better: {rel}"
        placed[entity] = (rel, found.profile, found.profile_score)
    if not placed:
        raise MigrateError(f"No file of {folder} fits a built-in profile; draft profiles with `amomigrate init FILE`.")
    lines = ["# Drafted by `amomigrate init` from " + str(folder) + ": review the profiles, then set source_id_field.",
             "version: 1", f"name: {folder.name}", "sources:"]  # fmt: skip
    for entity in ("companies", "contacts", "leads", "comments", "tasks"):
        if entity in placed:
            rel, profile, score = placed[entity]
            lines.append(f"  {entity}: {{file: {json.dumps(rel, ensure_ascii=False)}, profile: {profile}}}"
                         f"   # fit {score:.2f}")  # fmt: skip
    lines.append('source_id_field: "ID в источнике"   # the custom field keeping each record\'s source ID')
    for name, why in unplaced.items():
        lines.append(f"# not placed: {name}: {why}")
    return ManifestDraft("\n".join(lines) + "\n", placed, unplaced)


# ==== `export MANIFEST -o DIR`: one import file per entity, in the importer's order ======================

_ORDER = {"companies": "1-companies", "contacts": "2-contacts", "leads": "3-leads", "comments": "4-comments",
          "tasks": "5-tasks"}  # fmt: skip


def export_base(manifest: ManifestLike, out: str | Path, schema: SchemaLike = None, *, owner_as: str = "name",
                max_rows: int | None = None) -> BaseReport:  # fmt: skip
    """Write the whole base for AmoCRM's file importer into the folder `out`: `1-companies.import.xlsx`,
    `2-contacts.import.xlsx`, `3-leads.import.xlsx` (import them in this order), each with its rejects
    workbook; names of linked records written identically in every reference column, comments in the note
    columns where they fit. What the importer cannot take (tasks, comments that do not fit) goes to
    `not-imported.xlsx` and `report.notes`, with the advice to use `upload`. Returns the BaseReport."""
    from .base.importer import import_frames
    from .sinks.xlsx import write_import

    man = _manifest(manifest)
    sch = manifest_schema(man, schema)
    base, report = read_base(man, sch, owner_as=owner_as)
    folder = Path(out)
    if folder.suffix.lower() in (".xlsx", ".csv"):
        raise MigrateError(f"With a manifest, -o names a folder (one import file per entity), not {folder.name}.")
    targets = {e: sch.targets(e) for e in ("leads", "contacts", "companies")}
    frames, leftovers = import_frames(base, targets)
    for entity, frame in frames.items():
        path = folder / f"{_ORDER[entity]}.import.xlsx"
        _refuse_input(path, man)
        numeric = [h for h, t in targets[entity].items() if t.integer and h in frame.columns]
        report.outputs.setdefault("import", []).extend(write_import(frame, path, numeric=numeric, max_rows=max_rows))
    for entity, (mapped, _, _) in base.parts.items():  # every file's rejected rows, comments and tasks too
        rejects = folder / f"{_ORDER[entity]}.rejects.xlsx"
        _refuse_input(rejects, man)
        report.outputs.setdefault("rejects", []).append(write_rejects(mapped.table, report.files[entity], rejects))
    if leftovers:
        rows = pd.DataFrame([{"what": x.kind, "source key": x.key, "file": man.sources[x.file].file.name,
                              "row": x.row, "why": x.reason} for x in leftovers])  # fmt: skip
        report.outputs["not imported"] = [write_sheets(folder / "not-imported.xlsx", {"Не импортируется": rows})]
        kinds = ", ".join(f"{n} {k}s" for k, n in pd.Series([x.kind for x in leftovers]).value_counts().items())
        report.notes.append(f"The importer cannot take {kinds} (listed in not-imported.xlsx): send them with "
                            f"`amomigrate upload {man.path.name}`.")  # fmt: skip
    return report
