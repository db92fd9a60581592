"""The upload of a whole base: companies → contacts (linked) → leads (linked) → notes → open tasks.

Journalled per (entity, source key) in the journal's `entity_keys` table: a record whose key is recorded is
never sent again, and a lead finds its contacts' and company's AmoCRM ids there. Every batch follows the
journal protocol (begin pending → send → finish with the keys, atomically). When an answer is lost (5xx,
timeout, dropped connection), or a run died between send and record (a pending batch), or the journal is
new for an entity, the account is *looked up* instead of written blindly: records through the manifest's
`source_id_field`, notes by their record and exact text, tasks by record, text and deadline. So a re-run
creates nothing, new rows in the exports create exactly the new records, and a fresh journal links to what
an earlier run created.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ...base.graph import Base
from ...core.issues import AmoApiError, MigrateError
from ...core.schema import AccountSchema
from ..client import AmoClient, ValidationFailed, WriteOutcomeUnknown
from .base_items import BaseItems, Item, missing_source_field
from .journal import Journal, KeyRecord
from .payload import RowProblem

RECORDS = ("companies", "contacts", "leads")
BATCH = 50


@dataclass
class BaseUploadOptions:
    closed_tasks: bool = False
    batch_size: int = BATCH
    recovery_wait: float = 1.0
    max_unknown: int = 8


@dataclass
class Refused:
    entity: str
    key: str
    file: str
    row: int
    column: str | None
    reason: str


@dataclass
class BaseUploadResult:
    """What the run did: per entity, records created now, found existing (journal or account), refused."""

    created: dict[str, int] = field(default_factory=dict)
    existing: dict[str, int] = field(default_factory=dict)
    refused: list[Refused] = field(default_factory=list)
    skipped_closed_tasks: int = 0
    stats: dict[str, Any] = field(default_factory=dict)
    run_tag: str = ""

    @property
    def ok(self) -> bool:
        return not self.refused

    def lines(self) -> list[str]:
        out = []
        for entity in sorted(set(self.created) | set(self.existing), key=_order):
            refused = sum(1 for r in self.refused if r.entity == entity)
            out.append(f"{entity}: created {self.created.get(entity, 0)} + already there "
                       f"{self.existing.get(entity, 0)} + refused {refused}")  # fmt: skip
        if self.skipped_closed_tasks:
            out.append(f"closed tasks skipped: {self.skipped_closed_tasks} (--closed-tasks sends them)")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"created": self.created, "existing": self.existing, "skipped_closed_tasks": self.skipped_closed_tasks,
                "refused": [r.__dict__ for r in self.refused], "stats": self.stats,
                "run_tag": self.run_tag}  # fmt: skip


def _order(entity: str) -> int:
    order = ["companies", "contacts", "leads", "notes:companies", "notes:contacts", "notes:leads", "tasks"]
    return order.index(entity) if entity in order else len(order)


def payload_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


class BaseUploader:
    """One upload run of a Base. `client` is paced and retrying (AmoClient); the journal is open."""

    def __init__(self, base: Base, schema: AccountSchema, client: AmoClient, journal: Journal,
                 source_id_field: str | None, run_tag: str, options: BaseUploadOptions | None = None,
                 warn: Callable[[str], None] | None = None) -> None:  # fmt: skip
        self.base, self.client, self.journal = base, client, journal
        self.items = BaseItems(base, schema, source_id_field)
        self.source_id_field = source_id_field
        self.run_tag, self.options = run_tag, options or BaseUploadOptions()
        self.warn = warn or (lambda m: None)
        self.result = BaseUploadResult(run_tag=run_tag)
        self.looked_up: set[str] = set()
        self.recovered = 0
        wanted = [e for e in RECORDS if base.records.get(e)]
        missing = missing_source_field(schema, source_id_field, wanted)
        if missing:
            raise MigrateError(
                f"The account has no custom field {source_id_field!r} for {', '.join(missing)}: run "
                "`amomigrate plan MANIFEST --apply` first (it creates it), then upload with the re-pulled schema."
            )

    def run(self) -> BaseUploadResult:
        started = time.monotonic()
        for entity in self._pending_entities():
            self._lookup(entity)  # a run died between send and record: what did AmoCRM create?
        for entity in RECORDS:
            records = self.base.ordered(entity)
            self._phase(entity, lambda rec, ids: self.items.record(rec, ids, [self.run_tag]), records)
        for entity in RECORDS:
            self._record_notes(entity)
        self._attachments("comments")
        self._attachments("tasks")
        stats = self.client.stats
        self.result.stats = {"requests": stats.requests, "retries": stats.retries, "throttled": stats.throttled,
                             "recovered_batches": self.recovered, "seconds": round(time.monotonic() - started, 2),
                             "rate_limit": self.client.pacer.rate}  # fmt: skip
        return self.result

    # --- phases ---------------------------------------------------------------------------------------------------
    def _ids(self) -> dict[str, dict[str, int]]:
        return {e: self.journal.key_ids(e) for e in RECORDS}

    def _phase(self, entity: str, build: Callable[[Any, dict[str, dict[str, int]]], Item], sources: list[Any]) -> None:
        """Send every source not yet journalled under `entity`, in batches; `build(source, ids)` → Item."""
        known = self.journal.key_ids(entity)
        if sources and not known and entity not in self.looked_up:
            self._lookup(entity)  # a fresh journal: the account may hold an earlier run's records
            known = self.journal.key_ids(entity)
        keys = [_key(s) for s in sources]
        todo = [s for s, k in zip(sources, keys, strict=True) if k not in known]
        self._count(entity, existing=len(sources) - len(todo))
        ids = self._ids()
        built: list[Item] = []
        for source in todo:
            try:
                built.append(build(source, ids))
            except RowProblem as p:
                self._refuse(entity, source, p.header, p.message)
        for i in range(0, len(built), self.options.batch_size):
            self._send(entity, built[i : i + self.options.batch_size])

    def _record_notes(self, entity: str) -> None:
        ids = self.journal.key_ids(entity)
        notes = []
        for record in self.base.ordered(entity):
            if record.key in ids:
                item = self.items.record_note(record, ids[record.key])
                if item is not None:
                    notes.append(item)
        self._phase(f"notes:{entity}", lambda item, _ids: item, notes)

    def _attachments(self, kind: str) -> None:
        ids = self._ids()
        by_entity: dict[str, list[Item]] = {}
        for att in self.base.attachments.get(kind, []):
            target_entity, target_key = att.target
            entity_id = ids[target_entity].get(target_key)
            journal_entity = f"notes:{target_entity}" if kind == "comments" else "tasks"
            if entity_id is None:
                self._refuse(journal_entity, att, None, f"its {target_entity} record {target_key} was not created")
                continue
            try:
                if kind == "tasks" and not self.options.closed_tasks and self.items.task_closed(att):
                    self.result.skipped_closed_tasks += 1
                    continue
                item = self.items.comment(att, entity_id) if kind == "comments" else self.items.task(att, entity_id)
            except RowProblem as p:
                self._refuse(journal_entity, att, p.header, p.message)
                continue
            by_entity.setdefault(journal_entity, []).append(item)
        for entity, items in by_entity.items():
            self._phase(entity, lambda item, _ids: item, items)

    # --- one batch ------------------------------------------------------------------------------------------------
    def _send(self, entity: str, items: list[Item]) -> None:
        unknown = 0
        while items:
            seq = self.journal.next_seq()
            payload = [it.json for it in items]
            self.journal.begin(f"base:{entity}", [it.row for it in items], payload_hash(payload), self.run_tag, seq)
            try:
                answer = self.client.post(_path(entity), payload)
            except ValidationFailed as e:
                refused = self._refusals(entity, e, items)
                self.journal.finish(seq)
                items = [it for it in items if it.json["request_id"] not in refused]
                continue
            except WriteOutcomeUnknown as e:
                unknown += 1
                if unknown > self.options.max_unknown:
                    raise AmoApiError(f"{e} This happened {unknown} times for the same records; giving up. "
                                      "Run the same command again later: it looks the batch up first.") from None
                time.sleep(self.options.recovery_wait * 2 ** (unknown - 1))
                found = self._find(entity, items)
                self.recovered += 1
            else:
                found = self._parse(entity, answer, items)
                silent = [it for it in items if it.key not in {k.key for k in found}]
                if silent:  # answered, but not about these: look them up, never resend blind
                    found += self._find(entity, silent)
            self.journal.finish(seq, keys=found)
            done = {k.key for k in found}
            self._count(entity, created=len(done))
            items = [it for it in items if it.key not in done]

    def _parse(self, entity: str, answer: Any, items: list[Item]) -> list[KeyRecord]:
        by_rid = {str(it.json["request_id"]): it for it in items}
        key = "notes" if entity.startswith("notes:") else entity
        made = ((answer or {}).get("_embedded") or {}).get(key) or []
        out = []
        for m in made:
            it = by_rid.get(str(m.get("request_id")))
            if it is not None and m.get("id"):
                out.append(KeyRecord(entity, it.key, int(m["id"]), it.row))
        return out

    def _refusals(self, entity: str, e: ValidationFailed, items: list[Item]) -> set[str]:
        if not e.errors:
            raise AmoApiError(f"AmoCRM refused a batch of {entity} without naming the records: {e}") from None
        refused = set()
        by_rid = {str(it.json["request_id"]): it for it in items}
        for rid, errors in e.errors.items():
            it = by_rid.get(str(rid)) or (items[int(rid)] if str(rid).isdigit() and int(rid) < len(items) else None)
            if it is None:
                continue
            refused.add(str(it.json["request_id"]))
            header = next((it.built.header_for(path) for _, path, _ in errors if it.built.header_for(path)), None)
            reason = "; ".join(f"{path}: {detail} ({code})" for code, path, detail in errors)
            self.result.refused.append(Refused(entity, it.key, it.file, it.row, header, reason))
        return refused

    def _refuse(self, entity: str, source: Any, column: str | None, reason: str) -> None:
        self.result.refused.append(Refused(entity, _key(source), _file(source), source.row, column, reason))

    def _count(self, entity: str, *, created: int = 0, existing: int = 0) -> None:
        self.result.created[entity] = self.result.created.get(entity, 0) + created
        self.result.existing[entity] = self.result.existing.get(entity, 0) + existing

    # --- looking the account up -------------------------------------------------------------------------------------
    def _pending_entities(self) -> list[str]:
        kinds = [b.kind for b in self.journal.pending() if b.kind.startswith("base:")]
        return list(dict.fromkeys(k.partition(":")[2] for k in kinds))

    def _lookup(self, entity: str) -> None:
        """Journal every record of `entity` the account already holds, then close pending batches."""
        self.looked_up.add(entity)
        wanted = self._wanted(entity)
        found = self._find(entity, wanted) if wanted else []
        self.journal.record_keys(found)
        for batch in self.journal.pending():
            if batch.kind == f"base:{entity}":
                self.journal.finish(batch.seq)
                self.recovered += 1

    def _wanted(self, entity: str) -> list[Item]:
        """Items as they would be sent now, to recognise them in the account (ids only where known)."""
        ids = self._ids()
        if entity in RECORDS:
            return [it for r in self.base.ordered(entity) if (it := _quiet(self.items.record, r, ids, [])) is not None]
        items: list[Item] = []
        if entity.startswith("notes:"):
            target = entity.partition(":")[2]
            for r in self.base.ordered(target):
                if r.key in ids[target] and (it := self.items.record_note(r, ids[target][r.key])) is not None:
                    items.append(it)
        for att in self.base.attachments.get("comments" if entity.startswith("notes:") else "tasks", []):
            target_id = ids[att.target[0]].get(att.target[1])
            if target_id is None or (entity.startswith("notes:") and entity != f"notes:{att.target[0]}"):
                continue
            try:
                items.append(self.items.comment(att, target_id) if entity.startswith("notes:")
                             else self.items.task(att, target_id))  # fmt: skip
            except RowProblem:
                continue
        return items

    def _find(self, entity: str, items: list[Item]) -> list[KeyRecord]:
        if entity in RECORDS:
            return self._find_records(entity, items)
        signature = _note_signature if entity.startswith("notes:") else _task_signature
        path = f"/api/v4/{entity.partition(':')[2]}/notes" if entity.startswith("notes:") else "/api/v4/tasks"
        key = "notes" if entity.startswith("notes:") else "tasks"
        wanted = {signature(it.json): it for it in items}
        out = []
        for existing in self._pages(path, key):
            it = wanted.pop(signature(existing), None)
            if it is not None:
                out.append(KeyRecord(entity, it.key, int(existing["id"]), it.row))
        return out

    def _find_records(self, entity: str, items: list[Item]) -> list[KeyRecord]:
        """Records carrying a wanted key in `source_id_field` (by its field id), the first one of each key."""
        field_id = self.items.source_field[entity]
        wanted = {it.key: it for it in items}
        out = []
        for record in self._pages(f"/api/v4/{entity}", entity):
            for cf in record.get("custom_fields_values") or []:
                if cf.get("field_id") == field_id:
                    value = str(((cf.get("values") or [{}])[0]).get("value", ""))
                    it = wanted.pop(value, None)
                    if it is not None:
                        out.append(KeyRecord(entity, it.key, int(record["id"]), it.row))
        return out

    def _pages(self, path: str, key: str) -> Iterator[dict[str, Any]]:
        yield from self.client.pages(path, key)


def _quiet(build: Callable[..., Item], *args: Any) -> Item | None:
    """An item as it would be sent, or None when it cannot be built (it was refused, never sent)."""
    try:
        return build(*args)
    except RowProblem:
        return None


def _key(source: Any) -> str:
    return source.key


def _file(source: Any) -> str:
    return getattr(source, "file", "") or getattr(source, "entity", "")


def _path(entity: str) -> str:
    if entity.startswith("notes:"):
        return f"/api/v4/{entity.partition(':')[2]}/notes"
    return f"/api/v4/{entity}"


def _note_signature(note: dict[str, Any]) -> tuple[Any, ...]:
    return (note.get("entity_id"), (note.get("params") or {}).get("text"))


def _task_signature(task: dict[str, Any]) -> tuple[Any, ...]:
    return (task.get("entity_type"), task.get("entity_id"), task.get("text"), task.get("complete_till"))
