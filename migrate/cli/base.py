"""The whole-base side of the commands: SOURCE may be a migration manifest (migrate.base.manifest).

`validate`, `export`, `plan` and `upload` call `manifest_given(source)` first; when it is a manifest they hand
over to the functions here, which call one `migrate.api_base` verb each and render like their single-file
twins (a reconciliation line per file, the cross-file counts, exit 0/1/2).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..base.manifest import is_manifest
from ..base.report import BaseReport
from .common import EXIT_DATA_ERRORS, EXIT_OK


def manifest_given(source: Path, profile: str | None) -> bool:
    """True when SOURCE is a manifest; a usage error when it is a file and no -p/--profile was given."""
    if is_manifest(source):
        if profile:
            raise click.UsageError("A manifest names each file's profile; -p/--profile goes with a single SOURCE.")
        return True
    if not profile:
        raise click.UsageError("Missing option '-p' / '--profile' (needed unless SOURCE is a migration manifest).")
    return False


def render_base(report: BaseReport, fmt: str, quiet: bool, verb: str = "exported") -> None:
    if fmt == "json":
        click.echo(report.to_json())
        click.echo(report.reconciliation(verb), err=True)
    else:
        click.echo(report.summary(limit=0 if quiet else 10))
        for kind, paths in report.outputs.items():
            for p in paths:
                click.echo(f"{kind}: {p}")
    sys.exit(EXIT_OK if report.ok else EXIT_DATA_ERRORS)
