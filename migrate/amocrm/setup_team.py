"""`plan --apply`, the team: create the roles the team needs and add the users the account lacks, then point
the profile's owners map at them. Never changes an existing user or role.

What the API allows, per the AmoCRM/Kommo API v4 reference (developers.kommo.com/reference/add-users,
/adding-roles, /users-and-roles; checked with the search tool, facts also in sandbox/team.py):
`GET /api/v4/users` (`with=role,group`), `POST /api/v4/users` and `GET/POST /api/v4/roles` are for
administrators only; `POST /users` takes at most 10 users a request and "becomes unavailable if the number
of users exceed 100"; administrator is the flag rights.is_admin, not a role. Relied on but unconfirmed:
that `rights.role_id` and `rights.group_id` are accepted when adding a user (we send the role's rights too,
so a user gets them either way), that a role batch of 10 is accepted, and that a new user must set their
password themselves (the API requires one: we send a random one and never keep or show it).
There is no endpoint to create a user group: groups come from `GET /account?with=users_groups`, and a
department the account lacks becomes a to-do for a person.

Order, so that a refusal changes nothing: read the account's users, roles and groups (403 → refuse: the
token is not an administrator's) and check the user limit *before* anything is created; then the fields
and stages (setup.py), then roles, then users.
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass, field
from typing import Any

from ..core.issues import AmoApiError
from ..core.profile import Profile
from ..core.schema import AccountSchema
from ..drafting.roles import ENTITIES, Role
from ..drafting.team import GONE, TO_ADD, Member, TeamPlan
from ..quality.fuzzy import name_key, normalise
from .client import AmoClient, Forbidden
from .setup import CREATE, EXISTS, SKIPPED, ApplyResult, Step, _send

USERS_PER_REQUEST = 10
ROLES_PER_REQUEST = 10
USER_LIMIT = 100
_NAME_BAD = re.compile(r"[^\w\s.@\-]")


class TeamRefused(AmoApiError):
    """The team cannot be applied through the API (not an administrator, past the user limit): exit 2,
    nothing created, and the message says what a person must do instead."""


@dataclass
class TeamState:
    """What the account has: users (id, name, email, role_id, group_id), roles by folded name, groups."""

    users: list[dict[str, Any]] = field(default_factory=list)
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    known: bool = True  # False: a dry run without an account, roles and groups unknown

    def user(self, email: str, name: str) -> dict[str, Any] | None:
        if email:
            hit = next((u for u in self.users if (u.get("email") or "").casefold() == email.casefold()), None)
            if hit is not None:
                return hit
        key = name_key(name)
        return next((u for u in self.users if name_key(u.get("name") or "") == key), None)


def read_team(client: AmoClient | None, schema: AccountSchema, team: TeamPlan) -> TeamState:
    """The account's users, roles and groups. Without a client (dry run): the schema's users only."""
    if client is None:
        return TeamState([{"id": u.id, "name": u.name, "email": u.email} for u in schema.users], known=False)
    try:
        users = list(client.pages("/api/v4/users", "users", {"with": "role,group"}))
        roles = list(client.pages("/api/v4/roles", "roles"))
    except Forbidden:
        raise TeamRefused(
            "The token's user is not an administrator of the account: AmoCRM lets only administrators list and "
            "add users and roles (403). Nothing was created. Either apply again with an administrator's token, or "
            "by hand: " + "; ".join(_by_hand(team, None)) + "."
        ) from None
    account = client.get("/api/v4/account", {"with": "users_groups"}) or {}
    groups = ((account.get("_embedded") or {}).get("users_groups")) or []
    return TeamState(
        [{"id": u["id"], "name": u.get("name") or "", "email": u.get("email"),
          "role_id": (u.get("rights") or {}).get("role_id"), "group_id": (u.get("rights") or {}).get("group_id")}
         for u in users],
        {normalise(r["name"]): r for r in roles},
        {normalise(g["name"]): g["id"] for g in groups if g.get("name")},
    )  # fmt: skip


def team_steps(team: TeamPlan, state: TeamState) -> list[Step]:
    """A step per user to add (create, or skipped with the reason) and, when the source's users were given,
    per existing user; a step per role those users need (with `--users`: every role the team uses).
    Without `--users` the team is only the data's owners, so nothing is created for people already there."""
    users = _user_steps(team, state)
    needed = {s.type for s in users if s.outcome == CREATE}
    roles = []
    for name in (r for r in team.template.roles if r in needed or (team.sourced and r in team.roles_used())):
        found = state.roles.get(normalise(name))
        step = Step("role", name, "roles", name)
        if found is not None:
            step.outcome, step.name, step.id = EXISTS, found["name"], found["id"]
        roles.append(step)
    return roles + [s for s in users if team.sourced or s.outcome != EXISTS]


def _user_steps(team: TeamPlan, state: TeamState) -> list[Step]:
    steps: list[Step] = []
    emails: dict[str, str] = {}  # e-mail → who uses it first: AmoCRM refuses a second user with it
    for m in (m for m in team.members if m.status not in GONE):
        step = Step("user", _api_name(m.name), m.group, m.email, m.role)
        found = state.user(m.email, m.name)
        if found is not None:
            step.outcome, step.id, step.name = EXISTS, found["id"], found["name"]
            role = next((r for r in state.roles.values() if r["id"] == found.get("role_id")), None)
            if role is not None and normalise(role["name"]) != normalise(m.role):
                step.detail = f"has the role {role['name']!r}, the plan says {m.role!r}: never changed here"
        elif m.status != TO_ADD:
            step.outcome, step.detail = SKIPPED, "in the account's schema but not in its user list"
        elif not m.email:
            step.outcome, step.detail = SKIPPED, "no e-mail: AmoCRM adds a user by e-mail; add it in the users file"
        elif m.email.casefold() in emails:
            step.outcome = SKIPPED
            step.detail = f"the same e-mail as {emails[m.email.casefold()]!r}: AmoCRM takes one user per e-mail"
        elif step.name != m.name:
            step.detail = f"name sent as {step.name!r} (AmoCRM takes letters, digits, spaces and . @ - _ only)"
        if m.email:
            emails.setdefault(m.email.casefold(), m.name)
        steps.append(step)
    return steps


def check_limit(team: TeamPlan, steps: list[Step], state: TeamState, limit: int = USER_LIMIT) -> None:
    """Refuse (nothing created yet) when adding would take the account past the API's user limit."""
    adding = [s for s in steps if s.kind == "user" and s.outcome == CREATE]
    if adding and len(state.users) + len(adding) > limit:
        room = max(limit - len(state.users), 0)
        beyond = [s.name for s in adding[room:]]
        raise TeamRefused(
            f"Adding {len(adding)} users would give the account {len(state.users) + len(adding)} users, past the "
            f"{limit} up to which AmoCRM lets the API add users. Nothing was created. By hand: "
            + "; ".join(_by_hand(team, state, beyond)) + "."
        )  # fmt: skip


def _by_hand(team: TeamPlan, state: TeamState | None, names: list[str] | None = None) -> list[str]:
    people = names if names is not None else [m.name for m in team.to_add()]
    out = [f"invite {', '.join(people)} in AmoCRM → Settings → Users (with their role)"] if people else []
    groups = [g for g in team.groups() if state is None or normalise(g) not in state.groups]
    if groups:
        out.append(f"create the user groups {', '.join(groups)} (the API cannot create groups)")
    return out


# --- creating --------------------------------------------------------------------------------------------------


def create_team(sender: Any, result: ApplyResult, team: TeamPlan, state: TeamState, schema: AccountSchema,
                steps: list[Step], done: str, *, real: bool) -> list[str]:  # fmt: skip
    """POST the roles, then the users (≤ 10 a request). Returns the to-do list for a person. `real`: the
    sender is the account, so passwords are added (never recorded)."""
    result.steps += steps
    manual: list[str] = []
    roles = [s for s in steps if s.kind == "role" and s.outcome == CREATE]
    for start in range(0, len(roles), ROLES_PER_REQUEST):
        chunk = roles[start : start + ROLES_PER_REQUEST]
        body = [{"name": s.name, "rights": _rights(team.template.roles[s.source], schema, manual),
                 "request_id": str(i)} for i, s in enumerate(chunk)]  # fmt: skip
        for step, made in zip(chunk, _send(sender, result, "/api/v4/roles", body, "roles"), strict=True):
            step.outcome, step.id = done, made.get("id")
    role_ids = {normalise(s.source): s.id for s in steps if s.kind == "role"}
    users = [s for s in steps if s.kind == "user" and s.outcome == CREATE]
    for start in range(0, len(users), USERS_PER_REQUEST):
        chunk = users[start : start + USERS_PER_REQUEST]
        body = [_user_body(team, s, role_ids, state, schema, i) for i, s in enumerate(chunk)]
        made = _send(sender, result, "/api/v4/users", body, "users", _with_passwords if real else None)
        for step, answer in zip(chunk, made, strict=True):
            step.outcome, step.id = done, answer.get("id")
    return manual + _to_do(team, state, steps, done)


def _api_name(name: str) -> str:
    """A name AmoCRM accepts: no special symbols except . @ - _, at most 50 characters."""
    return " ".join(_NAME_BAD.sub(" ", name).split())[:50].strip() or name[:50]


def _rights(role: Role, schema: AccountSchema, manual: list[str]) -> dict[str, Any]:
    rights: dict[str, Any] = {e: dict(role.rights[e]) for e in ENTITIES}
    rights.update(tasks=dict(role.tasks), mail_access=role.mail_access, catalog_access=role.catalog_access)
    status_rights = []
    for sr in role.stages:
        pipeline = next((p for p in schema.pipelines if normalise(p.name) == normalise(sr.pipeline)),
                        None) if sr.pipeline else schema.main_pipeline  # fmt: skip
        status = next((s for s in pipeline.statuses if normalise(s.name) == normalise(sr.stage)), None) if pipeline \
            else None  # fmt: skip
        if pipeline is None or status is None:
            manual.append(f"role {role.name!r}: the account has no stage {sr.stage!r} in {sr.pipeline!r}, so its "
                          "stage rights were left out; set them in Settings → Users → roles")  # fmt: skip
            continue
        status_rights.append({"entity_type": "leads", "pipeline_id": pipeline.id, "status_id": status.id,
                              "rights": dict(sr.rights)})  # fmt: skip
    rights["status_rights"] = status_rights
    return rights


def _user_body(team: TeamPlan, step: Step, role_ids: dict[str, int | None], state: TeamState,
               schema: AccountSchema, i: int) -> dict[str, Any]:  # fmt: skip
    member = next(m for m in team.members if m.email == step.source and _api_name(m.name) == step.name)
    role = team.template.roles[member.role]
    rights = {k: v for k, v in _rights(role, schema, []).items() if k != "status_rights"}
    rights.update(is_admin=member.admin, is_free=False)
    if role_ids.get(normalise(member.role)) is not None:
        rights["role_id"] = role_ids[normalise(member.role)]
    if member.group and normalise(member.group) in state.groups:
        rights["group_id"] = state.groups[normalise(member.group)]
    return {"name": step.name, "email": member.email, "lang": "ru", "rights": rights, "request_id": str(i)}


def _with_passwords(body: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**item, "password": _password()} for item in body]


def _password() -> str:
    """16 random characters with a digit, an upper- and a lower-case letter (the API's rule); never kept."""
    alphabet = string.ascii_letters + string.digits
    while True:
        word = "".join(secrets.choice(alphabet) for _ in range(16))
        if any(c.isdigit() for c in word) and any(c.islower() for c in word) and any(c.isupper() for c in word):
            return word


def _to_do(team: TeamPlan, state: TeamState, steps: list[Step], done: str) -> list[str]:
    out = []
    added = [s.name for s in steps if s.kind == "user" and s.outcome == done]
    if added:
        out.append(f"{len(added)} new users ({', '.join(added)}) get a random password amomigrate never shows: each "
                   "signs in through «Forgot password» with their e-mail, or an administrator sets one")  # fmt: skip
    for s in steps:
        if s.kind == "user" and (s.outcome == SKIPPED or (s.outcome == EXISTS and s.detail)):
            out.append(f"{s.label()}: {s.detail}")
    if state.known:
        for g in (g for g in team.groups() if normalise(g) not in state.groups):
            people = [m.name for m in team.members if m.group == g and m.status not in GONE]
            out.append(f"create the user group {g!r} in AmoCRM → Settings → Users (the API cannot create groups) "
                       f"and move {', '.join(people)} into it")  # fmt: skip
    else:
        out.append(f"check that the user groups {', '.join(team.groups())} exist (a dry run without the account "
                   "cannot see them; the API cannot create groups)")  # fmt: skip
    for m in (m for m in team.members if m.status in GONE and m.total):
        heir = f"moved to {m.heir!r} in the owners map" if m.heir else "nobody to inherit them: assign by hand"
        out.append(f"{m.name!r} ({m.status}) owns {m.total} records: {heir}")
    return out


# --- the profile after apply --------------------------------------------------------------------------------


def rewrite_owners(profile: Profile, team: TeamPlan, schema: AccountSchema) -> list[str]:
    """Point `profile.owners` (in place) at the users `schema` (re-pulled) has: an owner text the data uses
    (a source user ID, a surname-first name, a person who left) → the user who owns those records now."""
    changes = []
    for text, target in team.owners_map().items():
        member = team.member(target) or next((m for m in team.members if m.target_name == target), None)
        user = _schema_user(schema, member) if member else None
        if user is None or not user.active or profile.owners.get(text) == user.name:
            continue
        profile.owners[text] = user.name
        changes.append(f"owner {text!r} → {user.name!r}")
    return changes


def _schema_user(schema: AccountSchema, m: Member) -> Any:
    if m.email:
        hit = next((u for u in schema.users if (u.email or "").casefold() == m.email.casefold()), None)
        if hit is not None:
            return hit
    return next((u for u in schema.users if name_key(u.name) == name_key(m.target_name)), None)
