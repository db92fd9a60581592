"""SetupPlan: the account configuration a legacy base needs before anyone imports it.

The usual advice is to write down the users, stages, custom fields and stage rules first. The data
already says most of it: which owners appear and which of them are users, which stages deals sit in and
where they land, which columns no field holds (with a type inferred from the values), and which fields
are filled at nearly every deal of a stage. Pure code over the mapped table; writing files is the sinks'.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..core.issues import IssueCode
from ..core.mapping import REJECT_META, MappedTable
from ..core.people import SourceUser
from ..core.profile import ColumnSpec, Profile
from ..core.schema import AccountSchema
from ..core.table import SourceTable
from ..quality.fuzzy import Matcher, one_typo
from ..quality.infer import infer_type
from ..quality.resolve import OwnerResolver
from .roles import RoleTemplate, load_roles
from .team import TeamPlan, plan_team

#: a field filled in at least this share of a stage's rows (and at least MIN_STAGE_ROWS rows) is proposed
REQUIRED_SHARE = 0.95
MIN_STAGE_ROWS = 5
_SUFFIX_ENTITY = {" (контакт)": "contacts", " (компания)": "companies"}


@dataclass
class SetupPlan:
    """The four sections as DataFrames with fixed columns (see each builder), plus what it came from."""

    source: str
    entity: str
    users: pd.DataFrame
    stages: pd.DataFrame
    fields: pd.DataFrame
    stage_rules: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    team: TeamPlan | None = None  # «Команда», «Неактивные», «Роли» (drafting/team.py)
    #: (what, path) of the files the plan was made from: `write_plan` never writes over one of them
    inputs: list[tuple[str, Any]] = field(default_factory=list, repr=False)

    def sections(self) -> dict[str, pd.DataFrame]:
        return {"Users": self.users, "Stages": self.stages, "Custom fields": self.fields,
                "Stage rules": self.stage_rules, **(self.team.sections() if self.team else {})}  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "entity": self.entity,
            "notes": self.notes,
            **{
                name: json.loads(frame.to_json(orient="records", force_ascii=False))
                for name, frame in self.sections().items()
            },
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_markdown(self) -> str:
        out = [f"# Setup plan for {self.source}", "", *[f"- {n}" for n in self.notes], ""]
        for name, frame in self.sections().items():
            out += [f"## {name}", "", _md_table(frame) if not frame.empty else "_nothing to do_", ""]
        return "\n".join(out)

    def __repr__(self) -> str:
        return (f"<SetupPlan {self.source}: {len(self.users)} owners, {len(self.stages)} stages, "
                f"{len(self.fields)} fields to create, {len(self.stage_rules)} stage rules>")  # fmt: skip


def _md_table(frame: pd.DataFrame) -> str:
    def cell(v: object) -> str:
        if isinstance(v, list):
            text = ", ".join(str(x)[:40] + ("…" if len(str(x)) > 40 else "") for x in v)
        else:
            text = "" if v is None or (isinstance(v, float) and v != v) else str(v)  # NaN: an empty cell
        return text.replace("|", "\\|").replace("\n", " ")

    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *rows])


def plan_users(mapped: MappedTable, profile: Profile, schema: AccountSchema) -> pd.DataFrame:
    """Owner texts with their row counts: the user each resolves to, or the closest *active* user to map
    to. One typo from a user's name is a typo to fix in owners.map, never a person to invite; a deactivated
    user is offered an active one (or to invite someone)."""
    columns = ["owner", "rows", "user", "closest_user", "score", "action"]
    owner_cols = [s for s, c in profile.mapped().items() if c.owner or _is_user(mapped, c.field)]
    owner_cols = [c for c in owner_cols if c in mapped.table.frame.columns]
    if not owner_cols:
        return pd.DataFrame(columns=columns)
    values = pd.concat([mapped.table.frame[c].str.strip() for c in owner_cols])
    counts = values[values != ""].value_counts(sort=False)
    resolver = OwnerResolver(schema, profile.owners, profile.owner_default)
    matcher = Matcher([u.name for u in schema.users if u.active], names=True)
    rows = []
    for owner, n in counts.items():
        verdict = resolver.decide(owner)
        known = verdict.code is None
        closest = None if known else matcher.suggest(owner)
        if known:
            action = "ok"
        elif closest and one_typo(owner, closest.choice, names=True):
            action = f"typo: fix it, or map it to {closest.choice!r} under owners.map"
        elif verdict.code is IssueCode.INACTIVE_OWNER:
            other = f"an active user (closest: {closest.choice!r})" if closest else "an active user"
            action = f"deactivated in AmoCRM: map to {other} under owners.map, or invite someone to take over"
        else:
            action = ("map to the closest user, or" if closest else "") + " invite the user in AmoCRM"
        rows.append([owner, int(n), verdict.value if known else None, closest.choice if closest else None,
                     round(closest.score, 1) if closest else None, action.strip()])  # fmt: skip
    return pd.DataFrame(rows, columns=columns).sort_values("rows", ascending=False, kind="stable", ignore_index=True)


def _is_user(mapped: MappedTable, header: str) -> bool:
    target = mapped.targets.get(header)
    return bool(target and target.type == "user")


def plan_stages(mapped: MappedTable, schema: AccountSchema) -> pd.DataFrame:
    """Source stages in first-seen order with counts, where each lands now, and what to create. A stage one
    typo from an existing one is `typo` with that stage as `suggestion`: to fix, never to create."""
    columns = ["source_stage", "rows", "pipeline", "maps_to", "status", "create", "suggestion"]
    stage_h = next((h for h, t in mapped.targets.items() if t.type == "status"), None)
    if stage_h is None or stage_h not in mapped.sources:
        return pd.DataFrame(columns=columns)
    source = mapped.table.frame[mapped.sources[stage_h]].str.strip()
    pipe_h = next((h for h, t in mapped.targets.items() if t.type == "pipeline"), None)
    pipes = mapped.frame[pipe_h] if pipe_h else pd.Series("", index=source.index)
    issues = [i for i in mapped.issues if i.code in (IssueCode.UNKNOWN_STATUS, IssueCode.UNKNOWN_PIPELINE)]
    bad = {i.row for i in issues}
    hint = {i.row: i.suggestion for i in issues if i.code is IssueCode.UNKNOWN_STATUS and i.suggestion}
    keys = pd.DataFrame({"stage": source, "pipeline": pipes.replace("", schema.main_pipeline.name),
                         "maps_to": mapped.frame[stage_h], "bad": source.index.isin(list(bad))})  # fmt: skip
    keys = keys[keys["stage"] != ""]
    grouped = keys.groupby(["stage", "pipeline"], sort=False)
    rows = []
    for (stage, pipeline), group in grouped:
        unknown = bool(group["bad"].any())
        near = next((hint[r] for r in group.index if r in hint), None) if unknown else None
        typo = near is not None and one_typo(stage, near)
        status = "typo" if typo else "missing" if unknown else "ok"
        rows.append([stage, len(group), pipeline, None if unknown else group["maps_to"].iloc[0], status,
                     stage if unknown and not typo else None, near])  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def field_candidates(mapped: MappedTable, profile: Profile) -> list[tuple[str, str, str]]:
    """(source column, field name to create, entity) for columns no existing field holds."""
    out = []
    unknown = {i.column: i.field for i in mapped.issues if i.code is IssueCode.UNKNOWN_FIELD and i.column}
    for column in mapped.table.columns:
        if column in REJECT_META:
            continue
        spec = profile.columns.get(column, "absent")
        if spec == "absent" and column in mapped.unmapped:
            out.append((column, column, mapped.entity))
        elif isinstance(spec, ColumnSpec) and spec.create and column not in unknown:
            if spec.field not in mapped.targets:  # create: true, and the account does not have it yet
                out.append((column, *_split_suffix(spec.field, mapped.entity)))
        elif column in unknown:
            name, entity = _split_suffix(unknown[column] or column, mapped.entity)
            out.append((column, name, entity))
    return out


def _split_suffix(header: str, entity: str) -> tuple[str, str]:
    for suffix, owner in _SUFFIX_ENTITY.items():
        if entity == "leads" and header.endswith(suffix):
            return header[: -len(suffix)], owner
    return header, entity


def plan_fields(mapped: MappedTable, profile: Profile) -> pd.DataFrame:
    """Custom fields to create, each with an inferred type, options, fill rate, examples and the reason."""
    columns = ["source_column", "field", "entity", "action", "type", "options", "fill_rate", "distinct", "examples",
               "reason"]  # fmt: skip
    rows = []
    for column, name, entity in field_candidates(mapped, profile):
        values = mapped.table.frame[column]
        filled = values[values.str.strip() != ""]
        inferred = infer_type(column, values)
        action = f"map to a predefined {inferred.standard.upper()} column" if inferred.standard else "create"
        fill = round(len(filled) / max(len(values), 1), 3)
        rows.append([column, name, entity, action, inferred.type, inferred.options, fill, int(filled.nunique()),
                     list(filled.unique()[:3]), inferred.reason])  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def plan_stage_rules(mapped: MappedTable, fields: pd.DataFrame) -> pd.DataFrame:
    """Per stage, custom fields filled in nearly every row at it: proposed as required there."""
    columns = ["stage", "field", "rows_at_stage", "filled_share"]
    stage_h = next((h for h, t in mapped.targets.items() if t.type == "status"), None)
    if stage_h is None:
        return pd.DataFrame(columns=columns)
    stage = mapped.frame[stage_h]
    custom = {h: mapped.frame[h] for h, t in mapped.targets.items() if t.role == "custom"}
    pairs = zip(fields.get("source_column", []), fields.get("field", []), strict=True)
    custom.update({name: mapped.table.frame[src] for src, name in pairs})
    rows = []
    for name, values in custom.items():
        filled = values.str.strip() != ""
        share = filled.groupby(stage).agg(["size", "mean"])
        for st, (size, mean) in share.iterrows():
            if st and size >= MIN_STAGE_ROWS and mean >= REQUIRED_SHARE and filled.mean() < REQUIRED_SHARE:
                rows.append([st, name, int(size), round(float(mean), 3)])
    return pd.DataFrame(rows, columns=columns)


def build_plan(mapped: MappedTable, profile: Profile, schema: AccountSchema, *, users: list[SourceUser] | None = None,
               roles: RoleTemplate | None = None) -> SetupPlan:  # fmt: skip
    """The plan; `users` (the source system's employees) and `roles` (default: the bundled template) feed
    the team sections."""
    fields = plan_fields(mapped, profile)
    table: SourceTable = mapped.table
    notes = [f"{table.rows} rows read from {table.where()}; entity {mapped.entity}; schema {schema.source}."]
    if not schema.users:
        notes.append("The schema lists no users: every owner is listed as to invite (run `amomigrate schema pull`).")
    team = plan_team(mapped, profile, schema, users, roles or load_roles())
    users_frame = _with_team(plan_users(mapped, profile, schema), team)
    return SetupPlan(str(table.path), mapped.entity, users_frame, plan_stages(mapped, schema), fields,
                     plan_stage_rules(mapped, fields), notes + team.notes, team)  # fmt: skip


def _with_team(users: pd.DataFrame, team: TeamPlan) -> pd.DataFrame:
    """Owners the team plan resolves (a source user ID, a person who left → their heir) say so."""
    proposed = team.owners_map()
    hit = users["owner"].isin(list(proposed)) & (users["action"] != "ok") if not users.empty else None
    if hit is not None and hit.any():
        users = users.copy()
        users.loc[hit, "user"] = users.loc[hit, "owner"].map(proposed)
        users.loc[hit, "action"] = "owners map → user (see «Команда»)"
    return users
