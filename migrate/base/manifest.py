"""The migration manifest: which source file and profile make each entity of a whole base.

```yaml
version: 1
name: Bitrix24 → AmoCRM
sources:                      # any order; a run goes companies → contacts → leads → comments → tasks
  companies: {file: COMPANY.csv, profile: bitrix24-companies}
  contacts:  {file: CONTACT.csv, profile: bitrix24-contacts}
  leads:     {file: DEAL.csv,    profile: bitrix24-deals}
  comments:  {file: comments.json, profile: bitrix24-comments}   # optional
  tasks:     {file: tasks.json,    profile: bitrix24-tasks}      # optional
source_id_field: "ID в Bitrix24"
owners:                       # optional: source users → AmoCRM users, for every file
  map: {"1": anna@example.ru}
```

Files and profile files are relative to the manifest's folder; a profile may also be a built-in name.
`load_manifest` reports every problem at once (shape, missing files, a profile of the wrong entity) in one
ProfileError, like a profile.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..core.issues import MigrateError, ProfileError
from ..core.jsonschema_errors import collect_errors
from ..core.profile import Profile, load_profile
from ..core.yamlsafe import load_yaml
from .links import ENTITY_ORDER


@dataclass(frozen=True)
class SourceSpec:
    """One entity's source: the file (absolute, resolved against the manifest) and the profile reference."""

    entity: str
    file: Path
    profile: str
    sheet: str | None = None


@dataclass
class Manifest:
    """A loaded, validated manifest; `sources` are in run order (companies → … → tasks)."""

    path: Path
    sources: dict[str, SourceSpec]
    source_id_field: str | None = None
    name: str | None = None
    schema: Path | None = None
    profiles: dict[str, Profile] = field(default_factory=dict, repr=False)

    @property
    def folder(self) -> Path:
        return self.path.parent

    def files(self) -> list[Path]:
        """Every file the run reads (sources, profile files, schema): a run never writes over one."""
        out = [s.file for s in self.sources.values()]
        out += [p.path for p in self.profiles.values() if p.path is not None]
        return out + ([self.schema] if self.schema else [])

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"version": 1}
        if self.name:
            data["name"] = self.name
        data["sources"] = {}
        for entity, spec in self.sources.items():
            item = {"file": _relative(spec.file, self.folder), "profile": spec.profile}
            if spec.sheet:
                item["sheet"] = spec.sheet
            data["sources"][entity] = item
        if self.source_id_field:
            data["source_id_field"] = self.source_id_field
        if self.schema:
            data["schema"] = _relative(self.schema, self.folder)
        return data

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False, width=120)


def _relative(path: Path, folder: Path) -> str:
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return str(path)


def is_manifest(path: str | Path) -> bool:
    """True when `path` is a YAML/JSON file whose top level has `sources:` — a manifest, not a source.

    Cheap and safe on any file: only .yaml/.yml/.json files are opened, and only their text is parsed.
    """
    p = Path(path)
    if p.suffix.lower() not in (".yaml", ".yml", ".json") or not p.is_file():
        return False
    try:
        data = _parse(p)
    except MigrateError:
        return p.suffix.lower() != ".json"  # a broken YAML named like a manifest: let load_manifest explain
    return isinstance(data, dict) and "sources" in data


def _parse(p: Path) -> Any:
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise ProfileError(f"Manifest {p} cannot be read: {e}.") from None
    try:
        return json.loads(text) if p.suffix.lower() == ".json" else load_yaml(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ProfileError(f"Manifest {p} is not valid YAML{where}: {e.problem}.") from None
    except (yaml.YAMLError, json.JSONDecodeError) as e:
        raise ProfileError(f"Manifest {p} cannot be parsed: {e}.") from None


def _schema() -> dict[str, Any]:
    text = resources.files("migrate").joinpath("data", "manifest.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def _merge_owners(profile: Profile, owners: dict[str, Any]) -> None:
    """The manifest's owners map serves every file (one source system, one set of users); the profile's own
    entries win, and its own default too."""
    merged = {str(k): v for k, v in (owners.get("map") or {}).items()}
    profile.owners = {**merged, **profile.owners}
    if profile.owner_default is None:
        profile.owner_default = owners.get("default")


def load_manifest(path: str | Path) -> Manifest:
    """Load and check a manifest: its shape, that every file exists, that every profile loads and maps
    the entity it stands for. Raises one ProfileError listing every problem."""
    p = Path(path)
    if not p.is_file():
        raise ProfileError(f"Manifest {p} does not exist.")
    data = _parse(p)
    problems = collect_errors(data, _schema())
    if problems:
        raise ProfileError(f"Manifest {p} is invalid: " + "; ".join(problems) + ".")
    folder = p.parent
    sources: dict[str, SourceSpec] = {}
    profiles: dict[str, Profile] = {}
    for entity in ENTITY_ORDER:
        item = data["sources"].get(entity)
        if item is None:
            continue
        spec = SourceSpec(entity, folder / item["file"], item["profile"], item.get("sheet"))
        sources[entity] = spec
        if not spec.file.is_file():
            problems.append(f"sources/{entity}/file: {spec.file} does not exist")
        try:
            local = folder / spec.profile
            profile = load_profile(local if local.is_file() else spec.profile)
        except ProfileError as e:
            problems.append(f"sources/{entity}/profile: {e}")
            continue
        if profile.entity != entity:
            problems.append(f"sources/{entity}/profile: {spec.profile!r} maps {profile.entity}, not {entity}")
        _merge_owners(profile, data.get("owners") or {})
        profiles[entity] = profile
    if not any(e in sources for e in ("companies", "contacts", "leads")):
        problems.append("sources: name at least one of companies, contacts, leads (comments and tasks attach to them)")
    schema = folder / data["schema"] if data.get("schema") else None
    if schema is not None and not schema.is_file():
        problems.append(f"schema: {schema} does not exist")
    if problems:
        raise ProfileError(f"Manifest {p} is invalid: " + "; ".join(problems) + ".")
    return Manifest(p, sources, data.get("source_id_field"), data.get("name"), schema, profiles)
