"""AccountSchema: what the target account accepts — users, pipelines, custom fields, import headers.

Two kinds of data describe the target, both data and not code (DESIGN.md, "Account schema"):
the *layouts* (`data/layouts.json`, the importer's standard headers, the same for every account) and the
*account schema* (JSON validated by `data/account.schema.json`: what differs per account). An account
schema may override a whole layout under its own `layouts` key, because several header texts are
unconfirmed and users must be able to correct them without touching code.

A caller may rely on: `targets(entity)` returning every header a profile may map to for that import
layout, each with its meaning (`Target`); loading reporting *all* problems at once in one `SchemaError`.

Two custom fields of one entity may share a name (AmoCRM allows it; real accounts have them). Their header
is then *ambiguous*: it is not a target (`ambiguous(layout)` lists it with the fields' ids), and each field
is a target under its name followed by ` (id <id>)` (`Produto Adquirido (id 1883523)`; in the combined
layout before the entity suffix: `CPF (id 77) (контакт)`), which a profile names to say which one it means
— the shape `schema pull` gives a field it renames. The upload sends that field id; the import file can only
carry the name (core/field_ids.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from .issues import SchemaError
from .jsonschema_errors import collect_errors
from .paths import write_text_atomic

ENTITIES = ("leads", "contacts", "companies")
SYSTEM_STATUSES = (142, 143)

#: AmoCRM field types → the transform applied when a profile names none
_DEFAULT_TRANSFORM = {
    "price": "number", "numeric": "number", "monetary": "number",
    "date": "date", "birthday": "date", "date_time": "datetime", "datetime": "datetime",
    "phone": "phone", "email": "email", "checkbox": "checkbox", "url": "url",
}  # fmt: skip
_LIST_TYPES = ("select", "multiselect", "radiobutton")


@dataclass(frozen=True)
class User:
    id: int
    name: str
    email: str | None = None
    active: bool = True


@dataclass(frozen=True)
class Status:
    id: int
    name: str
    type: int = 0


@dataclass(frozen=True)
class Pipeline:
    id: int
    name: str
    statuses: tuple[Status, ...]
    is_main: bool = False

    def status_names(self) -> list[str]:
        return [s.name for s in self.statuses]


@dataclass(frozen=True)
class Target:
    """One header a profile may map to, and what it means for the importer and the API.

    `role`: name, price, responsible_user, created_by, created_at, closed_at, tags, note, status,
    pipeline, first_name, last_name, field (a predefined field by `code`) or custom (a custom field).
    `type`: the value kind that decides the default transform and the checks (text, price, numeric,
    user, date, datetime, phone, email, url, select, multiselect, status, pipeline, tags, textarea, ...).
    """

    header: str
    entity: str
    role: str
    type: str
    code: str | None = None
    enum: str | None = None
    field_id: int | None = None
    options: tuple[str, ...] = ()
    required_statuses: tuple[tuple[int, int], ...] = ()

    @property
    def default_transform(self) -> str:
        return _DEFAULT_TRANSFORM.get(self.type, "text")

    @property
    def is_list(self) -> bool:
        return self.type in _LIST_TYPES

    @property
    def integer(self) -> bool:
        """The importer takes whole numbers only for numeric fields and the budget (amocrm.md §1.2)."""
        return self.type in ("price", "numeric", "monetary")


@dataclass
class AccountSchema:
    """A loaded, validated account schema. Build with `load_schema()`; `raw` is the JSON as given."""

    raw: dict[str, Any]
    layouts: dict[str, dict[str, Any]]
    suffixes: dict[str, dict[str, str]]
    source: str = "default"
    users: list[User] = field(init=False)
    pipelines: list[Pipeline] = field(init=False)

    def __post_init__(self) -> None:
        self.users = [
            User(u["id"], u["name"], u.get("email"), u.get("active", True)) for u in self.raw.get("users", [])
        ]
        self.pipelines = [
            Pipeline(
                p["id"],
                p["name"],
                tuple(Status(s["id"], s["name"], s.get("type", 0)) for s in p["statuses"]),
                p.get("is_main", False),
            )
            for p in self.raw["pipelines"]
        ]

    @property
    def country(self) -> str:
        return (self.raw.get("account") or {}).get("country") or "RU"

    @property
    def main_pipeline(self) -> Pipeline:
        return next((p for p in self.pipelines if p.is_main), self.pipelines[0])

    def fields(self, entity: str) -> list[dict[str, Any]]:
        return list(self.raw["fields"].get(entity, []))

    def targets(self, layout: str) -> dict[str, Target]:
        """Every header of the `layout` import (leads | contacts | companies): standard + custom fields."""
        return self._targets[layout]

    @cached_property
    def _targets(self) -> dict[str, dict[str, Target]]:
        return {layout: self._build_targets(layout) for layout in self.layouts}

    def _build_targets(self, layout: str) -> dict[str, Target]:
        spec = self.layouts[layout]
        out: dict[str, Target] = {}
        coded: set[tuple[str, str]] = set()
        for h in spec["headers"]:
            entity, code = h["entity"], h.get("code")
            fdef = self._field_by_code(entity, code) if code else None
            out[h["header"]] = Target(
                h["header"], entity, h["role"], h["type"], code, h.get("enum"), fdef.get("id") if fdef else None
            )
            if code:
                coded.add((entity, code))
        for entity, suffix in self.suffixes.get(layout, {}).items():
            shared = self._shared_names(entity)
            for f in self.fields(entity):
                if f.get("code") and (entity, f["code"]) in coded:
                    continue  # a predefined field already has its standard headers (PHONE → Рабочий телефон ...)
                header = f["name"] + (f" (id {f.get('id')})" if f["name"] in shared else "") + suffix
                out.setdefault(header, _custom_target(header, entity, f))
        return out

    def _shared_names(self, entity: str) -> set[str]:
        names = [f["name"] for f in self.fields(entity) if not f.get("code")]
        return {n for n in names if names.count(n) > 1}

    def ambiguous(self, layout: str) -> dict[str, tuple[tuple[int, str], ...]]:
        """Headers of `layout` that several custom fields share → (id, header naming it by id) of each."""
        out: dict[str, tuple[tuple[int, str], ...]] = {}
        for entity, suffix in self.suffixes.get(layout, {}).items():
            for name in sorted(self._shared_names(entity)):
                out[name + suffix] = tuple((f["id"], f"{name} (id {f['id']}){suffix}") for f in self.fields(entity)
                                           if f["name"] == name and not f.get("code"))  # fmt: skip
        return out



    def _field_by_code(self, entity: str, code: str) -> dict[str, Any] | None:
        return next((f for f in self.fields(entity) if f.get("code") == code), None)

    def to_json(self) -> str:
        return json.dumps(self.raw, ensure_ascii=False, indent=2)

    def save(self, path: str | Path) -> None:
        write_text_atomic(path, self.to_json() + "\n")

    def __repr__(self) -> str:
        return (
            f"<AccountSchema {self.source}: {len(self.users)} users, {len(self.pipelines)} pipelines, "
            + ", ".join(f"{len(self.fields(e))} {e} fields" for e in ENTITIES)
            + ">"
        )


def _custom_target(header: str, entity: str, f: dict[str, Any]) -> Target:
    required = tuple((r["pipeline_id"], r["status_id"]) for r in (f.get("required_statuses") or []))
    options = tuple(e["value"] for e in (f.get("enums") or []))
    return Target(header, entity, "custom", f["type"], f.get("code"), None, f.get("id"), options, required)


def _package_json(name: str) -> Any:
    return json.loads(resources.files("migrate").joinpath("data", name).read_text(encoding="utf-8"))


def validate_schema_data(data: Any, where: str) -> None:
    """Raise one SchemaError listing every structural and consistency problem of an account schema."""
    problems = collect_errors(data, _package_json("account.schema.json"))
    if not problems:
        problems = _consistency_problems(data)
    if problems:
        raise SchemaError(f"Account schema {where} is invalid: " + "; ".join(problems) + ".")


def _consistency_problems(data: dict[str, Any]) -> list[str]:
    problems = []
    ids = [u["id"] for u in data.get("users", [])]
    if len(ids) != len(set(ids)):
        problems.append("users: two users share an id")
    for i, p in enumerate(data["pipelines"]):
        names = [s["name"] for s in p["statuses"]]
        if len(names) != len(set(names)):
            problems.append(f"pipelines/{i} ({p['name']!r}): two statuses share a name")
    stages = {(p["id"], st["id"]) for p in data["pipelines"] for st in p["statuses"]}
    for entity, fields in data["fields"].items():
        for f in fields:
            for r in f.get("required_statuses") or []:
                if (r["pipeline_id"], r["status_id"]) not in stages:
                    problems.append(
                        f"fields/{entity}/{f['name']}: required at pipeline {r['pipeline_id']} status "
                        f"{r['status_id']}, which the schema's pipelines do not have"
                    )
        shared = [f for f in fields if [g["name"] for g in fields].count(f["name"]) > 1 and not f.get("id")]
        if shared:
            problems.append(f"fields/{entity}: {shared[0]['name']!r} names several fields, so each needs its id")
    return problems


def load_schema(path: str | Path | None = None) -> AccountSchema:
    """Load and validate an account schema; None → the bundled default (a fresh Russian-locale account).

    Raises SchemaError (file, JSON syntax with line/column, or every schema violation with its path).
    """
    if path is None:
        data, where = _package_json("default_account.json"), "default"
    else:
        p = Path(path)
        where = str(p)
        try:
            data = json.loads(p.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise SchemaError(f"Account schema {where} does not exist.") from None
        except json.JSONDecodeError as e:
            raise SchemaError(
                f"Account schema {where} is not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}."
            ) from None
        except (OSError, UnicodeDecodeError) as e:
            raise SchemaError(f"Account schema {where} cannot be read: {e}.") from None
    return schema_from_data(data, where)


def schema_from_data(data: dict[str, Any], source: str) -> AccountSchema:
    """Validate account-schema data (a file's, or one just pulled from the API) and attach the layouts:
    the bundled ones, overridden by the data's own `layouts` key. Raises SchemaError."""
    validate_schema_data(data, source)
    layouts_doc = _package_json("layouts.json")
    layouts = {**layouts_doc["layouts"], **data.get("layouts", {})}
    return AccountSchema(data, layouts, layouts_doc["custom_suffix"], source=source)
