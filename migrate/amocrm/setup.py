"""`plan --apply`: make the account match the setup plan — create the missing fields and stages, nothing else.

Why it is careful: an account belongs to a business that already uses it. So this module never changes what
exists. It reads the account first and compares by folded name (`fuzzy.normalise`), so a re-run, or a run
after an answer was lost, creates only what is still missing; an existing field of another type is
reported, never changed. What the API cannot do (invite users) or what a person should decide (PHONE/EMAIL
columns, options missing from an existing list, stage rules unless asked for) becomes the to-do list.
`--dry-run DIR` writes each request's body to `DIR/NNNN-METHOD-path.json` and sends nothing.

Requests (shapes and what is unconfirmed about them: migrate/sandbox/setup.py): `POST /api/v4/leads/pipelines/{id}/
statuses` first, so a stage rule may name a new stage; then `POST /api/v4/{entity}/custom_fields` (≤ 50 a
request), with `enums` for lists and, only with `stage_rules=True`, `required_statuses` of the new field.
Rules are sent with the new field instead of a later PATCH: a PATCH that leaves out `enums` may drop them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..core.issues import AmoApiError
from ..core.profile import Profile
from ..core.schema import ENTITIES, SYSTEM_STATUSES, AccountSchema
from ..drafting.plan import SetupPlan
from ..quality.fuzzy import Matcher, normalise
from .client import AmoClient, ValidationFailed
from .setup_dryrun import sender_for

FIELDS_PER_REQUEST = 50
MAX_STATUSES = 100
TYPO_SCORE = 90.0
_DIGITS = re.compile(r"\d+")
CREATE, CREATED, WOULD_CREATE = "create", "created", "would create"
EXISTS, CONFLICT, SKIPPED, DUPLICATE = "exists", "conflict", "skipped", "duplicate"
_LISTS = ("select", "multiselect", "radiobutton")
_AGAIN = "Run the same command again: it reads the account first and creates only what is still missing."
_KIND_WORDS = {"EMAIL": "e-mail addresses", "PHONE": "phone numbers"}

Warn = Callable[[str], None]


@dataclass
class Step:
    """One planned field or stage and what became of it. `name` is the account's spelling once found."""

    kind: str  # field | stage
    name: str
    where: str  # a field's entity, a stage's pipeline
    source: str  # the source column (field) or source stage value (stage)
    type: str = ""
    outcome: str = CREATE
    id: int | None = None
    options: list[str] = field(default_factory=list)
    detail: str = ""
    pipeline_id: int | None = None
    sort: int | None = None
    required: list[dict[str, int]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # options an existing list field lacks

    def label(self) -> str:
        if self.kind == "role":
            return f"role {self.name!r}"
        if self.kind == "user":  # setup_team.py: where = group, source = e-mail, type = role
            group = f", group {self.where!r}" if self.where else ""
            mail = f" <{self.source}>" if self.source else ""
            return f"user {self.name!r}{mail}, role {self.type!r}{group}"
        if self.kind == "stage":
            return f"stage {self.name!r} in {self.where!r}"
        shown = self.options and self.type in _LISTS and self.outcome != EXISTS
        extra = f", {len(self.options)} options" if shown else ""
        return f"{self.where} field {self.name!r} ({self.type}{extra})"


@dataclass
class ApplyResult:
    """What `apply_plan` did: the steps, the requests written or sent, the to-do list, the new profile."""

    account: str
    dry_run: bool = False
    steps: list[Step] = field(default_factory=list)
    manual: list[str] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    remapped: list[str] = field(default_factory=list)
    outputs: dict[str, Path] = field(default_factory=dict)
    schema: AccountSchema | None = None
    profile: Profile | None = None
    plan: SetupPlan | None = None
    error: str | None = None

    def of(self, *outcomes: str) -> list[Step]:
        return [s for s in self.steps if s.outcome in outcomes]

    @property
    def created(self) -> list[Step]:
        return self.of(CREATED, WOULD_CREATE)

    @property
    def existing(self) -> list[Step]:
        return self.of(EXISTS)

    def to_dict(self) -> dict[str, Any]:
        return {
            "account": self.account, "dry_run": self.dry_run, "error": self.error,
            "created": [asdict(s) for s in self.created], "existing": [asdict(s) for s in self.existing],
            "not_created": [asdict(s) for s in self.of(CONFLICT, SKIPPED, DUPLICATE)],
            "profile_changes": self.remapped, "by_hand": self.manual, "requests": self.requests,
            "outputs": {k: str(v) for k, v in self.outputs.items()},
        }  # fmt: skip

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def summary(self, *, quiet: bool = False) -> str:
        head = f"Account {self.account}" + (": dry run, nothing sent" if self.dry_run else "")
        lines = [head]
        verb = "Would create" if self.dry_run else "Created"
        groups = [(verb, self.created), ("Already exists", self.existing),
                  ("Not created", self.of(CONFLICT, SKIPPED, DUPLICATE))]  # fmt: skip
        for title, steps in groups:
            lines.append(f"{title}: {len(steps)}")
            if not quiet:
                lines += [f"  - {s.label()}" + (f" — {s.detail}" if s.detail else "") for s in steps]
        if self.remapped:
            lines.append(f"Profile: {len(self.remapped)} mappings added or corrected")
            lines += [] if quiet else [f"  - {c}" for c in self.remapped]
        lines.append("To do by hand:" if self.manual else "Nothing to do by hand.")
        lines += [f"  - {m}" for m in self.manual]
        lines += [f"{kind}: {path}" for kind, path in self.outputs.items()]
        return "\n".join(lines)


# --- small helpers ----------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    """A plan cell as text: pandas turns a missing value into NaN, which is truthy."""
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip()


def _typo_of(name: str, choices: list[str]) -> str | None:
    """An existing label `name` is one slip away from (same digits, fuzzy score ≥ 90): more likely a typo
    than a new stage, so it is left to a person rather than created."""
    m = Matcher(choices, cutoff=TYPO_SCORE).suggest(name)
    return m.choice if m and _DIGITS.findall(name) == _DIGITS.findall(m.choice) else None


def find_named(items: list[Any], name: str, key: Callable[[Any], str]) -> Any:
    folded = normalise(name)
    return next((x for x in items if normalise(key(x)) == folded), None)


# --- deciding what to create --------------------------------------------------------------------------------


def plan_steps(plan: SetupPlan, schema: AccountSchema, profile: Profile | None = None) -> list[Step]:
    """Each planned field and stage, compared with the account: to create, exists, conflict or skipped."""
    return _field_steps(plan, schema) + _stage_steps(plan, schema, profile)


def _field_steps(plan: SetupPlan, schema: AccountSchema) -> list[Step]:
    steps: list[Step] = []
    targets = schema.targets(plan.entity)
    seen: set[tuple[str, str]] = set()
    for row in plan.fields.itertuples(index=False):
        if row.action != CREATE:
            continue
        step = Step("field", str(row.field).strip(), row.entity, row.source_column, row.type,
                    options=[str(o) for o in (row.options or [])])  # fmt: skip
        if step.type in _LISTS and not step.options:
            step.type, step.detail = "text", "a list without options: created as text"
        found = find_named(schema.fields(step.where), step.name, lambda f: f["name"])
        header = step.name + schema.suffixes.get(plan.entity, {}).get(step.where, "")
        if found is not None:
            _compare(step, found)
        elif header in targets and targets[header].role != "custom":
            step.outcome, step.detail = EXISTS, "a standard column of the import"
        elif not step.name:
            step.outcome, step.detail = SKIPPED, "the column has no header to name a field after: map it by hand"
        elif (step.where, normalise(step.name)) in seen:
            step.outcome, step.detail = DUPLICATE, "another column creates a field of this name: map this one by hand"
        seen.add((step.where, normalise(step.name)))
        steps.append(step)
    return steps


def _fits(existing: str, planned: str) -> bool:
    """Whether the data fits an existing field of another type: text takes anything, and so on."""
    money = {"numeric", "price", "monetary"}
    return (existing == planned or existing in ("text", "textarea") or {existing, planned} <= money
            or (existing, planned) in {("date_time", "date"), ("multiselect", "select")})  # fmt: skip


def _compare(step: Step, found: dict[str, Any]) -> None:
    step.name, step.id = found["name"], found.get("id")
    if not _fits(found["type"], step.type):
        step.outcome = CONFLICT
        step.detail = f"the account's field is {found['type']}, the data looks {step.type}: map the column by hand"
        return
    step.outcome = EXISTS
    if found["type"] != step.type:
        step.detail = f"its type is {found['type']}; the data fits"
    have = {normalise(str(e["value"])) for e in found.get("enums") or []}
    missing = [o for o in step.options if normalise(o) not in have] if found["type"] in _LISTS else []
    step.type = found["type"]
    if missing:
        step.missing = missing
        step.detail = (step.detail + "; " if step.detail else "") + f"lacks options {', '.join(missing)}"


def _stage_steps(plan: SetupPlan, schema: AccountSchema, profile: Profile | None) -> list[Step]:
    steps: list[Step] = []
    values = _stage_values(profile, schema)
    added: dict[int, list[str]] = {}
    for row in plan.stages.itertuples(index=False):
        if not _text(row.create) and getattr(row, "status", "") != "typo":  # a typo is reported, never created
            continue
        name = (values.get(row.source_stage) or values.get(normalise(row.source_stage)) or _text(row.create)
                or row.source_stage)  # fmt: skip
        step = Step("stage", str(name).strip(), _text(row.pipeline), row.source_stage)
        steps.append(step)
        raw = find_named(schema.raw["pipelines"], row.pipeline, lambda p: p["name"])
        if raw is None:
            step.outcome, step.detail = SKIPPED, "the account has no such pipeline: create it by hand, or map the value"
            continue
        step.where, step.pipeline_id = raw["name"], raw["id"]
        found = find_named(raw["statuses"], step.name, lambda s: s["name"])
        new = added.setdefault(raw["id"], [])
        typo = None if found else _typo_of(step.name, [s["name"] for s in raw["statuses"]])
        if found is not None:
            step.outcome, step.name, step.id = EXISTS, found["name"], found["id"]
        elif typo is not None:
            step.outcome = SKIPPED
            step.detail = f"looks like a misspelling of {typo!r}: map it there (`values:`) or create it by hand"
        elif normalise(step.name) in map(normalise, new):
            step.outcome, step.detail = DUPLICATE, "the same stage as another source value (mapped there)"
        elif len(raw["statuses"]) + len(new) >= MAX_STATUSES:
            step.outcome, step.detail = SKIPPED, f"the pipeline already has {MAX_STATUSES} stages: make room by hand"
        else:
            step.sort = _next_sort(raw["statuses"]) + 10 * (len(new) + 1)
            new.append(step.name)
    return steps


def _stage_values(profile: Profile | None, schema: AccountSchema) -> dict[str, str]:
    """The profile's `values:` of its stage column: a source stage mapped to a stage still to create."""
    spec = stage_spec(profile, schema) if profile else None
    if spec is None:
        return {}
    return {**{normalise(k): v for k, v in spec.values.items()}, **spec.values}


def stage_spec(profile: Profile, schema: AccountSchema) -> Any:
    targets = schema.targets(profile.entity)
    return next((c for c in profile.mapped().values() if c.field in targets and targets[c.field].type == "status"),
                None)  # fmt: skip


def _next_sort(statuses: list[dict[str, Any]]) -> int:
    working = [s.get("sort", (i + 1) * 10) for i, s in enumerate(statuses) if s["id"] not in SYSTEM_STATUSES]
    return max(working, default=0)


# --- sending ------------------------------------------------------------------------------------------------


Items = list[dict[str, Any]]


def _send(sender: Any, result: ApplyResult, path: str, body: Items, what: str,
          secret: Callable[[Items], Items] | None = None) -> Items:  # fmt: skip
    """POST one batch; the answer's items in the order of `body` (by `request_id`, else by position).
    `secret` adds what is sent but never recorded (new users' passwords): the log keeps `body` as given."""
    result.requests.append({"method": "POST", "path": path, "body": body})
    try:
        answer = sender.request("POST", path, body=secret(body) if secret else body)
    except ValidationFailed as e:
        names = {str(item["request_id"]): item["name"] for item in body}
        why = "; ".join(f"{names.get(rid, rid)!r}: " + ", ".join(f"{c} at {p or '-'}" for c, p, _ in errs)
                        for rid, errs in e.errors.items())  # fmt: skip
        raise AmoApiError(f"AmoCRM refused to create {what} ({why or e}). Nothing of that request was saved.") from None
    except AmoApiError as e:
        raise AmoApiError(f"{e} {_AGAIN}") from None
    key = path.rstrip("/").rsplit("/", 1)[-1]  # statuses, custom_fields, roles, users
    made = ((answer or {}).get("_embedded") or {}).get(key) or []
    by_rid = {str(m.get("request_id")): m for m in made}
    return [by_rid.get(str(item["request_id"])) or (made[i] if i < len(made) else {}) for i, item in enumerate(body)]


def apply_plan(plan: SetupPlan, schema: AccountSchema, client: AmoClient | None, *, dry_run_dir: Path | None = None,
               stage_rules: bool = False, profile: Profile | None = None,
               result: ApplyResult | None = None, sender: Any = None) -> ApplyResult:  # fmt: skip
    """Create the plan's missing stages and custom fields in the account `schema` describes (pulled just
    now); never touch what exists. `result`, when given, is filled in as it goes, so a caller still has
    what was created when a later request fails."""
    result = result or ApplyResult(getattr(client, "base_url", "none"), dry_run=dry_run_dir is not None)
    result.plan = plan
    result.steps = plan_steps(plan, schema, profile)
    result.manual = _to_do(plan, schema, result.steps, set())
    sender = sender if sender is not None else sender_for(client, dry_run_dir)
    done = WOULD_CREATE if dry_run_dir is not None else CREATED
    _create_stages(sender, result, done)
    rules = _attach_rules(plan, schema, result.steps) if stage_rules else set()
    _create_fields(sender, result, done)
    result.manual = _to_do(plan, schema, result.steps, rules)
    return result


def _create_stages(sender: Any, result: ApplyResult, done: str) -> None:
    pending = [s for s in result.steps if s.kind == "stage" and s.outcome == CREATE]
    for pid in dict.fromkeys(s.pipeline_id for s in pending):
        group = [s for s in pending if s.pipeline_id == pid]
        body = [{"name": s.name, "sort": s.sort, "request_id": str(i)} for i, s in enumerate(group)]
        for step, made in zip(group, _send(sender, result, f"/api/v4/leads/pipelines/{pid}/statuses", body,
                                           f"stages in {group[0].where!r}"), strict=True):  # fmt: skip
            step.outcome, step.id = done, made.get("id")


def _create_fields(sender: Any, result: ApplyResult, done: str) -> None:
    pending = [s for s in result.steps if s.kind == "field" and s.outcome == CREATE]
    for entity in ENTITIES:
        group = [s for s in pending if s.where == entity]
        for start in range(0, len(group), FIELDS_PER_REQUEST):
            chunk = group[start : start + FIELDS_PER_REQUEST]
            body = [_field_body(s, i) for i, s in enumerate(chunk)]
            made = _send(sender, result, f"/api/v4/{entity}/custom_fields", body, f"{entity} fields")
            for step, answer in zip(chunk, made, strict=True):
                step.outcome, step.id = done, answer.get("id")


def _field_body(step: Step, i: int) -> dict[str, Any]:
    body: dict[str, Any] = {"name": step.name, "type": step.type, "request_id": str(i)}
    if step.type in _LISTS:
        body["enums"] = [{"value": o, "sort": (k + 1) * 10} for k, o in enumerate(step.options)]
    if step.required:
        body["required_statuses"] = step.required
    return body


def _attach_rules(plan: SetupPlan, schema: AccountSchema, steps: list[Step]) -> set[tuple[str, str]]:
    """Stage rules of fields this run creates go with the new field; other fields are never touched.
    Returns the (field, stage) rules attached, folded."""
    new = {normalise(s.name): s for s in steps if s.kind == "field" and s.outcome == CREATE}
    attached = set()
    for rule in plan.stage_rules.itertuples(index=False):
        step, pairs = new.get(normalise(rule.field)), _stage_ids(rule.stage, plan, schema, steps)
        if step is not None and pairs:
            step.required += [r for r in pairs if r not in step.required]
            attached.add((normalise(rule.field), normalise(rule.stage)))
    return attached


def _stage_ids(stage: str, plan: SetupPlan, schema: AccountSchema, steps: list[Step]) -> list[dict[str, int]]:
    """(pipeline, status) pairs named `stage` in the pipelines the rows sit in, new stages included."""
    pipes = {normalise(p) for p in plan.stages.get("pipeline", [])} or {normalise(schema.main_pipeline.name)}
    key = normalise(stage)
    pairs = [(p.id, s.id) for p in schema.pipelines if normalise(p.name) in pipes for s in p.statuses
             if normalise(s.name) == key]  # fmt: skip
    pairs += [(s.pipeline_id, s.id) for s in steps if s.kind == "stage" and s.outcome in (CREATED, WOULD_CREATE)
              and s.id is not None and s.pipeline_id is not None and normalise(s.name) == key]  # fmt: skip
    return [{"pipeline_id": p, "status_id": s} for p, s in dict.fromkeys(pairs)]


# --- what a person must still do ----------------------------------------------------------------------------


def _to_do(plan: SetupPlan, schema: AccountSchema, steps: list[Step], rules: set[tuple[str, str]]) -> list[str]:
    out = []
    for u in plan.users.itertuples(index=False) if not (plan.team and plan.team.sourced) else ():  # setup_team.py
        if u.action != "ok":
            user = _text(u.closest_user)
            closest = f", or map it to {user!r} in the profile's owners" if user else ""
            rows = f"{u.rows} row" + ("" if u.rows == 1 else "s")
            out.append(f"invite the user {u.owner!r} ({rows}) in AmoCRM → Settings → Users{closest}; users cannot "
                       "be created through the API")  # fmt: skip
    targets = schema.targets(plan.entity)
    for f in plan.fields.itertuples(index=False):
        if f.action != CREATE:
            code = f.action.rsplit(" ", 2)[-2]
            example = next((h for h, t in targets.items() if t.code == code), code)
            out.append(f"column {f.source_column!r} holds {_KIND_WORDS.get(code, code)}: map it to one of the {code} "
                       f"columns (e.g. {example!r}) in the profile rather than to a new field")  # fmt: skip
    for s in steps:
        if s.outcome in (CONFLICT, SKIPPED) or (s.outcome == DUPLICATE and s.kind == "field"):
            source = "" if s.source == s.name else f" (source {s.source!r})"
            out.append(f"{s.label()}{source}: {s.detail}")
        elif s.missing:
            out.append(f"{s.label()} lacks the options {', '.join(s.missing)}: add them in AmoCRM (never changed here)")
    for r in plan.stage_rules.itertuples(index=False):
        if (normalise(r.field), normalise(r.stage)) not in rules:
            out.append(f"make {r.field!r} required at stage {r.stage!r} (filled in {r.filled_share:.0%} of its "
                       f"{r.rows_at_stage} rows), if the business wants that rule")  # fmt: skip
    return out
