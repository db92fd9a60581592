"""Whole-base records → API v4 items: companies, contacts and leads with their links by id, notes, tasks.

Built on the single-file PayloadBuilder (one per source file): the same owners, stages, enums, phones and
dates. What is added here: the source key in the account's `source_id_field` custom field; links by the
AmoCRM ids the journal holds (a contact's company, a lead's contacts — the first one main — and company);
comments as `common` notes whose text starts with the author and date (the API cannot set a note's author,
and sets its date itself); tasks with their text (+ description), responsible user, deadline and entity.
A value that cannot be put in the API's terms raises RowProblem, and the record is refused before sending.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...base.graph import Attachment, Base, Record
from ...core.schema import AccountSchema
from .payload import Built, PayloadBuilder, RowProblem

COMMENT_TEXT, COMMENT_AUTHOR, COMMENT_DATE = "text", "author", "created_at"


@dataclass(frozen=True)
class Item:
    """One item to send: its journal key, the source file and row it comes from, and the JSON."""

    entity: str  # companies | contacts | leads | notes:<entity> | tasks
    key: str
    file: str
    row: int
    built: Built

    @property
    def json(self) -> dict[str, Any]:
        return self.built.item


class BaseItems:
    """Builds the items of one Base against one account schema."""

    def __init__(self, base: Base, schema: AccountSchema, source_id_field: str | None) -> None:
        self.base, self.schema = base, schema
        self.builders = {e: PayloadBuilder(mapped, schema) for e, (mapped, _, _) in base.parts.items()}
        self.source_field = {e: _field_id(schema, e, source_id_field) for e in ("leads", "contacts", "companies")}

    # --- records ----------------------------------------------------------------------------------------------
    def record(self, record: Record, ids: dict[str, dict[str, int]], tags: list[str]) -> Item:
        """A company, contact or lead; `ids` = entity → source key → AmoCRM id of what exists already."""
        builder = self.builders[record.file]
        owner = builder.owner_id(record.row) if record.file != record.entity else None
        built = builder.entity_item(record.row, record.entity, tags, owner=owner)
        item = built.item
        if record.entity == "contacts" and record.file != "contacts" and "name" not in item and record.name:
            item["name"] = record.name
        field_id = self.source_field[record.entity]
        if field_id is not None:
            source_id = {"field_id": field_id, "values": [{"value": record.key}]}
            item.setdefault("custom_fields_values", []).append(source_id)
        embedded = item.setdefault("_embedded", {})
        if record.entity == "contacts":
            company = self._first(record, "companies", ids)
            if company is not None:
                embedded["companies"] = [{"id": company}]
        elif record.entity == "leads":
            contacts = [ids["contacts"][k] for k in record.links.get("contacts", []) if k in ids.get("contacts", {})]
            if contacts:
                embedded["contacts"] = [{"id": c, "is_main": i == 0} for i, c in enumerate(contacts)]
            company = self._first(record, "companies", ids)
            if company is not None:
                embedded["companies"] = [{"id": company}]
        if not embedded:
            del item["_embedded"]
        item["request_id"] = record.key
        return Item(record.entity, record.key, record.file, record.row, built)

    @staticmethod
    def _first(record: Record, entity: str, ids: dict[str, dict[str, int]]) -> int | None:
        found = [ids[entity][k] for k in record.links.get(entity, []) if k in ids.get(entity, {})]
        return found[0] if found else None

    def record_note(self, record: Record, entity_id: int) -> Item | None:
        """The record's own note column (a deal's «Комментарий») as a note, when it has one."""
        if record.file != record.entity:
            return None
        text = self.builders[record.file].notes(record.row).get(record.entity)
        if not text:
            return None
        item = {"entity_id": entity_id, "note_type": "common", "params": {"text": text[1]}, "request_id": record.key}
        origins = {"params.text": text[0]}
        return Item(f"notes:{record.entity}", record.key, record.file, record.row, Built(item, origins))

    # --- comments and tasks -------------------------------------------------------------------------------------
    def comment(self, attachment: Attachment, entity_id: int) -> Item:
        builder = self.builders["comments"]
        values = self._roles(builder, attachment.row)
        author = values.get(COMMENT_AUTHOR, ("", ""))[1]
        owners = self.base.parts["comments"][2].owners
        author = str(owners.get(author, author))
        when = values.get(COMMENT_DATE, ("", ""))[1]
        head = " · ".join(p for p in (author, when) if p)
        body = values.get(COMMENT_TEXT, ("", ""))[1]
        if not body.strip():
            raise RowProblem(values.get(COMMENT_TEXT, ("", ""))[0] or "text", "The comment has no text.")
        text = f"{head}\n{body}" if head else body
        item = {"entity_id": entity_id, "note_type": "common", "params": {"text": text}, "request_id": attachment.key}
        return Item(f"notes:{attachment.target[0]}", f"comment:{attachment.key}", "comments", attachment.row,
                    Built(item))  # fmt: skip

    def task_closed(self, attachment: Attachment) -> bool:
        values = self._roles(self.builders["tasks"], attachment.row)
        return bool(values.get("closed", ("", ""))[1])

    def task(self, attachment: Attachment, entity_id: int) -> Item:
        builder = self.builders["tasks"]
        values = self._roles(builder, attachment.row)
        text = "\n".join(v for v in (values.get("text", ("", ""))[1], values.get("description", ("", ""))[1]) if v)
        if not text.strip():
            raise RowProblem(values.get("text", ("text", ""))[0] or "text", "The task has no text.")
        header, deadline = values.get("complete_till", ("", ""))
        if not deadline:
            raise RowProblem(header or "complete_till", "The task has no deadline; AmoCRM requires complete_till.")
        item: dict[str, Any] = {"text": text, "complete_till": builder._unix(header, deadline),
                                "entity_type": attachment.target[0], "entity_id": entity_id,
                                "task_type_id": 1, "request_id": attachment.key}  # fmt: skip
        origins = {"text": values.get("text", ("", ""))[0], "complete_till": header}
        if "responsible_user" in values and values["responsible_user"][1]:
            h, who = values["responsible_user"]
            item["responsible_user_id"] = builder._user(h, who)
            origins["responsible_user_id"] = h
        if values.get("closed", ("", ""))[1]:
            item["is_completed"] = True
        if values.get("created_at", ("", ""))[1]:
            item["created_at"] = builder._unix(*values["created_at"])
        return Item("tasks", attachment.key, "tasks", attachment.row, Built(item, origins))

    @staticmethod
    def _roles(builder: PayloadBuilder, row: int) -> dict[str, tuple[str, str]]:
        """role → (header, value) of a comments or tasks row."""
        return {t.role: (h, builder.value(row, h)) for h, t in builder.targets.items()}


def _field_id(schema: AccountSchema, entity: str, name: str | None) -> int | None:
    if not name:
        return None
    found = next((f for f in schema.fields(entity) if f.get("name") == name), None)
    return found.get("id") if found else None


def missing_source_field(schema: AccountSchema, name: str | None, entities: list[str]) -> list[str]:
    """The entities whose custom fields lack `name` (the manifest's source_id_field)."""
    return [e for e in entities if name and _field_id(schema, e, name) is None]
