"""Tasks in the sandbox: `POST /api/v4/tasks`, `GET /api/v4/tasks` and `GET /api/v4/tasks/{id}`.

Validation as the API documents it (amocrm.md §2.4 and the Kommo tasks reference): every task needs `text`
(a non-empty string) and `complete_till` (a Unix timestamp); `entity_type` is leads, contacts, companies or
customers (customers are not emulated, so refused) and goes with an `entity_id` that exists;
`responsible_user_id` must be an active user (when the sandbox checks users); `task_type_id` an int
(1 call, 2 meeting); `is_completed` a bool; `request_id` is echoed. One bad task refuses the whole request.
GET filters: `filter[entity_type]`, `filter[entity_id][]`, `filter[is_completed]`,
`filter[responsible_user_id][]`; pages of `limit` (≤ 250), 204 when empty.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from .rules import Error, choice, invalid_type, is_int

TASK_ENTITIES = ("leads", "contacts", "companies")
FIRST_TASK_ID = 9_000_001


class TaskBook:
    """The tasks of one sandbox account; the store's lock guards them like every other record."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.tasks: dict[int, dict[str, Any]] = {}
        self._ids = itertools.count(FIRST_TASK_ID)

    def check(self, item: Any) -> list[Error]:
        if not isinstance(item, dict):
            return [invalid_type("0", dict)]
        errors: list[Error] = []
        if not isinstance(item.get("text"), str):
            errors.append(invalid_type("text", str))
        elif not item["text"].strip():
            errors.append({"code": "NotBlank", "path": "text", "detail": "This value should not be blank."})
        if not is_int(item.get("complete_till")):
            errors.append(invalid_type("complete_till", int))
        errors += self._entity(item)
        user = item.get("responsible_user_id")
        if user is not None:
            if not is_int(user):
                errors.append(invalid_type("responsible_user_id", int))
            elif self.store.rules.check_users and not self.store.account.active_user(user):
                errors.append(choice("responsible_user_id"))
        for key, kind in (("task_type_id", int), ("created_at", int), ("is_completed", bool), ("duration", int)):
            value = item.get(key)
            if value is not None and not (is_int(value) if kind is int else isinstance(value, kind)):
                errors.append(invalid_type(key, kind))
        return errors

    def _entity(self, item: dict[str, Any]) -> list[Error]:
        entity_type, entity_id = item.get("entity_type"), item.get("entity_id")
        if entity_type is None and entity_id is None:
            return []
        if entity_type not in TASK_ENTITIES:
            return [choice("entity_type")]
        if not is_int(entity_id):
            return [invalid_type("entity_id", int)]
        return [] if self.store.exists(entity_type, entity_id) else [choice("entity_id")]

    def add(self, item: dict[str, Any]) -> int:
        now = int(time.time())
        tid = next(self._ids)
        self.tasks[tid] = {
            "id": tid, "created_by": self.store.account.current_user_id, "updated_by": 0,
            "created_at": item.get("created_at") or now, "updated_at": now,
            "responsible_user_id": item.get("responsible_user_id") or self.store.account.current_user_id,
            "group_id": 0, "entity_id": item.get("entity_id"), "entity_type": item.get("entity_type"),
            "duration": item.get("duration") or 0, "is_completed": bool(item.get("is_completed", False)),
            "task_type_id": item.get("task_type_id") or 1, "text": item["text"], "result": [],
            "complete_till": item["complete_till"], "account_id": self.store.account.id,
        }  # fmt: skip
        return tid

    def select(self, filters: dict[str, list[str]]) -> list[dict[str, Any]]:
        """Tasks matching the GET filters, oldest first."""
        with self.store.lock:
            tasks = [t for _, t in sorted(self.tasks.items())]
        for key in ("entity_type", "entity_id", "responsible_user_id", "is_completed", "id"):
            wanted = filters.get(key)
            if wanted:
                want = {_BOOL.get(w.lower(), w.lower()) for w in wanted}
                tasks = [t for t in tasks if _text(t[key]) in want]
        return tasks


_BOOL = {"true": "1", "false": "0"}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value).lower()
