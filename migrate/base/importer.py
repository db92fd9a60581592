"""A whole base for AmoCRM's file importer: one import frame per entity, names written identically.

The importer links a deal to a contact and a company only by their names in the same row, so every
reference is written with the referenced record's own name: a contact's company column holds the name the
companies file gives that company; a deal's contact and company columns hold the names of the records its
IDs link to (a REST dump of deals carries IDs only). Files go in the importer's order: companies, then
contacts, then leads.

Comments fit into the record's note column («Примечание к сделке/контакту/компании»): appended after the
record's own note, each as "author · date" and its text, while the cell stays within what a cell holds.
What the importer cannot take is listed as `Leftover`s with the advice to use `upload`: every task, a
comment that no longer fits its cell, and a comment on a record the importer only creates from another
file's row (a company known by name only).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..core.limits import MAX_CELL
from ..core.schema import Target
from .graph import Base, Record
from .links import RECORD_ENTITIES

_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Leftover:
    """Something of the base the import files cannot carry, and why."""

    kind: str  # comment | task
    key: str
    file: str
    row: int
    reason: str


Targets = dict[str, dict[str, Target]]  # layout → header → Target


def _header(frame_targets: dict[str, Target], entity: str, role: str) -> str | None:
    return next((h for h, t in frame_targets.items() if t.entity == entity and t.role == role), None)


def import_frames(base: Base, schema_targets: Targets) -> tuple[dict[str, pd.DataFrame], list[Leftover]]:
    """entity → the import frame (rows without errors, in source order; names of linked records written in
    the reference columns; comments in the note column) and the leftovers for `upload`."""
    frames: dict[str, pd.DataFrame] = {}
    for entity in RECORD_ENTITIES:
        if entity not in base.parts:
            continue
        mapped, report, _ = base.parts[entity]
        rejected = set(report.rejected_rows) | set(report.merged_rows)
        frame = mapped.frame.drop(index=[r for r in mapped.frame.index if r in rejected]).copy()
        own = {r.row: r for r in base.ordered(entity) if r.file == entity}
        for target in RECORD_ENTITIES:
            if target == entity:
                continue
            header = _header(schema_targets[entity], target, "name")
            if header is None:
                continue
            names = {row: _linked_name(base, rec, target) for row, rec in own.items()}
            given = {row: name for row, name in names.items() if name is not None and row in frame.index}
            if given:
                if header not in frame.columns:
                    frame[header] = ""
                frame.loc[list(given), header] = list(given.values())
        frames[entity] = frame
    leftovers = _comments_into_notes(base, frames, schema_targets)
    leftovers += [Leftover("task", a.key, "tasks", a.row, "the importer takes no tasks")
                  for a in base.attachments.get("tasks", [])]  # fmt: skip
    return frames, leftovers


def _linked_name(base: Base, record: Record, target: str) -> str | None:
    keys = record.links.get(target, [])
    if not keys:
        return None
    linked = base.record(target, keys[0])
    return linked.name if linked is not None and linked.name else None


def _comments_into_notes(base: Base, frames: dict[str, pd.DataFrame], targets: Targets) -> list[Leftover]:
    if "comments" not in base.parts:
        return []
    mapped, _, profile = base.parts["comments"]
    roles = {t.role: h for h, t in mapped.targets.items()}
    leftovers = []
    for att in base.attachments.get("comments", []):
        entity, key = att.target
        record = base.record(entity, key)
        note = _header(targets[entity], entity, "note")
        if record is None or record.file != entity or note is None or entity not in frames:
            why = f"its {entity} record is made by the importer from another file's row"
            leftovers.append(Leftover("comment", att.key, "comments", att.row, why))
            continue
        frame = frames[entity]
        if record.row not in frame.index:
            continue
        text = _comment_text(mapped.frame, att.row, roles, profile.owners)
        if note not in frame.columns:
            frame[note] = ""
        current = str(frame.at[record.row, note] or "")
        joined = f"{current}{_SEPARATOR}{text}" if current else text
        if len(joined) > MAX_CELL:
            why = f"the note cell of {entity} {key} would pass {MAX_CELL} characters"
            leftovers.append(Leftover("comment", att.key, "comments", att.row, why))
            continue
        frame.at[record.row, note] = joined
    return leftovers


def _comment_text(frame: pd.DataFrame, row: int, roles: dict[str, str], owners: dict[str, str | int]) -> str:
    """"author · date" and the text; the author through the owners map (a Bitrix24 user ID → the name)."""

    def value(role: str) -> str:
        h = roles.get(role)
        return str(frame.at[row, h]).strip() if h and h in frame.columns else ""

    author = value("author")
    head = " · ".join(p for p in (str(owners.get(author, author)), value("created_at")) if p)
    return f"{head}\n{value('text')}" if head else value("text")
