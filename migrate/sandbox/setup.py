"""What the sandbox refuses when an account is being set up: new custom fields, field edits, new stages.

Why a module of its own: these endpoints change the *account* (account.py), not the records
(store.py), and `amomigrate plan --apply` must be rehearsable against them. Shapes follow the
amoCRM developer pages "Поля и группы полей" and "Воронки и этапы" (a public copy: biradrags/amo-docs):

- `POST /api/v4/{entity}/custom_fields`: an array of `{name, type, code?, sort?, is_api_only?, enums?,
  required_statuses?}`; `enums [{value, sort}]` are required for select, multiselect and radiobutton.
- `PATCH /api/v4/{entity}/custom_fields` (array, each with `id`) or `/{id}` (one object): `name`, `sort`,
  `is_api_only`, `required_statuses`, `enums` (an enum sent without its `id` replaces the old one).
- `POST /api/v4/leads/pipelines/{id}/statuses`: an array of `{name, sort, color?}`; at most 100 stages in a
  pipeline, the system ones included (amocrm.md §2.2).

**Unconfirmed** (the sandbox is stricter than the docs say the service is, on purpose): whether the real
service refuses a field name used twice in one entity (pull.py has seen accounts with such twins), an
empty name, a duplicate option, or a stage name used twice in a pipeline; and the `code` it gives each
refusal (`NotBlank`, `NotUnique`, `InvalidCount` here). Whether PATCH insists on `name` (the docs mark it
required) is unconfirmed too: the sandbox does not.
"""

from __future__ import annotations

from typing import Any

from .account import LIST_TYPES, SandboxAccount
from .rules import Error, choice, invalid_type, is_int, too_many

#: the field types API v4 knows (amocrm.md §2.5, "Field type strings")
FIELD_TYPES = frozenset(
    "text numeric checkbox select multiselect multitext date url textarea radiobutton streetaddress smart_address "
    "birthday legal_entity date_time price category items tracking_data linked_entity monetary chained_list file "
    "payer supplier".split()
)
MAX_STATUSES = 100
NOT_BLANK, NOT_UNIQUE = "NotBlank", "NotUnique"


def blank(path: str) -> Error:
    return {"code": NOT_BLANK, "path": path, "detail": "This value should not be blank."}


def taken(path: str) -> Error:
    return {"code": NOT_UNIQUE, "path": path, "detail": "This value is already used."}


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


class SetupRules:
    """Checks for one write request; `seen` collects names of the batch so far (a batch is all-or-nothing,
    so two new items with one name are refused together with the rest)."""

    def __init__(self, account: SandboxAccount) -> None:
        self.account = account
        self.seen: set[str] = set()

    # custom fields ------------------------------------------------------------------------------------------

    def new_field(self, entity: str, item: Any) -> list[Error]:
        if not isinstance(item, dict):
            return [invalid_type("0", dict)]
        errors = self._name(entity, item.get("name"), None, required=True)
        kind = item.get("type")
        if not isinstance(kind, str) or kind not in FIELD_TYPES:
            errors.append(choice("type"))
        errors += self._common(item)
        if kind in LIST_TYPES and not item.get("enums"):
            errors.append(blank("enums"))
        return errors

    def edit_field(self, entity: str, item: Any, field_id: int | None) -> list[Error]:
        if isinstance(item, dict) and field_id is not None:
            item = {**item, "id": field_id}
        if not isinstance(item, dict) or not is_int(item.get("id")):
            return [invalid_type("id", int)]
        field = self.account.field(entity, field_id=item["id"])
        if field is None:
            return [choice("id")]
        errors = self._name(entity, item.get("name"), field.id, required=False)
        if "type" in item and item["type"] != field.type:
            errors.append(choice("type"))  # a field's type cannot change
        if "enums" in item and field.type in LIST_TYPES and not item["enums"]:
            errors.append(blank("enums"))
        return errors + self._common(item)

    def _name(self, entity: str, name: Any, own_id: int | None, *, required: bool) -> list[Error]:
        if name is None and not required:
            return []
        if not isinstance(name, str):
            return [invalid_type("name", str)]
        if not name.strip():
            return [blank("name")]
        key = _key(name)
        if key in self.seen or any(_key(f.name) == key for f in self.account.fields[entity] if f.id != own_id):
            return [taken("name")]
        self.seen.add(key)
        return []

    def _common(self, item: dict[str, Any]) -> list[Error]:
        errors: list[Error] = []
        if "sort" in item and not is_int(item["sort"]):
            errors.append(invalid_type("sort", int))
        if "is_api_only" in item and not isinstance(item["is_api_only"], bool):
            errors.append(invalid_type("is_api_only", bool))
        if "code" in item and item["code"] is not None and not isinstance(item["code"], str):
            errors.append(invalid_type("code", str))
        errors += self._enums(item.get("enums"))
        return errors + self._required(item.get("required_statuses"))

    def _enums(self, enums: Any) -> list[Error]:
        if enums is None:
            return []
        if not isinstance(enums, list):
            return [invalid_type("enums", list)]
        errors, values = [], set()
        for i, e in enumerate(enums):
            value = e.get("value") if isinstance(e, dict) else None
            if not isinstance(e, dict) or not isinstance(value, str | int | float) or isinstance(value, bool):
                errors.append(invalid_type(f"enums.{i}.value", str))
            elif not str(value).strip():
                errors.append(blank(f"enums.{i}.value"))
            elif str(value).strip() in values:
                errors.append(taken(f"enums.{i}.value"))
            else:
                values.add(str(value).strip())
            if isinstance(e, dict) and "sort" in e and not is_int(e["sort"]):
                errors.append(invalid_type(f"enums.{i}.sort", int))
        return errors

    def _required(self, required: Any) -> list[Error]:
        if required is None:
            return []
        if not isinstance(required, list):
            return [invalid_type("required_statuses", list)]
        errors = []
        for i, r in enumerate(required):
            path = f"required_statuses.{i}"
            if not isinstance(r, dict) or not is_int(r.get("pipeline_id")) or not is_int(r.get("status_id")):
                errors.append(invalid_type(path, dict))
            elif self.account.pipeline(r["pipeline_id"]) is None:
                errors.append(choice(f"{path}.pipeline_id"))
            elif not self.account.status_allowed(r["pipeline_id"], r["status_id"]):
                errors.append(choice(f"{path}.status_id"))
        return errors

    # pipeline stages ----------------------------------------------------------------------------------------

    def new_status(self, pipeline: dict[str, Any], item: Any, position: int) -> list[Error]:
        """`position`: the item's index in the request, so the 100-stage limit names the items over it."""
        if not isinstance(item, dict):
            return [invalid_type("0", dict)]
        errors: list[Error] = []
        name = item.get("name")
        if not isinstance(name, str):
            errors.append(invalid_type("name", str))
        elif not name.strip():
            errors.append(blank("name"))
        elif _key(name) in {_key(s["name"]) for s in pipeline["statuses"]} or _key(name) in self.seen:
            errors.append(taken("name"))
        else:
            self.seen.add(_key(name))
        if "sort" in item and not is_int(item["sort"]):
            errors.append(invalid_type("sort", int))
        if "color" in item and not isinstance(item["color"], str):
            errors.append(invalid_type("color", str))
        if len(pipeline["statuses"]) + position + 1 > MAX_STATUSES:
            errors.append(too_many("", MAX_STATUSES))
        return errors
