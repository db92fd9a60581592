"""Profile: the mapping from a source file's headers to an account's exact import headers.

A profile is data a consultant writes once per source system and tweaks per customer (DESIGN.md,
"Mapping profile — contract"). It is validated with jsonschema and *every* problem is reported at once
with its path in one ProfileError. A `Profile` object is also editable from a notebook (`map`, `drop`,
`owners`) and saves back to YAML that loads equal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .issues import ProfileError
from .jsonschema_errors import collect_errors
from .paths import write_text_atomic
from .yamlsafe import load_yaml

#: no transform at all: the cell is written as it was read
RAW = "raw"


def transform_names() -> list[str]:
    """The transforms a profile may name: the registry's (migrate.quality.transforms) plus "raw"."""
    from ..quality.transforms import TRANSFORMS

    return sorted(TRANSFORMS) + [RAW]


@dataclass
class ColumnSpec:
    """How one source column is mapped. `transform` None = the target type's default."""

    field: str
    transform: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    owner: bool = False
    required: bool = False
    create: bool = False  # the setup plan creates a custom field for it (see migrate.plan)
    split_name: bool = False  # a full name also fills the entity's first/last name columns
    optional: bool = False  # a column the source system shows only on request: absent → info, not error

    def to_data(self) -> str | dict[str, Any]:
        data: dict[str, Any] = {"field": self.field}
        if self.transform:
            data["transform"] = self.transform
        if self.values:
            data["values"] = dict(self.values)
        if self.owner:
            data["owner"] = True
        for flag in ("required", "create", "split_name", "optional"):
            if getattr(self, flag):
                data[flag] = True
        return self.field if len(data) == 1 else data


@dataclass
class Profile:
    """A validated mapping profile. `columns[source] is None` means "dropped on purpose, no warning"."""

    entity: str
    columns: dict[str, ColumnSpec | None]
    owners: dict[str, str | int] = field(default_factory=dict)
    owner_default: str | int | None = None
    source: dict[str, Any] = field(default_factory=dict)
    name: str | None = None
    description: str | None = None
    path: Path | None = None
    duplicates: str | dict[str, str] | None = None
    key: str | None = None  # the column of each record's own source key (a manifest links by it)
    links: dict[str, Any] = field(default_factory=dict)  # column → entity or link spec (migrate.base.links)

    def link_columns(self) -> set[str]:
        """Columns the key and the links read (and a link's `entity_column`): known, so never 'unmapped'."""
        out = {self.key} if self.key else set()
        for column, spec in self.links.items():
            out.add(column)
            if isinstance(spec, dict) and spec.get("entity_column"):
                out.add(spec["entity_column"])
        return out

    # --- duplicates inside the file ----------------------------------------------------------------
    def duplicate_policies(self) -> dict[str, str]:
        """The duplicates policy (report | keep-first | merge) of each entity, from the `duplicates` key.

        A plain string is the policy of the file's own entity; a mapping names it per entity. keep-first
        and merge act on rows, so they apply only to the file's own entity: in a deals file a row is a
        deal, and its contact repeating in several rows is only reported. Raises ProfileError otherwise.
        """
        problems = duplicates_problems(self.entity, self.duplicates)
        if problems:
            raise ProfileError("Profile " + (self.name or "") + ": " + "; ".join(problems) + ".")
        value = self.duplicates
        if isinstance(value, str):
            value = {self.entity: value} if self.entity != "leads" else {}
        return {e: (value or {}).get(e, "report") for e in ("contacts", "companies")}

    # --- editing from code -------------------------------------------------------------------------
    def map(
        self,
        source: str,
        target: str,
        *,
        transform: str | None = None,
        owner: bool = False,
        values: dict[str, str] | None = None,
        required: bool = False,
    ) -> Profile:
        """Map `source` to the import header `target` (replacing any earlier mapping); returns self."""
        if transform is not None and transform not in transform_names():
            raise ProfileError(f"Unknown transform {transform!r}; known: {', '.join(transform_names())}.")
        self.columns[source] = ColumnSpec(target, transform, dict(values or {}), owner, required)
        return self

    def drop(self, source: str) -> Profile:
        """Mark `source` as dropped on purpose (no 'unmapped column' warning); returns self."""
        self.columns[source] = None
        return self

    def mapped(self) -> dict[str, ColumnSpec]:
        return {s: c for s, c in self.columns.items() if c is not None}

    # --- serialisation -----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"version": 1}
        if self.name:
            data["name"] = self.name
        if self.description:
            data["description"] = self.description
        data["entity"] = self.entity
        if self.key:
            data["key"] = self.key
        if self.links:
            data["links"] = {c: (dict(v) if isinstance(v, dict) else v) for c, v in self.links.items()}
        if self.source:
            data["source"] = dict(self.source)
        data["columns"] = {s: (c.to_data() if c else None) for s, c in self.columns.items()}
        if self.owners or self.owner_default is not None:
            owners: dict[str, Any] = {}
            if self.owners:
                owners["map"] = dict(self.owners)
            if self.owner_default is not None:
                owners["default"] = self.owner_default
            data["owners"] = owners
        if self.duplicates is not None:
            data["duplicates"] = self.duplicates if isinstance(self.duplicates, str) else dict(self.duplicates)
        return data

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=120)

    def save(self, path: str | Path) -> Path:
        """Write as YAML (or JSON for a .json path); the file loads back equal."""
        p = Path(path)
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=2) if p.suffix == ".json" else self.to_yaml()
        return write_text_atomic(p, text)

    def _repr_html_(self) -> str:
        """The mapping as a table (source → target, transform, flags, value map), then owners."""
        import html

        def cell(text: object) -> str:
            return f"<td>{html.escape(str(text))}</td>"

        lines = []
        for source, spec in self.columns.items():
            if spec is None:
                lines.append("<tr>" + cell(source) + cell("— dropped —") + cell("") * 3 + "</tr>")
                continue
            flags = ", ".join(f for f in ("owner", "required", "create", "split_name") if getattr(spec, f))
            values = "; ".join(f"{k} → {v}" for k, v in spec.values.items())
            lines.append("<tr>" + "".join(cell(x) for x in (source, spec.field, spec.transform or "default",
                                                            flags, values)) + "</tr>")  # fmt: skip
        owners = "; ".join(f"{k} → {v}" for k, v in self.owners.items())
        if self.owner_default is not None:
            owners += ("; " if owners else "") + f"default → {self.owner_default}"
        head = "".join(f"<th>{h}</th>" for h in ("source column", "target", "transform", "flags", "values"))
        title = html.escape(str(self.name or self.path or "profile"))
        return (
            f"<div><b>{title}</b> · entity {self.entity} · {len(self.mapped())} mapped, "
            f"{len(self.columns) - len(self.mapped())} dropped<table><tr>{head}</tr>{''.join(lines)}</table>"
            + (f"owners: {html.escape(owners)}" if owners else "") + "</div>"
        )

    def __repr__(self) -> str:
        mapped = len(self.mapped())
        dropped = len(self.columns) - mapped
        return f"<Profile {self.name or self.path or ''} entity={self.entity} mapped={mapped} dropped={dropped}>"


def builtin_profiles() -> dict[str, Path]:
    """Built-in profiles shipped in the package, by name (file stem)."""
    folder = resources.files("migrate").joinpath("profiles")
    out = {}
    for entry in folder.iterdir():
        if entry.name.endswith((".yaml", ".yml", ".json")):
            out[entry.name.rsplit(".", 1)[0]] = Path(str(entry))
    return dict(sorted(out.items()))


def profile_from_dict(data: Any, where: str = "profile") -> Profile:
    """Validate parsed profile data and build a Profile; raises one ProfileError listing every problem."""
    schema = json.loads(resources.files("migrate").joinpath("profile.schema.json").read_text(encoding="utf-8"))
    data = _text_keys(data)
    problems = collect_errors(data, schema) + _transform_problems(data)
    if not problems:
        problems = duplicates_problems(data["entity"], data.get("duplicates"))
    if problems:
        raise ProfileError(f"Profile {where} is invalid: " + "; ".join(problems) + ".")
    columns: dict[str, ColumnSpec | None] = {}
    for source, spec in data["columns"].items():
        if spec is None:
            columns[source] = None
        elif isinstance(spec, str):
            columns[source] = ColumnSpec(spec)
        else:
            columns[source] = ColumnSpec(
                spec["field"], spec.get("transform"), dict(spec.get("values", {})),
                spec.get("owner", False), spec.get("required", False), spec.get("create", False),
                spec.get("split_name", False), spec.get("optional", False),
            )  # fmt: skip
    owners = data.get("owners") or {}
    return Profile(
        entity=data["entity"],
        columns=columns,
        owners=dict(owners.get("map") or {}),
        owner_default=owners.get("default"),
        source=dict(data.get("source") or {}),
        name=data.get("name"),
        description=data.get("description"),
        duplicates=data.get("duplicates"),
        key=data.get("key"),
        links=dict(data.get("links") or {}),
    )


def _transform_problems(data: dict[str, Any]) -> list[str]:
    """Transform names are checked against the registry, so a new transform needs no schema edit."""
    known = transform_names()
    columns = data.get("columns") if isinstance(data, dict) else None
    if not isinstance(columns, dict):
        return []
    return [
        f"columns/{source}/transform: {spec['transform']!r} is not one of {known}"
        for source, spec in columns.items()
        if isinstance(spec, dict) and "transform" in spec and spec["transform"] not in known
    ]


def duplicates_problems(entity: str, value: str | dict[str, str] | None) -> list[str]:
    """What is wrong with a `duplicates` setting beyond its shape: keep-first or merge for an entity whose
    rows are not the file's rows (a leads file's contacts and companies, a contacts file's companies)."""
    if value is None:
        return []
    given = {entity: value} if isinstance(value, str) else dict(value)
    problems = []
    for target, policy in given.items():
        if policy == "report" or (target == entity and entity != "leads"):
            continue
        path = "duplicates" if isinstance(value, str) else f"duplicates/{target}"
        if target == entity:  # a leads file: a row is a deal, and deals have no duplicate key
            why = "a row of a leads file is a deal, and its contact or company repeating in other rows is normal"
        else:
            why = f"a row of a {entity} file is one of the {entity}, and its {target} repeating in other rows is normal"
        problems.append(f"{path}: {policy!r} acts on rows, and {why}; only 'report' is possible here")
    return problems


def _text_keys(data: Any) -> Any:
    """YAML reads an unquoted header like `2024` or `1` as a number; headers and values are text."""
    if not isinstance(data, dict):
        return data
    data = dict(data)
    if isinstance(data.get("columns"), dict):
        data["columns"] = {str(k): _column_text_keys(v) for k, v in data["columns"].items()}
    if isinstance(data.get("links"), dict):
        data["links"] = {str(k): v for k, v in data["links"].items()}
    owners = data.get("owners")
    if isinstance(owners, dict) and isinstance(owners.get("map"), dict):
        data["owners"] = {**owners, "map": {str(k): v for k, v in owners["map"].items()}}
    return data


def _column_text_keys(spec: Any) -> Any:
    if isinstance(spec, dict) and isinstance(spec.get("values"), dict):
        return {
            **spec,
            "values": {str(k): (str(v) if isinstance(v, int | float) else v) for k, v in spec["values"].items()},
        }
    return spec


def load_profile(path_or_name: str | Path) -> Profile:
    """Load a profile from a YAML/JSON file, or a built-in one by name (`bitrix24-deals`, `customers`).

    Raises ProfileError naming the file: missing, unparsable (with line and column), or invalid (every
    problem with its path).
    """
    p = Path(path_or_name)
    if not p.exists():
        builtin = builtin_profiles().get(str(path_or_name))
        if builtin is None:
            known = ", ".join(builtin_profiles()) or "none"
            raise ProfileError(
                f"Profile {str(path_or_name)!r} is neither a file nor a built-in profile (built-in: {known})."
            )
        p = builtin
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise ProfileError(f"Profile {p} cannot be read: {e}.") from None
    try:
        data = json.loads(text) if p.suffix == ".json" else load_yaml(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ProfileError(f"Profile {p} is not valid YAML{where}: {e.problem}.") from None
    except json.JSONDecodeError as e:
        raise ProfileError(f"Profile {p} is not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}.") from None
    profile = profile_from_dict(data, str(p))
    profile.path = p
    if profile.name is None:
        profile.name = p.stem
    return profile
