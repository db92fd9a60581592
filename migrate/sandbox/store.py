"""What a sandbox holds: the leads, contacts, companies, notes and tags created through it, and their links.

Records are kept in the API's GET shape (custom field values with field/enum names and codes, tags under
`_embedded.tags`), so tests can inspect `store.leads[id]` and GET returns the same thing. Links live apart,
both directions, because a link belongs to neither end. One re-entrant lock guards it all: the HTTP layer
holds it across "validate the whole batch, then apply it", so a batch is saved entirely or not at all.
"""

from __future__ import annotations

import copy
import itertools
import re
import threading
import time
from collections.abc import Collection, Iterator
from typing import Any

from ..core.schema import SYSTEM_STATUSES
from .account import SandboxAccount
from .rules import EMBEDDED_LINKS, Rules, normalize_cf_values

Key = tuple[str, int]
#: id ranges per kind, far apart, so an uploader mixing up a contact id and a lead id is caught
_FIRST_IDS = {"leads": 10_000_001, "contacts": 20_000_001, "companies": 30_000_001, "notes": 40_000_001,
              "tags": 50_001}  # fmt: skip
#: a contact has one company, and so has a lead (amocrm.md §2.4 "Links allowed"): linking another replaces it
_SINGLE_TARGET = {("contacts", "companies"), ("leads", "companies")}
LINKABLE = {"leads": ("contacts", "companies"), "contacts": ("companies", "leads"), "companies": ("contacts", "leads")}


class SandboxStore:
    """Thread-safe in-memory records. Mutators assume the item was validated by `self.rules`."""

    def __init__(self, account: SandboxAccount, *, check_users: bool = True) -> None:
        self.account = account
        self.lock = threading.RLock()
        self.leads: dict[int, dict[str, Any]] = {}
        self.contacts: dict[int, dict[str, Any]] = {}
        self.companies: dict[int, dict[str, Any]] = {}
        self.notes: dict[int, dict[str, Any]] = {}
        self.tags: dict[int, dict[str, Any]] = {}  # {"id", "name", "color", "entity_type"}; ids per entity type
        self._links: dict[Key, dict[Key, dict[str, Any] | None]] = {}
        self._ids = {kind: itertools.count(first) for kind, first in _FIRST_IDS.items()}
        self.rules = Rules(account, self.exists, self.tag_exists, check_users=check_users)

    def records(self, entity: str) -> dict[int, dict[str, Any]]:
        return {"leads": self.leads, "contacts": self.contacts, "companies": self.companies}[entity]

    def exists(self, entity: str, entity_id: int) -> bool:
        with self.lock:
            return entity_id in self.records(entity)

    def tag_exists(self, entity: str, tag_id: int) -> bool:
        with self.lock:
            return self.tags.get(tag_id, {}).get("entity_type") == entity

    # writes -------------------------------------------------------------------------------------------------

    def create(self, entity: str, item: dict[str, Any]) -> int:
        """Save one validated entity (plain POST); `_embedded` contacts/companies are existing ids to link."""
        with self.lock:
            rid = next(self._ids[entity])
            record = self._new_record(entity, rid, item)
            self.records(entity)[rid] = record
            embedded = item.get("_embedded") or {}
            self._add_tags(entity, record, (item.get("tags_to_add") or []) + (embedded.get("tags") or []))
            self._link_embedded(entity, rid, embedded)
            return rid

    def create_complex(self, item: dict[str, Any]) -> dict[str, int | None]:
        """A lead with its new (or existing, by id) contact and company, all three linked to each other."""
        with self.lock:
            embedded = item.get("_embedded") or {}
            parts: dict[str, int | None] = {}
            for target in ("contacts", "companies"):
                refs = embedded.get(target) or []
                parts[target] = None if not refs else refs[0].get("id") or self.create(target, _tags_only(refs[0]))
            lead_id = self.create("leads", _tags_only(item))
            contact_id, company_id = parts["contacts"], parts["companies"]
            if contact_id:
                self.link("leads", lead_id, "contacts", contact_id, {"is_main": True})
            if company_id:
                self.link("leads", lead_id, "companies", company_id)
            if contact_id and company_id:
                self.link("contacts", contact_id, "companies", company_id)
            return {"id": lead_id, "contact_id": contact_id, "company_id": company_id}

    def update(self, entity: str, item: dict[str, Any]) -> dict[str, Any]:
        """PATCH: given keys replace; values merge per field (`values: null` clears); `tags_to_add` appends,
        `tags_to_delete` removes, `_embedded.tags` replaces all tags (amocrm.md §2.4)."""
        with self.lock:
            record = self.records(entity)[item["id"]]
            fresh = self._new_record(entity, item["id"], {**_scalar_part(record), **item})
            for key in _scalar_part(record):
                record[key] = fresh[key]
            record["custom_fields_values"] = self._merge_cf(entity, record, item.get("custom_fields_values") or [])
            embedded = item.get("_embedded") or {}
            if embedded.get("tags") is not None:
                record["_embedded"]["tags"] = []
            self._add_tags(entity, record, (item.get("tags_to_add") or []) + (embedded.get("tags") or []))
            self._link_embedded(entity, record["id"], embedded)
            gone = [t.get("id") or t.get("name") for t in item.get("tags_to_delete") or []]
            record["_embedded"]["tags"] = [
                t for t in record["_embedded"]["tags"] if not {t["id"], t["name"]} & set(gone)
            ]
            record["updated_at"] = item.get("updated_at") or int(time.time())
            return record

    def add_note(self, entity: str, item: dict[str, Any], entity_id: int | None = None) -> dict[str, Any]:
        with self.lock:
            now = int(time.time())
            note = {
                "id": next(self._ids["notes"]), "entity_id": entity_id or item["entity_id"], "entity_type": entity,
                "created_by": item.get("created_by") or 0, "updated_by": 0,
                "created_at": item.get("created_at") or now, "updated_at": now,
                "responsible_user_id": item.get("responsible_user_id") or self.account.current_user_id,
                "group_id": 0, "note_type": item["note_type"], "params": item["params"], "account_id": self.account.id,
            }  # fmt: skip
            self.notes[note["id"]] = note
            return note

    def ensure_tag(self, entity: str, ref: dict[str, Any]) -> dict[str, Any]:
        """A tag by id (validated to exist) or by name: an existing name of this entity type is reused."""
        with self.lock:
            if ref.get("id") is not None:
                return self.tags[ref["id"]]
            name = ref["name"].strip()
            for tag in self.tags.values():
                if tag["entity_type"] == entity and tag["name"] == name:
                    return tag
            tag = {"id": next(self._ids["tags"]), "name": name, "color": ref.get("color"), "entity_type": entity}
            self.tags[tag["id"]] = tag
            return tag

    def link(self, entity: str, entity_id: int, target: str, target_id: int,
             metadata: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
        ends = {entity: entity_id, target: target_id}
        with self.lock:
            for a, b in ((entity, target), (target, entity)):
                if (a, b) in _SINGLE_TARGET:
                    for old in self.linked(a, ends[a], b):
                        self.unlink(a, ends[a], b, old)
            if set(ends) == {"leads", "contacts"}:
                metadata = self._main_contact(ends["leads"], ends["contacts"], metadata)
            self._links.setdefault((entity, entity_id), {})[(target, target_id)] = metadata
            self._links.setdefault((target, target_id), {})[(entity, entity_id)] = metadata
            return {"entity_id": entity_id, "entity_type": entity, "to_entity_id": target_id,
                    "to_entity_type": target, "metadata": metadata}  # fmt: skip

    def _main_contact(self, lead_id: int, contact_id: int, metadata: dict[str, Any] | None) -> dict[str, Any]:
        """A lead has one main contact: the first linked unless told otherwise; a new main one demotes the old."""
        others = [c for c in self.linked("leads", lead_id, "contacts") if c != contact_id]
        is_main = bool((metadata or {}).get("is_main", not others))
        if is_main:
            for other in others:
                (self.link_meta("leads", lead_id, "contacts", other) or {})["is_main"] = False
        return {"is_main": is_main}

    def unlink(self, entity: str, entity_id: int, target: str, target_id: int) -> None:
        with self.lock:
            self._links.get((entity, entity_id), {}).pop((target, target_id), None)
            self._links.get((target, target_id), {}).pop((entity, entity_id), None)

    # reads --------------------------------------------------------------------------------------------------

    def linked(self, entity: str, entity_id: int, target: str) -> list[int]:
        """Ids of `target` records linked to one record, e.g. `linked("leads", 10000001, "contacts")`."""
        with self.lock:
            return sorted(tid for (t, tid) in self._links.get((entity, entity_id), {}) if t == target)

    def link_meta(self, entity: str, entity_id: int, target: str, target_id: int) -> dict[str, Any] | None:
        with self.lock:
            return self._links.get((entity, entity_id), {}).get((target, target_id))

    def render(self, entity: str, rid: int, base: str, with_: Collection[str] = ()) -> dict[str, Any]:
        """The GET shape of one record: stored fields + `_links` + linked records under `_embedded`
        (companies always, as the real lists show them; contacts/leads with `with=`)."""
        with self.lock:
            out = copy.deepcopy(self.records(entity)[rid])
            out["_links"] = {"self": {"href": f"{base}/api/v4/{entity}/{rid}"}}
            for target in LINKABLE[entity]:
                if target == "companies" or target in with_:
                    out["_embedded"][target] = [self._ref(entity, rid, target, tid, base)
                                                for tid in self.linked(entity, rid, target)]  # fmt: skip
            return out

    def _ref(self, entity: str, rid: int, target: str, tid: int, base: str) -> dict[str, Any]:
        ref: dict[str, Any] = {"id": tid}
        if {entity, target} == {"leads", "contacts"}:
            ref["is_main"] = bool((self.link_meta(entity, rid, target, tid) or {}).get("is_main"))
        ref["_links"] = {"self": {"href": f"{base}/api/v4/{target}/{tid}"}}
        return ref

    def select(self, entity: str, query: str | None, filters: dict[str, list[str]]) -> list[int]:
        """Ids matching `query=` and `filter[...]`, oldest first."""
        with self.lock:
            return [rid for rid, rec in sorted(self.records(entity).items())
                    if (not query or _matches(rec, query)) and matches_filters(rec, filters)]  # fmt: skip

    # helpers ------------------------------------------------------------------------------------------------

    def _new_record(self, entity: str, rid: int, item: dict[str, Any]) -> dict[str, Any]:
        now = int(time.time())
        record: dict[str, Any] = {
            "id": rid, "name": item.get("name"),
            "responsible_user_id": item.get("responsible_user_id") or self.account.current_user_id,
            "group_id": 0, "created_by": item.get("created_by") or 0, "updated_by": item.get("updated_by") or 0,
            "created_at": item.get("created_at") or now, "updated_at": item.get("updated_at") or now,
            "closest_task_at": None,
        }  # fmt: skip
        if entity == "leads":
            record.update(_lead_part(self.account, rid, item, now))
        elif entity == "contacts":
            record.update(first_name=item.get("first_name") or "", last_name=item.get("last_name") or "",
                          is_deleted=False, is_unsorted=False)  # fmt: skip
            if record["name"] is None:
                record["name"] = " ".join(p for p in (record["first_name"], record["last_name"]) if p)
        record["name"] = record["name"] or ""
        values = [cf for cf in normalize_cf_values(self.account, entity, item.get("custom_fields_values") or [])
                  if cf["values"]]  # fmt: skip
        record.update(custom_fields_values=values or None, account_id=self.account.id, _embedded={"tags": []})
        return record

    def _merge_cf(self, entity: str, record: dict[str, Any], cfv: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
        merged = {cf["field_id"]: cf for cf in record.get("custom_fields_values") or []}
        for cf in normalize_cf_values(self.account, entity, cfv):
            if cf["values"]:
                merged[cf["field_id"]] = cf
            else:
                merged.pop(cf["field_id"], None)
        return list(merged.values()) or None

    def _link_embedded(self, entity: str, rid: int, embedded: dict[str, Any]) -> None:
        for target in EMBEDDED_LINKS[entity]:
            for ref in embedded.get(target) or []:
                self.link(entity, rid, target, ref["id"], {"is_main": ref["is_main"]} if "is_main" in ref else None)

    def _add_tags(self, entity: str, record: dict[str, Any], refs: list[dict[str, Any]]) -> None:
        have = record["_embedded"]["tags"]
        for ref in refs:
            tag = self.ensure_tag(entity, ref)
            if all(t["id"] != tag["id"] for t in have):
                have.append({"id": tag["id"], "name": tag["name"], "color": tag["color"]})


def _lead_part(account: SandboxAccount, rid: int, item: dict[str, Any], now: int) -> dict[str, Any]:
    """Lead-only fields with the service's defaults: main pipeline, its first working stage, "Сделка #id"."""
    pipeline_id = item.get("pipeline_id") or (account.pipeline(None) or {})["id"]
    status_id = item.get("status_id") or account.default_status(pipeline_id)
    closed_at = item.get("closed_at") or (now if status_id in SYSTEM_STATUSES else None)
    return {
        "name": item.get("name") or f"Сделка #{rid}", "price": item.get("price") or 0, "status_id": status_id,
        "pipeline_id": pipeline_id, "loss_reason_id": item.get("loss_reason_id"), "closed_at": closed_at,
        "is_deleted": False, "score": None, "labor_cost": None,
    }  # fmt: skip


def _scalar_part(record: dict[str, Any]) -> dict[str, Any]:
    skip = {"id", "custom_fields_values", "_embedded", "account_id", "created_at", "updated_at"}
    return {k: v for k, v in record.items() if k not in skip}


def _tags_only(item: dict[str, Any]) -> dict[str, Any]:
    """A complex part keeps its tags; links are the complex request's to make, not the part's."""
    return {**item, "_embedded": {"tags": (item.get("_embedded") or {}).get("tags") or []}}


def _texts(record: dict[str, Any]) -> Iterator[str]:
    for key in ("name", "first_name", "last_name"):
        if record.get(key):
            yield str(record[key])
    for cf in record.get("custom_fields_values") or []:
        for v in cf["values"] or []:
            if v.get("value") is not None:
                yield str(v["value"])


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _matches(record: dict[str, Any], query: str) -> bool:
    """Case-insensitive substring over names and field values (not tags: whether the real search looks at
    them is unconfirmed, and the stricter choice is the safe one to rehearse against); a query of 5+ digits
    also matches a phone written with other punctuation ("+7 (916) 123-45-67" for "79161234567")."""
    q, digits = query.casefold().strip(), _digits(query)
    for text in _texts(record):
        if q in text.casefold() or (len(digits) >= 5 and digits in _digits(text)):
            return True
    return False


def matches_filters(record: dict[str, Any], filters: dict[str, list[str]]) -> bool:
    """`filter[id]`, `filter[tags]` (names or ids; unconfirmed for the real API: amocrm-api-php#474 says
    leads cannot be filtered by tag) and any scalar field (`filter[name]`, `filter[note_type]`,
    `filter[entity_id]`, ...) by equality; unknown filters are ignored, as the real API may do."""
    for key, wanted in filters.items():
        if key == "tags":
            tags = (record.get("_embedded") or {}).get("tags") or []
            if not ({t["name"] for t in tags} | {str(t["id"]) for t in tags}) & set(wanted):
                return False
        elif key in record and not isinstance(record[key], dict | list) and str(record[key]) not in wanted:
            return False
    return True
