"""A profile's `key` and `links`, read from the cells: which record a row is, and which records it names.

Link shapes (profile.schema.json, `links`):

- `COMPANY_ID: companies` — the cell holds one key, or several (`CONTACT_IDS` "12, 15" or a JSON list);
- `{entity: companies, by: name}` — the cell holds the record's *name* (UI exports carry no IDs), matched
  folded: a person's name word order ignored, case, ё and Latin look-alikes folded;
- `{prefixes: {D: leads, C: contacts, CO: companies}, separator: "_"}` — typed keys, Bitrix24's
  `UF_CRM_TASK` ["D_12", "C_5"];
- `{entity_column: ENTITY_TYPE, types: {deal: leads, contact: contacts}}` — another column names the entity
  (a comment's ENTITY_TYPE beside its ENTITY_ID); values compared case-insensitively.

Everything is decided once per distinct cell text, then broadcast, so a 20,000-row file costs 20,000 dict
lookups, not 20,000 parses.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from ..core.profile import Profile
from ..quality.fuzzy import name_key, normalise

#: the order a run takes the entities in: what a record links to exists before it
ENTITY_ORDER = ("companies", "contacts", "leads", "comments", "tasks")
#: entities that are records of the account (comments and tasks attach to them)
RECORD_ENTITIES = ("companies", "contacts", "leads")
_SPLIT = re.compile(r"[,;\s]+")
#: Bitrix24 writes COMPANY_ID "0" for "no company"; no CRM gives a record the key 0 ("007" stays a key)
NO_KEY = "0"


@dataclass(frozen=True)
class LinkSpec:
    """One link column of a profile, normalised from its shorthand or object form."""

    column: str
    entity: str | None = None
    by: str = "key"
    prefixes: dict[str, str] = field(default_factory=dict)
    separator: str = "_"
    entity_column: str | None = None
    types: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        if self.by == "name":
            return f"{self.entity} name"
        if self.entity:
            return f"{self.entity} key"
        return "typed key"


@dataclass(frozen=True)
class Ref:
    """One record a cell names: its entity and its key (a source key, or `name:<folded>` by name)."""

    entity: str
    key: str
    column: str
    value: str  # the part of the cell that named it, for messages
    by: str = "key"


def link_specs(profile: Profile) -> list[LinkSpec]:
    """The profile's links as LinkSpecs, in the profile's order."""
    out = []
    for column, spec in profile.links.items():
        if isinstance(spec, str):
            out.append(LinkSpec(column, entity=spec))
            continue
        out.append(
            LinkSpec(
                column, entity=spec.get("entity"), by=spec.get("by", "key"),
                prefixes={k.casefold(): v for k, v in (spec.get("prefixes") or {}).items()},
                separator=spec.get("separator", "_"), entity_column=spec.get("entity_column"),
                types={k.casefold(): v for k, v in (spec.get("types") or {}).items()},
            )
        )  # fmt: skip
    return out


def name_fold(entity: str, name: str) -> str:
    """The key a record is found by its name: people's names word-order free, company and deal names folded."""
    folded = name_key(name) if entity == "contacts" else normalise(name)
    return f"name:{folded}" if folded else ""


def split_keys(cell: str) -> list[str]:
    """A cell's keys: "12", "12, 15", '["D_12","C_5"]' (a JSON list), blanks dropped, order kept."""
    text = cell.strip()
    if not text:
        return []
    if text.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, list):
            return [str(v).strip() for v in data if v is not None and str(v).strip() not in ("", NO_KEY)]
        text = text.strip("[]")
    parts = [p.strip().strip("'\"") for p in _SPLIT.split(text)]
    return [p for p in parts if p and p != NO_KEY]


@dataclass(frozen=True)
class Unknown:
    """A part of a link cell whose entity cannot be told (an unknown prefix or ENTITY_TYPE value)."""

    column: str
    value: str
    known: str


def read_link(spec: LinkSpec, cell: str, type_cell: str = "") -> tuple[list[Ref], list[Unknown]]:
    """The records one cell names, and the parts whose entity is unknown."""
    if spec.by == "name":
        name = cell.strip()
        key = name_fold(spec.entity or "", name) if name else ""
        return ([Ref(spec.entity or "", key, spec.column, name, "name")] if key else []), []
    keys = split_keys(cell)
    if spec.entity:
        return [Ref(spec.entity, k, spec.column, k) for k in keys], []
    if spec.entity_column:
        entity = spec.types.get(type_cell.strip().casefold())
        if entity is None:
            if not keys:
                return [], []
            return [], [Unknown(spec.column, f"{type_cell}:{cell}".strip(":"), ", ".join(spec.types))]
        return [Ref(entity, k, spec.column, k) for k in keys], []
    refs, unknown = [], []
    for part in keys:
        prefix, sep, key = part.partition(spec.separator)
        entity = spec.prefixes.get(prefix.strip().casefold()) if sep else None
        if entity is None or not key.strip():
            unknown.append(Unknown(spec.column, part, ", ".join(spec.prefixes)))
        else:
            refs.append(Ref(entity, key.strip(), spec.column, part))
    return refs, unknown


def column_links(
    spec: LinkSpec, cells: list[str], types: list[str] | None = None
) -> list[tuple[list[Ref], list[Unknown]]]:
    """`read_link` over a whole column, decided once per distinct (cell, type) pair."""
    pairs = list(zip(cells, types or [""] * len(cells), strict=True))
    memo = {pair: read_link(spec, *pair) for pair in dict.fromkeys(pairs)}
    return [memo[pair] for pair in pairs]

