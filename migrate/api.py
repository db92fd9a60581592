"""The verbs a notebook and the CLI share: read, load, apply, validate, export.

Each function takes either ready objects (SourceTable, Profile, AccountSchema) or paths/names, and
returns objects (tables, reports) — it never prints. The CLI is a thin layer that parses options, calls
one of these, renders the result and picks the exit code.
"""

from __future__ import annotations

from pathlib import Path

from .chunked import NotStreamable, export_blocks, run_blocks, source_in_blocks
from .core.field_ids import by_id_notes, importer_headers
from .core.heap import paused_collector
from .core.issues import MigrateError
from .core.mapping import MappedTable
from .core.mapping import apply_profile as _apply_profile
from .core.paths import dry_run_folder, guard_outputs, write_text_atomic
from .core.people import SourceUser
from .core.profile import Profile, load_profile
from .core.progress import Progress
from .core.report import Report
from .core.schema import AccountSchema, load_schema, schema_from_data
from .core.table import SourceTable
from .core.validate import validate_table
from .drafting.draft import Draft
from .drafting.draft import draft_profile as _draft_profile
from .drafting.inspection import Inspection, guess_entity, inspect_table
from .drafting.plan import SetupPlan, build_plan
from .drafting.roles import RoleTemplate, load_roles
from .sinks.csvout import write_csv
from .sinks.reports import checked_rejects_path, checked_report_path, write_rejects, write_report
from .sinks.xlsx import SHEET_ROWS, part_paths, write_import, write_sheets
from .sources import read_table
from .sources.users import read_users

ProfileLike = Profile | str | Path
SchemaLike = AccountSchema | str | Path | None
SourceLike = SourceTable | str | Path


def read_source(
    path: str | Path,
    *,
    sheet: str | None = None,
    kind: str = "auto",
    header_row: int | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
) -> SourceTable:
    """Read a source file as text cells with physical row numbers (see SourceTable).

    >>> table = read_source("samples/customers.xlsx", sheet="Клиенты")  # doctest: +SKIP
    """
    return read_table(path, sheet=sheet, kind=kind, header_row=header_row, encoding=encoding, delimiter=delimiter)


def inspect(path: str | Path, *, sheet: str | None = None, schema: SchemaLike = None, **read: object) -> Inspection:
    """What a source file is: kind, encoding, sheet, header row, rows, entity guess, column statistics,
    and the best-fitting built-in profile."""
    table = path if isinstance(path, SourceTable) else read_source(path, sheet=sheet, **read)  # type: ignore[arg-type]
    return inspect_table(table, _schema(schema))


def draft_profile(source: SourceLike, *, entity: str | None = None, schema: SchemaLike = None,
                  sheet: str | None = None, out: str | Path | None = None) -> Draft:  # fmt: skip
    """Draft a profile for `source`: headers matched to the schema's import headers (synonyms, then fuzzy),
    owners and stage values listed with their closest user and stage. `entity=None` guesses it.
    `out`: also save the YAML there (refused, before anything is read, if it is the source or the schema)."""
    if out is not None:
        guard_outputs(run_inputs(source, None, schema), [("profile", out)])
    table = source if isinstance(source, SourceTable) else read_source(source, sheet=sheet)
    sch = _schema(schema)
    if entity is None:
        entity = guess_entity(table, sch)[0]
    if entity not in ("leads", "contacts", "companies"):
        raise MigrateError(f"entity must be leads, contacts or companies, not {entity!r}.")
    draft = _draft_profile(table, sch, entity)
    if out is not None:
        draft.save(out)
    return draft


def run_inputs(source: SourceLike, profile: ProfileLike | None = None, schema: SchemaLike = None,
               journal: str | Path | None = None) -> list[tuple[str, Path | None]]:
    """The files a run reads, as (what, path): no output of the run may be one of them (`guard_outputs`)."""

    def file_of(thing: object, attr: str) -> Path | None:
        if isinstance(thing, str | Path):
            return Path(thing) if Path(thing).exists() else None
        value = getattr(thing, attr, None)
        return Path(value) if value is not None and Path(value).exists() else None

    return [
        ("source", file_of(source, "path")),
        ("profile", file_of(profile, "path")),
        ("account schema", file_of(schema, "source")),
        ("upload journal", Path(journal) if journal else None),
    ]


def _profile(profile: ProfileLike) -> Profile:
    return profile if isinstance(profile, Profile) else load_profile(profile)


def _schema(schema: SchemaLike) -> AccountSchema:
    return schema if isinstance(schema, AccountSchema) else load_schema(schema)


def _source(source: SourceLike, profile: Profile, sheet: str | None) -> SourceTable:
    if isinstance(source, SourceTable):
        return source
    opts = profile.source
    # the file's bytes say whether it is a workbook or text (a fixed rejects .xlsx of a CSV profile);
    # the profile's kind matters for the system-specific adapters, not here
    return read_source(
        source,
        sheet=sheet or opts.get("sheet"),
        kind="auto",
        header_row=opts.get("header_row"),
        encoding=opts.get("encoding"),
        delimiter=opts.get("delimiter"),
    )


def apply_profile(source: SourceLike, profile: ProfileLike, schema: SchemaLike = None, *,
                  owner_as: str = "name") -> MappedTable:  # fmt: skip
    """Map a source with a profile: target headers, cleaned values, and the issues found doing it."""
    prof = _profile(profile)
    return _apply_profile(_source(source, prof, None), prof, _schema(schema), owner_as=owner_as)


def validate(source: SourceLike, profile: ProfileLike, schema: SchemaLike = None, *, sheet: str | None = None,
             owner_as: str = "name", progress: bool = False) -> Report:  # fmt: skip
    """Validate a source against a profile and an account schema; nothing is written.

    `schema=None` uses the bundled default account. The Report says which rows `export` would reject.
    A CSV file is read and checked in blocks of rows (memory bounded by the block, see `migrate.chunked`);
    the Report is the same as for the whole table.
    """
    prof = _profile(profile)
    path = _check_owner_as(owner_as) or source_in_blocks(source, prof, sheet)
    if path is not None:
        try:
            return run_blocks(path, prof, _schema(schema), owner_as=owner_as, progress=progress).report
        except NotStreamable:
            pass  # the whole table, from the start
    return _run(source, prof, schema, sheet=sheet, owner_as=owner_as, progress=progress)[1]


def _check_owner_as(owner_as: str) -> None:
    if owner_as not in ("name", "email"):
        raise MigrateError(f"owner_as must be 'name' or 'email', not {owner_as!r}.")


@paused_collector()  # reading and checking a table: no cycles among its many objects (core.heap)
def _run(source: SourceLike, profile: ProfileLike, schema: SchemaLike, *, sheet: str | None, owner_as: str,
         progress: bool) -> tuple[MappedTable, Report, Progress]:  # fmt: skip
    _check_owner_as(owner_as)
    bars = Progress(progress)
    prof, sch = _profile(profile), _schema(schema)
    bars.stage("reading", 1)
    table = _source(source, prof, sheet)
    tick = bars.stage("mapping", len(prof.mapped()), unit="col")
    mapped, report = validate_table(table, prof, sch, owner_as=owner_as, tick=tick)
    bars.close()
    return mapped, report, bars


def export(
    source: SourceLike,
    profile: ProfileLike,
    out: str | Path,
    schema: SchemaLike = None,
    *,
    rejects: str | Path | None = None,
    report: str | Path | None = None,
    max_rows: int | None = None,
    sheet: str | None = None,
    owner_as: str = "name",
    progress: bool = False,
) -> Report:
    """Validate, then write the import file (rows without errors, in source order), the rejects
    workbook (default: `OUT.rejects.xlsx` beside OUT) and, if asked, the report (.json/.xlsx/.html).

    `out` ending in `.csv` writes a `;`-separated UTF-8 (BOM) CSV instead of a workbook — the importer's
    own advice for importing dates. Returns the Report with `outputs` naming every file written.
    """
    out = Path(out)
    if out.suffix.lower() not in (".xlsx", ".csv"):
        raise MigrateError(f"Output {out} must end in .xlsx or .csv.")
    rejects_path = Path(rejects) if rejects else out.with_name(out.stem + ".rejects.xlsx")
    inputs = run_inputs(source, profile, schema)
    outputs = [("import file", out), ("rejects workbook", rejects_path), ("report", report)]
    guard_outputs(inputs, outputs)  # before reading: a clash fails in a second, not after the whole run
    checked_rejects_path(rejects_path)  # and so does a rejects or report name no writer can honour
    if report:
        checked_report_path(report)

    def guard_parts(parts: list[Path]) -> None:
        guard_outputs(inputs, [("import file", p) for p in parts] + outputs[1:])

    prof = _profile(profile)
    path = _check_owner_as(owner_as) or source_in_blocks(source, prof, sheet)
    result = None
    if path is not None:
        try:
            result, written = export_blocks(path, prof, _schema(schema), out, owner_as=owner_as, max_rows=max_rows,
                                            guard=guard_parts, progress=progress)  # fmt: skip
            result.outputs["import"] = written
        except NotStreamable:
            result = None  # the whole table, from the start
    if result is None:
        result = _export_whole(source, prof, schema, out, max_rows=max_rows, sheet=sheet, owner_as=owner_as,
                               progress=progress, guard=guard_parts)  # fmt: skip
    result.outputs["rejects"] = [write_rejects(result.table, result, rejects_path)]
    if report:
        result.outputs["report"] = [write_report(result, report)]
    return result


@paused_collector()
def _export_whole(source: SourceLike, profile: Profile, schema: SchemaLike, out: Path, *, max_rows: int | None,
                  sheet: str | None, owner_as: str, progress: bool,
                  guard: Callable[[list[Path]], None]) -> Report:  # fmt: skip
    mapped, result, bars = _run(source, profile, schema, sheet=sheet, owner_as=owner_as, progress=progress)
    renamed = importer_headers(mapped.targets)
    result.notes += by_id_notes(renamed)
    keep = mapped.frame.drop(index=result.rejected_rows).rename(columns=renamed)
    guard(part_paths(out, len(keep), max_rows or (None if out.suffix.lower() == ".csv" else SHEET_ROWS)))
    numeric = [renamed.get(h, h) for h, t in mapped.targets.items() if t.integer]
    tick = bars.stage("writing", len(keep), unit="row")
    if out.suffix.lower() == ".csv":
        result.outputs["import"] = [write_csv(keep, out)]
    else:
        result.outputs["import"] = write_import(keep, out, numeric=numeric, max_rows=max_rows, tick=tick)
    bars.close()
    return result


def plan(source: SourceLike, profile: ProfileLike, schema: SchemaLike = None, *, sheet: str | None = None,
         users: str | Path | None = None, roles: str | Path | None = None) -> SetupPlan:  # fmt: skip
    """The account setup the data needs: the team (users with role, group and admin flag; heirs for people
    who left), stages to create, custom fields (with types inferred from the values) and stage rules.
    `users`: the source system's employees (Bitrix24 user.get dump, Megaplan employee list or a sheet);
    `roles`: a role template YAML (default: the bundled one). Nothing is written or sent."""
    team_users, template = _team_inputs(users, roles)
    mapped, _, _ = _run(source, profile, schema, sheet=sheet, owner_as="name", progress=False)
    setup = build_plan(mapped, _profile(profile), _schema(schema), users=team_users, roles=template)
    setup.inputs = run_inputs(source, profile, schema) + [("users file", users), ("role template", roles)]
    return setup


def _team_inputs(users: str | Path | None, roles: str | Path | None) -> tuple[list[SourceUser] | None, RoleTemplate]:
    """Read the employees and the role template first, so a bad file fails before the source is read."""
    return (read_users(users) if users is not None else None), load_roles(roles)


def write_plan(setup: SetupPlan, path: str | Path) -> Path:
    """Write the plan as .xlsx (one sheet per section), .md or .json (never over a file the plan was made from)."""
    path = Path(path)
    guard_outputs(setup.inputs, [("plan", path)])
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        frames = {name: frame.map(lambda v: ", ".join(map(str, v)) if isinstance(v, list) else v)
                  for name, frame in setup.sections().items()}  # fmt: skip
        return write_sheets(path, frames)
    if suffix in (".md", ".json"):
        return write_text_atomic(path, setup.to_markdown() if suffix == ".md" else setup.to_json())
    raise MigrateError(f"Plan file {path} must end in .xlsx, .md or .json.")


__all__ = [
    "apply_plan",
    "apply_profile",
    "checked_report_path",
    "draft_profile",
    "export",
    "inspect",
    "load_profile",
    "load_schema",
    "plan",
    "pull_schema",
    "read_source",
    "upload",
    "validate",
    "write_plan",
    "write_report",
]


# ==== AmoCRM API v4: `schema pull` and `upload` (issue 5) ===========================================
# A separate block on purpose: the verbs above never touch the network; these two do, through
# migrate/amocrm (client, journal, uploader). Credentials come from the environment only.

from collections.abc import Callable  # noqa: E402
from contextlib import nullcontext  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

if TYPE_CHECKING:
    from .amocrm.client import RetryPolicy
    from .amocrm.upload.results import UploadResult


def pull_schema(
    subdomain: str | None = None,
    *,
    domain: str = "amocrm.ru",
    base_url: str | None = None,
    out: str | Path | None = None,
    rate: float = 7.0,
    token_file: str | Path | None = None,
    warn: Callable[[str], None] | None = None,
) -> AccountSchema:
    """Read the live account (users, pipelines, custom fields) as an account schema; write it to `out`.

    The token comes from AMOCRM_TOKEN (or the AMOCRM_CLIENT_ID/_SECRET/_REFRESH_TOKEN/_REDIRECT_URI OAuth set).
    """
    from .amocrm.upload.run import open_client, pull_to

    with open_client(subdomain, domain=domain, base_url=base_url, rate=rate, token_file=token_file) as client:
        data = pull_to(client, out, warn)
    return schema_from_data(data, str(out) if out else f"pulled from {base_url or subdomain}")


def upload(
    source: SourceLike,
    profile: ProfileLike,
    schema: SchemaLike = None,
    *,
    subdomain: str | None = None,
    domain: str = "amocrm.ru",
    base_url: str | None = None,
    journal: str | Path | None = None,
    dry_run: bool | str | Path | None = None,
    match_existing: bool = False,
    rate: float = 7.0,
    success: str | Path | None = None,
    errors: str | Path | None = None,
    sheet: str | None = None,
    token_file: str | Path | None = None,
    progress: bool = False,
    retry: RetryPolicy | None = None,
    recovery_wait: float = 1.0,
    warn: Callable[[str], None] | None = None,
) -> UploadResult:
    """Validate, then create the rows without errors in AmoCRM; resumable through the journal.

    `schema=None` pulls the account's schema first (a dry run without an account uses the bundled
    default). `dry_run=True` writes each request's JSON into `SOURCE.dry-run/` beside the source and
    sends nothing; `dry_run=DIR` writes them into DIR instead. Returns an UploadResult
    (`reconciliation()`, `success_frame()`, `outputs`). `retry` and `recovery_wait` tune the waits
    (tests and rehearsals shorten them).
    """
    from .amocrm.upload.run import env_has_credentials, pull_to, upload_mapped
    from .amocrm.upload.uploader import UploadOptions

    prof = _profile(profile)
    dry_run = dry_run_folder(dry_run, Path(getattr(source, "path", source)))
    wants_account = dry_run is None or match_existing or (schema is None and env_has_credentials())
    with _maybe_client(subdomain, domain, base_url, rate, token_file, retry, wanted=wants_account) as client:
        if schema is None and client is not None:
            sch = schema_from_data(pull_to(client, None, warn), "pulled")
        else:
            sch = _schema(schema)
        mapped, report, _ = _run(source, prof, sch, sheet=sheet, owner_as="name", progress=progress)
        options = UploadOptions(match_existing=match_existing, progress=progress, recovery_wait=recovery_wait)
        return upload_mapped(mapped, report, sch, prof, client=client, journal=journal, dry_run=dry_run,
                             success=success, errors=errors, options=options, warn=warn)  # fmt: skip


def _maybe_client(subdomain: str | None, domain: str, base_url: str | None, rate: float,
                  token_file: str | Path | None, retry: RetryPolicy | None, *, wanted: bool = True) -> Any:  # fmt: skip
    """An open client (closed on leaving the `with`) when an account is named and wanted, else None."""
    from .amocrm.upload.run import open_client

    if not wanted or not (subdomain or base_url):
        return nullcontext(None)
    return open_client(subdomain, domain=domain, base_url=base_url, rate=rate, token_file=token_file, retry=retry)


# ==== `plan --apply` (issue 7): make the account match the setup plan =================================
# Network again, through migrate/amocrm/setup.py: create the missing fields and stages, then re-pull.

if TYPE_CHECKING:
    from .amocrm.setup import ApplyResult


def apply_plan(
    source: SourceLike,
    profile: ProfileLike,
    schema: SchemaLike = None,
    *,
    subdomain: str | None = None,
    domain: str = "amocrm.ru",
    base_url: str | None = None,
    out: str | Path | None = None,
    dry_run: bool | str | Path | None = None,
    write_schema: str | Path | None = None,
    write_profile: str | Path | None = None,
    stage_rules: bool = False,
    rate: float = 7.0,
    token_file: str | Path | None = None,
    sheet: str | None = None,
    retry: RetryPolicy | None = None,
    warn: Callable[[str], None] | None = None,
    users: str | Path | None = None,
    roles: str | Path | None = None,
) -> ApplyResult:
    """Create the custom fields and stages the plan needs in the account, never touching what exists;
    then re-pull the account and rewrite the profile so `validate` passes on it.

    The plan is made against the account as it is now (pulled first; `schema` lends only its import
    layouts). Without an account, a dry run compares with `schema` instead. `dry_run=True` writes each
    request's JSON into `SOURCE.setup-dry-run/` beside the source (`dry_run=DIR`: into DIR) and sends
    nothing. Defaults beside `out` (else beside the source):
    `<profile stem>.account.json`, `<stem>.applied.yaml` and the log `<stem>.setup-log.json`.
    Returns an ApplyResult (`summary()`, `to_json()`, `created`, `existing`, `manual`, `plan`, `profile`,
    `schema`, `outputs`).
    """
    from .amocrm.setup_run import SetupOptions, default_paths, pull_account, run_setup

    prof, base = _profile(profile), _schema(schema)
    team_users, template = _team_inputs(users, roles)
    dry_run = dry_run_folder(dry_run, Path(getattr(source, "path", source)), ".setup-dry-run")
    if dry_run is None and not (subdomain or base_url):
        raise MigrateError("Applying the plan needs the account: --subdomain NAME or --base-url URL "
                           "(or --dry-run).")  # fmt: skip
    table = _source(source, prof, sheet)  # a file that cannot be read fails before any request
    with _maybe_client(subdomain, domain, base_url, rate, token_file, retry) as client:
        live = pull_account(client, base, warn) if client is not None else base
        mapped, _ = validate_table(table, prof, live)
        setup = build_plan(mapped, prof, live, users=team_users, roles=template)
        if out:
            write_plan(setup, out)
        paths = default_paths(prof, Path(out).parent if out else Path(table.path).parent, dry_run)
        guard_outputs(run_inputs(table, prof, schema), [
            ("plan", out), ("account schema to write", write_schema or paths["schema"]),
            ("rewritten profile", write_profile or paths["profile"]), ("setup log", paths["log"])])  # fmt: skip
        options = SetupOptions(
            dry_run=Path(dry_run) if dry_run is not None else None,
            stage_rules=stage_rules,
            write_schema=Path(write_schema) if write_schema else paths["schema"],
            write_profile=Path(write_profile) if write_profile else paths["profile"],
            log=paths["log"],
        )
        result = run_setup(setup, prof, live, client, options, warn)
        if out:
            result.outputs = {"plan": Path(out), **result.outputs}
        return result
