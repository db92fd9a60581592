"""The role template: which AmoCRM roles the team gets, their rights, and the rules that give each person one.

Why a file and not code: rights are a business decision (who may delete a deal, who sees the whole base),
so the bundled `migrate/data/roles.yaml` is a starting point a person copies and edits (`--roles FILE`).

Rights follow the AmoCRM/Kommo API v4 reference, "Users and roles" (developers.kommo.com/reference/
users-and-roles, checked with the search tool): the letters A (all), G (group: the user's group's
records), M (main: the user's own records), D (denied); per entity view, edit, add, delete, export; tasks
edit and delete; "«Create» rights and stage rights can only have one of the following values: A, D";
"incoming leads stages don't have «Export» rights"; administrator and free user are not roles but the
flags rights.is_admin / rights.is_free. Per-stage rights (`status_rights`) are, per "Adding roles",
`{"entity_type": "leads", "pipeline_id", "status_id", "rights": {"view", "edit", "delete", "export"}}`.
Unconfirmed: whether a role without `mail_access`/`catalog_access` defaults to false (we always send both).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..core.issues import ProfileError
from ..core.people import SourceUser
from ..core.yamlsafe import load_yaml

LETTERS = ("A", "G", "M", "D")
ENTITY_ACTIONS = ("view", "edit", "add", "delete", "export")
ENTITIES = ("leads", "contacts", "companies")
TASK_ACTIONS = ("edit", "delete")
STAGE_ACTIONS = ("view", "edit", "delete", "export")
ALL_OR_NOTHING = ("A", "D")  # "add" and every stage right


@dataclass(frozen=True)
class StageRight:
    pipeline: str
    stage: str
    rights: dict[str, str]


@dataclass(frozen=True)
class Role:
    """One role: `rights[entity][action]` letters, tasks rights, the two access flags, stage rights."""

    name: str
    rights: dict[str, dict[str, str]]
    tasks: dict[str, str]
    mail_access: bool = False
    catalog_access: bool = False
    stages: tuple[StageRight, ...] = ()

    def summary(self) -> str:
        """'сделки view G · edit M …' — one line per entity joined, for the plan's roles section."""
        words = {"leads": "сделки", "contacts": "контакты", "companies": "компании"}
        parts = [f"{words[e]} " + " ".join(f"{a} {self.rights[e][a]}" for a in ENTITY_ACTIONS) for e in ENTITIES]
        parts.append("задачи " + " ".join(f"{a} {self.tasks[a]}" for a in TASK_ACTIONS))
        return " · ".join(parts)


@dataclass(frozen=True)
class Rule:
    role: str
    position: re.Pattern[str] | None = None
    department: re.Pattern[str] | None = None
    admin: bool = False

    def matches(self, user: SourceUser) -> bool:
        if self.position is None and self.department is None:
            return False
        ok_position = self.position is None or bool(self.position.search(user.position or ""))
        ok_department = self.department is None or bool(self.department.search(user.department or ""))
        return ok_position and ok_department


@dataclass
class RoleTemplate:
    roles: dict[str, Role]
    default_role: str
    rules: list[Rule] = field(default_factory=list)
    source: str = "bundled"

    def decide(self, user: SourceUser) -> tuple[str, bool, str]:
        """(role, admin, why) for one person: the sheet's own role first, then the first matching rule,
        else the default. A sheet's role the template does not define is an error (say it, never guess)."""
        if user.role:
            found = next((r for r in self.roles if r.casefold() == user.role.strip().casefold()), None)
            if found is None:
                raise ProfileError(f"{user.name!r} has the role {user.role!r}, which the role template "
                                   f"({self.source}) does not define; it has {', '.join(self.roles)}.")  # fmt: skip
            return found, bool(user.admin), "role given in the users file"
        for rule in self.rules:
            if rule.matches(user):
                what = " and ".join(
                    f"{k} {getattr(user, k)!r}" for k in ("position", "department") if getattr(rule, k) is not None
                )
                return rule.role, bool(user.admin) if user.admin is not None else rule.admin, f"rule: {what}"
        return self.default_role, bool(user.admin), "default role"


def load_roles(path: str | Path | None = None) -> RoleTemplate:
    """The bundled template, or the one at `path`; ProfileError (exit 2) naming every wrong entry."""
    if path is None:
        text, source = resources.files("migrate").joinpath("data", "roles.yaml").read_text(encoding="utf-8"), "bundled"
    else:
        try:
            text, source = Path(path).read_text(encoding="utf-8"), str(path)
        except OSError as e:
            raise ProfileError(f"Cannot read the role template '{path}': {e.strerror or e}.") from None
    try:
        data = load_yaml(text)
    except yaml.YAMLError as e:
        raise ProfileError(f"The role template '{source}' is not valid YAML: {e}.") from None
    return parse_roles(data, source)


def parse_roles(data: Any, source: str) -> RoleTemplate:
    problems: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("roles"), dict) or not data["roles"]:
        raise ProfileError(f"The role template '{source}' needs a `roles:` mapping of role name → rights.")
    roles = {}
    for name, spec in data["roles"].items():
        role = _role(str(name).strip(), spec, problems)
        if role is not None:
            roles[role.name] = role
    default = str(data.get("default_role") or "").strip()
    if default not in data["roles"]:
        problems.append(f"default_role {default!r} is not one of the roles ({', '.join(map(str, data['roles']))})")
    rules = [r for i, spec in enumerate(data.get("rules") or []) if (r := _rule(i, spec, data["roles"], problems))]
    if problems:
        raise ProfileError(f"The role template '{source}' has problems: " + "; ".join(problems) + ".")
    return RoleTemplate(roles, default, rules, source)


def _letters(where: str, spec: Any, actions: tuple[str, ...], problems: list[str]) -> dict[str, str]:
    if not isinstance(spec, dict):
        problems.append(f"{where} must be a mapping of {', '.join(actions)} to A/G/M/D")
        return {}
    out = {}
    for action in actions:
        value = str(spec.get(action, "D")).strip().upper()
        allowed = ALL_OR_NOTHING if action == "add" or where.endswith("stage rights") else LETTERS
        if value not in allowed:
            problems.append(f"{where}.{action} is {spec.get(action)!r}; AmoCRM takes {'/'.join(allowed)} there")
        out[action] = value
    unknown = sorted(set(map(str, spec)) - set(actions))
    if unknown:
        problems.append(f"{where} has unknown keys {', '.join(unknown)} (expected {', '.join(actions)})")
    return out


def _role(name: str, spec: Any, problems: list[str]) -> Role | None:
    if not isinstance(spec, dict):
        problems.append(f"role {name!r} must be a mapping")
        return None
    rights = {e: _letters(f"{name}.{e}", spec.get(e, {}), ENTITY_ACTIONS, problems) for e in ENTITIES}
    tasks = _letters(f"{name}.tasks", spec.get("tasks", {}), TASK_ACTIONS, problems)
    stages = []
    for i, st in enumerate(spec.get("stages") or []):
        if not isinstance(st, dict) or not st.get("stage"):
            problems.append(f"{name}.stages[{i}] needs pipeline, stage and rights")
            continue
        letters = _letters(f"{name}.stages[{i}] stage rights", st.get("rights", {}), STAGE_ACTIONS, problems)
        stages.append(StageRight(str(st.get("pipeline") or "").strip(), str(st["stage"]).strip(), letters))
    return Role(name, rights, tasks, bool(spec.get("mail_access")), bool(spec.get("catalog_access")), tuple(stages))


def _rule(i: int, spec: Any, roles: dict[str, Any], problems: list[str]) -> Rule | None:
    if not isinstance(spec, dict) or spec.get("role") not in roles:
        problems.append(f"rules[{i}] must name one of the roles ({', '.join(map(str, roles))}) under `role:`")
        return None
    patterns = {}
    for key in ("position", "department"):
        if spec.get(key):
            try:
                patterns[key] = re.compile(str(spec[key]), re.IGNORECASE)
            except re.error as e:
                problems.append(f"rules[{i}].{key} is not a valid regular expression: {e}")
                return None
    if not patterns:
        problems.append(f"rules[{i}] matches nothing: give `position:` or `department:`")
        return None
    return Rule(str(spec["role"]), patterns.get("position"), patterns.get("department"), bool(spec.get("admin")))
