"""The `amomigrate` command line: each command parses options, calls one `migrate.api` function, renders.

Exit codes (DESIGN.md): 0 no errors (warnings allowed) · 1 the data has errors (files still written) ·
2 the run could not be done. A user's mistake (missing file, bad profile, wrong sheet) is one paragraph
on stderr and exit 2, never a traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import api
from .issues import MigrateError
from .report import Report

EXIT_OK, EXIT_DATA_ERRORS, EXIT_FAILED = 0, 1, 2


def _fail_cleanly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn MigrateError (and OS errors on the user's files) into a message and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except MigrateError as e:
            click.echo(f"Error: {e}", err=True)
            sys.exit(EXIT_FAILED)
        except OSError as e:
            click.echo(f"Error: {e.strerror or e} ({e.filename or ''}).", err=True)
            sys.exit(EXIT_FAILED)

    return wrapper


def _common(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Options every data command shares, defined once."""
    options = [
        click.argument("source", type=click.Path(path_type=Path)),
        click.option("-p", "--profile", required=True, help="Profile file (YAML/JSON) or built-in profile name."),
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
    if fmt == "json":
        click.echo(report.to_json())
        click.echo(report.reconciliation(), err=True)
    else:
        click.echo(report.summary(limit=0 if quiet else 10))
        for kind, paths in report.outputs.items():
            for p in paths:
                click.echo(f"{kind}: {p}")
    sys.exit(EXIT_OK if report.ok else EXIT_DATA_ERRORS)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="amomigrate")
def cli() -> None:
    """Move a legacy customer base (Excel, CSV, Bitrix24, Megaplan) into AmoCRM."""


@cli.command()
@_common
def validate(source: Path, profile: str, schema: Path | None, sheet: str | None, owner_as: str,
             report_path: Path | None, fmt: str, quiet: bool) -> None:  # fmt: skip
    """Check SOURCE against a profile and the account schema; write nothing but the report."""
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
    """Write the import-ready file for AmoCRM's importer, plus the rejects workbook."""
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
    """Draft a profile for SOURCE by matching its headers to the account's import headers."""
    draft = api.draft_profile(source, entity=entity, schema=schema, sheet=sheet)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(draft.text, encoding="utf-8")
    mapped = len(draft.profile.mapped())
    review = sum(1 for m in draft.matches if m.target is None or m.score < 86)
    click.echo(f"wrote {out}: {draft.profile.entity}, {mapped} columns mapped, {review} to review (commented)")


@cli.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option("-p", "--profile", required=True, help="Profile file (YAML/JSON) or built-in profile name.")
@click.option("--schema", type=click.Path(path_type=Path), help="Account schema (default: a fresh account).")
@click.option("--sheet", help="Sheet to read (overrides the profile's source.sheet).")
@click.option("-o", "--out", type=click.Path(path_type=Path), help="Write the plan: .xlsx, .md or .json.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_fail_cleanly
def plan(source: Path, profile: str, schema: Path | None, sheet: str | None, out: Path | None, fmt: str) -> None:
    """The account setup SOURCE needs: owners, stages, custom fields with inferred types, stage rules."""
    setup = api.plan(source, profile, schema, sheet=sheet)
    if out:
        api.write_plan(setup, out)
    click.echo(setup.to_json() if fmt == "json" else setup.to_markdown())
    if out and fmt != "json":
        click.echo(f"plan: {out}")


def _register_more() -> None:
    """Commands that live in their own modules (the sandbox server, the AmoCRM API ones)."""
    from .cli_sandbox import sandbox

    cli.add_command(sandbox)


_register_more()


def main() -> None:
    cli(prog_name="amomigrate")


if __name__ == "__main__":
    main()
