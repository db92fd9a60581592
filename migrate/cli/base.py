"""The whole-base side of the commands: SOURCE may be a migration manifest (migrate.base.manifest).

`validate`, `export`, `plan` and `upload` call `manifest_given(source)` first; when it is a manifest they hand
over to the functions here, which call one `migrate.api_base` verb each and render like their single-file
twins (a reconciliation line per file, the cross-file counts, exit 0/1/2).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..base.manifest import is_manifest
from ..base.report import BaseReport
from .common import EXIT_OK, render_report


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
    render_report(report, fmt, quiet, report.reconciliation(verb))


def plan_base(source: Path, schema: Path | None, out: Path | None, fmt: str, apply_: bool, subdomain: str | None,
              domain: str, base_url: str | None, rate: float, token_file: Path | None,
              write_schema: Path | None) -> None:  # fmt: skip
    """`plan MANIFEST [--apply]`: each file's setup plan, and the source ID field (created with --apply)."""
    from .. import api
    from ..api_base import apply_plan_base, manifest_schema
    from ..base.manifest import load_manifest

    man = load_manifest(source)
    if apply_:
        done = apply_plan_base(man, schema, subdomain=subdomain, domain=domain, base_url=base_url,
                               write_schema=write_schema, rate=rate, token_file=token_file,
                               warn=lambda m: click.echo(f"Warning: {m}", err=True))  # fmt: skip
        if fmt == "json":
            click.echo(json.dumps(done, ensure_ascii=False))
        else:
            where = ", ".join(done["created_on"]) or "nowhere (it exists on every entity)"
            click.echo(f"source ID field {done['field']!r}: created on {where}")
            click.echo(f"schema: {done['schema']} (upload with --schema {done['schema']})")
        sys.exit(EXIT_OK)
    if out:
        raise click.UsageError("-o goes with a single SOURCE; a manifest's plan is printed.")
    sch = manifest_schema(man, schema)
    parts = []
    for entity, spec in man.sources.items():
        if entity in ("comments", "tasks"):
            continue
        setup = api.plan(spec.file, man.profiles[entity], sch, sheet=spec.sheet)
        parts.append((entity, setup))
    from ..amocrm.base_setup import missing_entities

    missing = missing_entities(sch, man.source_id_field) if man.source_id_field else []
    if fmt == "json":
        files = {e: json.loads(p.to_json()) for e, p in parts}
        data = {"source_id_field": man.source_id_field, "missing_on": missing, "files": files}
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    for entity, setup in parts:
        click.echo(f"## {entity}: {man.sources[entity].file.name}\n")
        click.echo(setup.to_markdown())
    if man.source_id_field:
        state = f"missing on {', '.join(missing)}: `plan MANIFEST --apply` creates it" if missing else "present"
        click.echo(f"source ID field {man.source_id_field!r} (text, on companies, contacts, leads): {state}")
