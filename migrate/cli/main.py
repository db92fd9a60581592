"""The `amomigrate` command line: each command parses options, calls one `migrate.api` function, renders.

Exit codes (DESIGN.md): 0 no errors (warnings allowed) · 1 the data has errors (files still written) ·
2 the run could not be done. A user's mistake (missing file, bad profile, wrong sheet) is one paragraph
on stderr and exit 2, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .. import api
from ..core.report import Report
from ..sources.limits import DEFAULT_MAX_MB
from ..sources.limits import configure as configure_limits
from .base import manifest_given, render_base
from .common import EXIT_OK, account_options, fail_cleanly, render_report

_fail_cleanly = fail_cleanly


def _common(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options every data command shares, defined once."""
    options = [
        click.argument("source", type=click.Path(path_type=Path)),
        click.option("-p", "--profile", help="Profile file (YAML/JSON) or built-in profile name; not with a "
                     "migration manifest as SOURCE (it names each file's profile)."),
        click.option("--schema", type=click.Path(path_type=Path),
                     help="Account schema JSON (default: a fresh account)."),
        click.option("--sheet", help="Sheet to read (overrides the profile's source.sheet)."),
        click.option("--owner-as", type=click.Choice(["name", "email"]), default="name", show_default=True,
                     help="Write owners as the user's name or e-mail."),
        click.option("--report", "report_path", type=click.Path(path_type=Path),
                     help="Write the report: .json, .xlsx or .html."),
        click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                     help="json: print the report as JSON on stdout."),
        click.option("-q", "--quiet", is_flag=True, help="No progress bars."),
    ]  # fmt: skip
    for option in reversed(options):
        fn = option(fn)
    return _fail_cleanly(fn)


def _render(report: Report, fmt: str, quiet: bool) -> None:
    render_report(report, fmt, quiet, report.reconciliation())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="amomigrate")
@click.option("--max-source-mb", type=click.FloatRange(min=1), envvar="AMOMIGRATE_MAX_SOURCE_MB",
              help=f"Largest source to read, in MB: the file, or a workbook's inflated sheets "
                   f"[default: {DEFAULT_MAX_MB}]. Lift it for a real giant file (needs ~10x the memory).")  # fmt: skip
def cli(max_source_mb: float | None) -> None:
    """Move a legacy customer base (Excel, CSV, Bitrix24, Megaplan) into AmoCRM."""
    configure_limits(max_source_mb)


def _check_report_name(source: Path, profile: str | None, report_path: Path | None) -> None:
    """Before the run: a report name no writer honours should not cost a whole validation or export (a
    whole base's report has no .html)."""
    if report_path:
        api.checked_report_path(report_path, whole_base=manifest_given(source, profile))


@cli.command()
@_common
def validate(source: Path, profile: str | None, schema: Path | None, sheet: str | None, owner_as: str,
             report_path: Path | None, fmt: str, quiet: bool) -> None:  # fmt: skip
    """Check SOURCE against a profile and the account schema; write nothing but the report.

    SOURCE may be a migration manifest (a whole base): every file is checked, then the links between them."""
    _check_report_name(source, profile, report_path)
    if manifest_given(source, profile):
        from ..api_base import validate_base, write_base_report

        base_report = validate_base(source, schema, owner_as=owner_as)
        if report_path:
            base_report.outputs["report"] = [write_base_report(base_report, report_path)]
        render_base(base_report, fmt, quiet)
    report = api.validate(source, profile, schema, sheet=sheet, owner_as=owner_as, progress=not quiet)
    if report_path:
        report.outputs["report"] = [api.write_report(report, report_path)]
    _render(report, fmt, quiet)


@cli.command()
@_common
@click.option(
    "-o", "--out", required=True, type=click.Path(path_type=Path), help="Import file to write (.xlsx or .csv)."
)
@click.option("--rejects", type=click.Path(path_type=Path), help="Rejects workbook (default: OUT.rejects.xlsx).")
@click.option("--max-rows", type=click.IntRange(min=1), help="Split the import file into parts of at most N rows.")
def export(source: Path, profile: str, schema: Path | None, sheet: str | None, owner_as: str,
           report_path: Path | None, fmt: str, quiet: bool, out: Path, rejects: Path | None,
           max_rows: int | None) -> None:  # fmt: skip
    """Write the import-ready file for AmoCRM's importer, plus the rejects workbook.

    SOURCE may be a migration manifest: OUT is then a folder with one import file per entity, in the order
    to import them (1-companies, 2-contacts, 3-leads), and not-imported.xlsx for what needs `upload`."""
    if manifest_given(source, profile):  # one file's names are checked by api.export, after the input guard
        _check_report_name(source, profile, report_path)
        from ..api_base import export_base, write_base_report

        base_report = export_base(source, out, schema, owner_as=owner_as, max_rows=max_rows)
        if report_path:
            base_report.outputs["report"] = [write_base_report(base_report, report_path)]
        render_base(base_report, fmt, quiet)
    report = api.export(source, profile, out, schema, rejects=rejects, report=report_path, max_rows=max_rows,
                        sheet=sheet, owner_as=owner_as, progress=not quiet)  # fmt: skip
    _render(report, fmt, quiet)


@cli.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--sheet", help="Sheet to inspect (default: the first with data).")
@click.option("--schema", type=click.Path(path_type=Path), help="Account schema, for the entity guess.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@_fail_cleanly
def inspect(source: Path, sheet: str | None, schema: Path | None, as_json: bool) -> None:
    """What SOURCE is: kind, encoding, sheets, header row, rows, columns with fill rates, best profile."""
    result = api.inspect(source, sheet=sheet, schema=schema)
    click.echo(result.to_json() if as_json else result.summary())


@cli.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--entity", type=click.Choice(["leads", "contacts", "companies"]), help="Default: guessed.")
@click.option("--schema", type=click.Path(path_type=Path), help="Account schema (default: a fresh account).")
@click.option("--sheet", help="Sheet to read (default: the first with data).")
@click.option("-o", "--out", required=True, type=click.Path(path_type=Path), help="Profile file to write (.yaml).")
@_fail_cleanly
def init(source: Path, entity: str | None, schema: Path | None, sheet: str | None, out: Path) -> None:
    """Draft a profile for SOURCE by matching its headers to the account's import headers.

    SOURCE may be a folder of exports: a migration manifest is drafted instead (each file's entity and
    built-in profile detected; what could not be placed listed)."""
    if source.is_dir():
        from ..api_base import draft_manifest

        manifest = draft_manifest(source, out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(manifest.text, encoding="utf-8")
        click.echo(f"wrote {out}: " + ", ".join(f"{e} ← {f} ({p})" for e, (f, p, _) in manifest.placed.items()))
        for name, why in manifest.unplaced.items():
            click.echo(f"  not placed: {name}: {why}")
        return
    draft = api.draft_profile(source, entity=entity, schema=schema, sheet=sheet, out=out)
    mapped = len(draft.profile.mapped())
    click.echo(f"wrote {out}: {draft.profile.entity}, {mapped} columns mapped, {draft.to_review} to review (commented)")


@cli.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option("-p", "--profile", help="Profile file (YAML/JSON) or built-in profile name (not with a manifest).")
@click.option("--schema", type=click.Path(path_type=Path), help="Account schema (default: a fresh account).")
@click.option("--sheet", help="Sheet to read (overrides the profile's source.sheet).")
@click.option("-o", "--out", type=click.Path(path_type=Path), help="Write the plan: .xlsx, .md or .json.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--apply", "apply_", is_flag=True,
              help="Create the planned custom fields and stages in the account (never changes what exists), "
                   "then write the re-pulled schema and the rewritten profile.")  # fmt: skip
@account_options
@click.option("--dry-run", "dry_run", is_flag=True,
              help="With --apply: send nothing; write each request's JSON into SOURCE.setup-dry-run/.")  # fmt: skip
@click.option("--dry-run-dir", "dry_run_dir", type=click.Path(path_type=Path),
              help="With --apply: the folder for the dry run's requests (implies --dry-run).")  # fmt: skip
@click.option("--write-schema", type=click.Path(path_type=Path),
              help="Schema to write after --apply (default: <profile>.account.json beside the plan).")  # fmt: skip
@click.option("--write-profile", type=click.Path(path_type=Path),
              help="Rewritten profile (default: <profile>.applied.yaml beside the plan).")  # fmt: skip
@click.option("--stage-rules", is_flag=True,
              help="With --apply: make each new field required at the stages the plan proposes.")  # fmt: skip
@click.option("-q", "--quiet", is_flag=True, help="With --apply: counts, the to-do list and files only.")
@click.option("--users", "users", type=click.Path(path_type=Path),
              help="The source system's employees: Bitrix24 user.get dump, Megaplan employee list (JSON) or a "
                   "sheet (name, e-mail, department, position, role). Feeds the team sheet.")  # fmt: skip
@click.option("--roles", "roles", type=click.Path(path_type=Path),
              help="Role template YAML (default: the bundled one; copy migrate/data/roles.yaml to edit).")
@_fail_cleanly
def plan(source: Path, profile: str, schema: Path | None, sheet: str | None, out: Path | None, fmt: str,
         apply_: bool, subdomain: str | None, domain: str, base_url: str | None, dry_run: bool,
         dry_run_dir: Path | None, rate: float,
         write_schema: Path | None, write_profile: Path | None, stage_rules: bool, token_file: Path | None,
         quiet: bool, users: Path | None, roles: Path | None) -> None:  # fmt: skip
    """The account setup SOURCE needs: owners, stages, custom fields with inferred types, stage rules.

    With --apply (and --subdomain or --base-url; the token comes from AMOCRM_TOKEN or the OAuth variables),
    create what is missing in the account and print what a person must still do by hand.

    SOURCE may be a migration manifest: --apply then creates its source_id_field on companies, contacts and
    leads and writes the re-pulled schema (MANIFEST-stem.account.json, or --write-schema) for upload."""
    if manifest_given(source, profile):
        from .base import plan_base

        plan_base(source, schema, out, fmt, apply_, subdomain, domain, base_url, rate, token_file, write_schema)
        return
    if apply_:  # exit 0 when the run was done (a to-do list may remain), 2 when it could not be
        result = api.apply_plan(source, profile, schema, subdomain=subdomain, domain=domain, base_url=base_url,
                                out=out, dry_run=dry_run_dir or dry_run or None, write_schema=write_schema,
                                write_profile=write_profile,
                                stage_rules=stage_rules, rate=rate, token_file=token_file, sheet=sheet,
                                users=users, roles=roles,
                                warn=lambda m: click.echo(f"Warning: {m}", err=True))  # fmt: skip
        click.echo(result.to_json() if fmt == "json" else result.summary(quiet=quiet))
        sys.exit(EXIT_OK)
    if subdomain or base_url or dry_run or dry_run_dir or write_schema or write_profile or stage_rules:
        raise click.UsageError(
            "--subdomain, --base-url, --dry-run, --dry-run-dir, --write-schema, --write-profile and --stage-rules "
            "go with --apply."
        )
    setup = api.plan(source, profile, schema, sheet=sheet, users=users, roles=roles)
    if out:
        api.write_plan(setup, out)
    click.echo(setup.to_json() if fmt == "json" else setup.to_markdown())
    if out and fmt != "json":
        click.echo(f"plan: {out}")


def _register_more() -> None:
    """Commands that live in their own modules (the sandbox server, the AmoCRM API ones)."""
    from .amocrm import schema, upload
    from .sandbox import sandbox

    for command in (schema, upload, sandbox):
        cli.add_command(command)


_register_more()


def main() -> None:
    cli(prog_name="amomigrate")


if __name__ == "__main__":
    main()
