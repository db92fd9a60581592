"""The rest of `plan --apply` after the requests: re-pull the account, point the profile at what it now
has, save the schema and the profile, and log the run.

Why apart from setup.py: that module decides and sends; this one only reads the account again and writes
files, so each stays short and the rewrite can be tested without a network. The rewrite looks every field
and stage up in the *re-pulled* account by folded name, never in what the requests answered: the profile
must name what the account really has, in the account's own spelling.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass
from pathlib import Path

from ..core.issues import MigrateError
from ..core.paths import write_text_atomic
from ..core.profile import Profile
from ..core.schema import AccountSchema, schema_from_data
from ..drafting.plan import SetupPlan
from .client import AmoClient
from .pull import pull_schema
from .setup import (
    CREATED,
    DUPLICATE,
    EXISTS,
    WOULD_CREATE,
    ApplyResult,
    Step,
    Warn,
    apply_plan,
    find_named,
    stage_spec,
)
from .setup_dryrun import DryRunSender, sender_for
from .setup_team import check_limit, create_team, read_team, rewrite_owners, team_steps


def pull_account(client: AmoClient, base: AccountSchema, warn: Warn | None = None) -> AccountSchema:
    """The account as it is now, keeping `base`'s import layouts (a user may have corrected header texts)."""
    data = pull_schema(client, warn=warn)
    if base.raw.get("layouts"):
        data["layouts"] = base.raw["layouts"]
    return schema_from_data(data, f"pulled from {client.base_url}")


# --- the profile on the new account -------------------------------------------------------------------------


def rewrite_profile(profile: Profile, steps: list[Step], schema: AccountSchema) -> tuple[Profile, list[str], list[str]]:
    """A copy of `profile` whose columns point at the fields and stages `schema` (re-pulled) now has:
    unmapped columns get the field's import header, a header spelt differently is corrected, and each
    source stage gets a `values:` entry naming its stage. Returns (profile, changes, problems)."""
    new = copy.deepcopy(profile)
    changes: list[str] = []
    problems: list[str] = []
    for step in (s for s in steps if s.kind == "field" and s.outcome in (CREATED, EXISTS)):
        header = _header(schema, new.entity, step)
        if header is None:
            problems.append(f"{step.label()} is not in the account's field list yet; run the same command again")
            continue
        spec = new.columns.get(step.source)
        other = next((src for src, c in new.mapped().items() if c.field == header and src != step.source), None)
        if other is not None:
            problems.append(f"column {step.source!r} would land on {header!r}, which column {other!r} already "
                            "maps to; map one of them by hand")  # fmt: skip
            continue
        if spec is None:
            new.map(step.source, header)
        elif spec.field != header:
            spec.field = header
        else:
            continue
        changes.append(f"column {step.source!r} → {header!r}")
    spec = stage_spec(new, schema)
    for step in (s for s in steps if s.kind == "stage" and s.outcome in (CREATED, EXISTS, DUPLICATE)):
        pipeline = next((p for p in schema.pipelines if p.id == step.pipeline_id), None)
        status = find_named(list(pipeline.statuses), step.name, lambda s: s.name) if pipeline else None
        if status is None or spec is None:
            problems.append(f"{step.label()} is not in the account's pipelines yet; run the same command again")
        elif spec.values.get(step.source) != status.name:
            spec.values[step.source] = status.name
            changes.append(f"stage value {step.source!r} → {status.name!r}")
    return new, changes, problems


def _header(schema: AccountSchema, layout: str, step: Step) -> str | None:
    """The import header of a field in `layout` (its name, plus ' (контакт)'/' (компания)' in leads)."""
    targets = schema.targets(layout)
    found = find_named(schema.fields(step.where), step.name, lambda f: f["name"])
    if found is not None:
        hit = next((h for h, t in targets.items() if t.entity == step.where and t.field_id == found.get("id")
                    and found.get("id") is not None), None)  # fmt: skip
        if hit:
            return hit
    header = (found["name"] if found else step.name) + schema.suffixes.get(layout, {}).get(step.where, "")
    return header if header in targets else None


# --- the whole run: apply, re-pull, rewrite, save, log ------------------------------------------------------


@dataclass
class SetupOptions:
    dry_run: Path | None = None
    stage_rules: bool = False
    write_schema: Path | None = None
    write_profile: Path | None = None
    log: Path | None = None


def default_paths(profile: Profile, folder: Path, dry_run: Path | None = None) -> dict[str, Path]:
    """`<profile stem>.account.json`, `<stem>.applied.yaml`, `<stem>.setup-log.json` in `folder` (a dry
    run's log goes into its own folder, so it never mixes with the record of a real run)."""
    stem = (profile.path.stem if profile.path else profile.name or "profile").removesuffix(".applied")
    log = Path(dry_run) / "setup-log.json" if dry_run is not None else folder / f"{stem}.setup-log.json"
    return {"schema": folder / f"{stem}.account.json", "profile": folder / f"{stem}.applied.yaml", "log": log}


def run_setup(plan: SetupPlan, profile: Profile, live: AccountSchema, client: AmoClient | None,
              options: SetupOptions, warn: Warn | None = None) -> ApplyResult:  # fmt: skip
    """Apply the plan; unless dry, re-pull the account and save the new schema and the rewritten profile.
    The log records every run (what was created, the requests, the to-do list), also a failed one."""
    account = client.base_url if client is not None else f"(none: compared with {live.source})"
    result = ApplyResult(account, dry_run=options.dry_run is not None)
    try:
        # the team is applied when the source's users were given (`--users`); read and checked before anything
        # is created, so a refusal leaves the account as it was
        team = plan.team if plan.team is not None and plan.team.sourced else None
        if team is not None:
            state = read_team(client, live, team)
            steps = team_steps(team, state)
            check_limit(team, steps, state)
        sender = sender_for(client, options.dry_run)
        apply_plan(plan, live, client, dry_run_dir=options.dry_run, stage_rules=options.stage_rules,
                   profile=profile, result=result, sender=sender)  # fmt: skip
        if team is not None:
            done = WOULD_CREATE if result.dry_run else CREATED
            result.manual += create_team(sender, result, team, state, live, steps, done,
                                         real=not isinstance(sender, DryRunSender))  # fmt: skip
        if result.dry_run:
            result.outputs["requests"] = Path(options.dry_run)  # type: ignore[arg-type]
            return result
        assert client is not None
        fresh = pull_account(client, live, warn) if result.created else live
        result.schema = fresh
        result.profile, result.remapped, problems = rewrite_profile(profile, result.steps, fresh)
        if team is not None:
            result.remapped += rewrite_owners(result.profile, team, fresh)
        result.manual += problems
        _save(result, options)
        return result
    except MigrateError as e:
        result.error = str(e)
        raise
    finally:
        if options.log is not None:
            result.outputs["log"] = _append_log(options.log, result)


def _save(result: ApplyResult, options: SetupOptions) -> None:
    assert result.schema is not None and result.profile is not None
    for kind, path in (("schema", options.write_schema), ("profile", options.write_profile)):
        if path is not None:
            (result.schema if kind == "schema" else result.profile).save(path)
            result.outputs[kind] = path


def _append_log(path: Path, result: ApplyResult) -> Path:
    """One JSON file, one entry per run, so a second run (creating nothing) never hides what the first made."""
    try:
        runs = json.loads(path.read_text(encoding="utf-8")).get("runs", [])
    except (OSError, ValueError, AttributeError):
        runs = []
    entry = {"at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **result.to_dict()}
    entry["outputs"] = {k: str(v) for k, v in result.outputs.items() if k != "log"}
    return write_text_atomic(path, json.dumps({"runs": [*runs, entry]}, ensure_ascii=False, indent=1) + "\n")
