"""`amomigrate schema pull` and `amomigrate upload`: the commands that talk to a live AmoCRM account.

Same style as cli.py: parse options → one `migrate.api` call → render → exit code (0 ok · 1 rows were
rejected · 2 the run could not be done). The token is read from the environment only (AMOCRM_TOKEN, or
the AMOCRM_CLIENT_ID/_SECRET/_REFRESH_TOKEN/_REDIRECT_URI OAuth set), never from an option — options show
in `ps` and shell history. The lead engineer registers `schema` and `upload` on the main group;
`python -m migrate.cli.amocrm` runs them standalone.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .. import api
from .base import manifest_given
from .common import EXIT_DATA_ERRORS, EXIT_OK, account_options, fail_cleanly

_RESUME = "Interrupted. Run the same command again: the journal resumes where it stopped."
_clean = fail_cleanly(interrupted=_RESUME)


def _warn(msg: str) -> None:
    click.echo(f"Warning: {msg}", err=True)


def _account_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The shared account options, plus this module's output options."""
    fn = click.option("-q", "--quiet", is_flag=True, help="No progress bar.")(fn)
    fn = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                      help="json: print the result as JSON on stdout.")(fn)  # fmt: skip
    return account_options(fn)


@click.group("schema")
def schema() -> None:
    """The account schema: users, pipelines and custom fields of an AmoCRM account."""


@schema.command("pull")
@_account_options
@click.option("-o", "--out", required=True, type=click.Path(path_type=Path), help="Account schema JSON to write.")
@_clean
def pull(subdomain: str | None, domain: str, base_url: str | None, rate: float, token_file: Path | None,
         fmt: str, quiet: bool, out: Path) -> None:  # fmt: skip
    """Read the live account into an account-schema file for --schema (GET requests only)."""
    result = api.pull_schema(subdomain, domain=domain, base_url=base_url, out=out, rate=rate, token_file=token_file,
                             warn=_warn)  # fmt: skip
    counts = {
        "users": len(result.users),
        "pipelines": len(result.pipelines),
        "fields": {e: len(result.fields(e)) for e in ("leads", "contacts", "companies")},
    }
    if fmt == "json":
        click.echo(json.dumps({"schema": str(out), **counts}, ensure_ascii=False))
    else:
        f = counts["fields"]
        click.echo(f"{out}: {counts['users']} users, {counts['pipelines']} pipelines, "
                   f"{f['leads']} lead / {f['contacts']} contact / {f['companies']} company fields")  # fmt: skip


@click.command("upload")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("-p", "--profile", help="Profile file (YAML/JSON) or built-in profile name; not with a migration "
              "manifest as SOURCE (it names each file's profile).")
@click.option("--schema", "schema_path", type=click.Path(path_type=Path),
              help="Account schema JSON (default: pulled from the account at the start).")  # fmt: skip
@click.option("--sheet", help="Sheet to read (overrides the profile's source.sheet).")
@_account_options
@click.option(
    "--journal",
    type=click.Path(path_type=Path),
    help="Journal file (default: SOURCE.journal.sqlite beside the source). Re-run to resume.",
)
@click.option("--dry-run", "dry_run", is_flag=True,
              help="Send nothing: write each request's JSON into SOURCE.dry-run/ beside the source.")  # fmt: skip
@click.option("--dry-run-dir", "dry_run_dir", type=click.Path(path_type=Path),
              help="With or without --dry-run: the folder for the requests (implies --dry-run).")  # fmt: skip
@click.option(
    "--match-existing",
    is_flag=True,
    help="Link rows to contacts/companies the account has (same phone, e-mail or name).",
)
@click.option("--closed-tasks", is_flag=True, help="With a manifest: send closed tasks too (as completed).")
@click.option("--success", type=click.Path(path_type=Path), help="Success workbook (default: SOURCE.uploaded.xlsx).")
@click.option("--errors", type=click.Path(path_type=Path),
              help="Error workbook (default: SOURCE.upload-errors.xlsx).")  # fmt: skip
@_clean
def upload(source: Path, profile: str | None, schema_path: Path | None, sheet: str | None, subdomain: str | None,
           domain: str, base_url: str | None, rate: float, token_file: Path | None, fmt: str, quiet: bool,
           journal: Path | None, dry_run: bool, dry_run_dir: Path | None, match_existing: bool,
           closed_tasks: bool, success: Path | None, errors: Path | None) -> None:  # fmt: skip
    """Create the rows of SOURCE without errors in AmoCRM (leads with contact and company, or contacts, or
    companies, plus notes), journalled: re-running the same command resumes and never duplicates.

    SOURCE may be a migration manifest: companies → contacts → leads, linked by the source's IDs, then
    comments as notes and open tasks (journal: MANIFEST-stem.journal.sqlite beside it)."""
    if manifest_given(source, profile):
        if dry_run or dry_run_dir or match_existing or success or errors or sheet:
            raise click.UsageError("--dry-run, --dry-run-dir, --match-existing, --success, --errors and --sheet go "
                                   "with a single SOURCE, not a manifest.")  # fmt: skip
        _upload_base(source, schema_path, subdomain, domain, base_url, rate, token_file, fmt, journal, closed_tasks)
        return
    result = api.upload(source, profile, schema_path, subdomain=subdomain, domain=domain, base_url=base_url,
                        journal=journal, dry_run=dry_run_dir or dry_run, match_existing=match_existing, rate=rate,
                        success=success, errors=errors, sheet=sheet, token_file=token_file,
                        progress=not quiet, warn=_warn)  # fmt: skip
    if fmt == "json":
        click.echo(result.to_json())
        click.echo(result.reconciliation(), err=True)
    else:
        click.echo(result.summary())
        if result.dry_run:
            folder = api.dry_run_folder(dry_run_dir or True, source)
            click.echo(f"dry run: {len(result.outputs.get('payloads', []))} request files in {folder}; nothing sent")
    sys.exit(EXIT_OK if result.ok else EXIT_DATA_ERRORS)


def _upload_base(source: Path, schema_path: Path | None, subdomain: str | None, domain: str, base_url: str | None,
                 rate: float, token_file: Path | None, fmt: str, journal: Path | None, closed_tasks: bool) -> None:
    from ..api_base import upload_base

    report, result = upload_base(source, schema_path, subdomain=subdomain, domain=domain, base_url=base_url,
                                 journal=journal, closed_tasks=closed_tasks, rate=rate, token_file=token_file,
                                 warn=_warn)  # fmt: skip
    if fmt == "json":
        click.echo(json.dumps({"report": report.to_dict(), "upload": result.to_dict()}, ensure_ascii=False))
    else:
        click.echo(report.reconciliation("uploaded"))
        click.echo(report.cross_file())
        click.echo("\n".join(result.lines()))
        for r in result.refused[:20]:
            click.echo(f"  refused {r.entity} {r.key} ({r.file} row {r.row}{', ' + repr(r.column) if r.column else ''})"
                       f": {r.reason}")  # fmt: skip
    sys.exit(EXIT_OK if result.ok and report.ok else EXIT_DATA_ERRORS)


@click.group()
def main_group() -> None:
    """AmoCRM commands of amomigrate, standalone (`python -m migrate.cli.amocrm`)."""


main_group.add_command(schema)
main_group.add_command(upload)
COMMANDS = (schema, upload)


def main() -> None:
    main_group(prog_name="amomigrate")


if __name__ == "__main__":
    main()
