"""What the sandbox refuses in a write, in the API's own `validation-errors` terms (amocrm.md §2.3).

Each check returns error dicts `{"code", "path", "detail"}` with `path` dotted inside one entity, exactly as
the real service reports them (e.g. `custom_fields_values.6.values.0.value` for a select value not in its
list, `note_type` for an unknown note type; both seen in amocrm-api-php issues #115 and #469). The caller
groups them per `request_id` and rejects the whole request when any entity has one: nothing is saved.

Also here: `normalize_cf_values`, the one place a request's custom field values become the GET shape,
because it must resolve field and enum the same way validation did.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeGuard

from .account import CODED_ENUM_TYPES, Field, SandboxAccount

Error = dict[str, str]
CHOICE = "NotSupportedChoice"
INVALID_TYPE = "InvalidType"
#: unconfirmed: the real code for "too many items" (complex: >1 contact, >40 values) is undocumented
TOO_MANY = "InvalidCount"
CHOICE_DETAIL = "The value you selected is not a valid choice."
NOTE_TYPES = frozenset({
    "common", "call_in", "call_out", "service_message", "extended_service_message", "geolocation", "sms_in",
    "sms_out", "attachment", "message_cashier", "invoice_paid",
})  # fmt: skip
MAX_COMPLEX_CF_VALUES = 40
#: existing records a plain POST/PATCH may link through `_embedded` (amocrm.md §2.4 payloads)
EMBEDDED_LINKS = {"leads": ("contacts", "companies"), "contacts": ("companies",), "companies": ("contacts",)}
_ENUM_TYPES = frozenset({"select", "multiselect", "radiobutton"}) | CODED_ENUM_TYPES
_DATE_TYPES = frozenset({"date", "date_time", "birthday"})
_NUMBER_TYPES = frozenset({"numeric", "price", "monetary"})
_TEXT_TYPES = frozenset({"text", "textarea", "url", "streetaddress", "org_legal_name"})
_INT_KEYS = ("responsible_user_id", "created_by", "updated_by", "created_at", "updated_at")
_LEAD_INT_KEYS = ("price", "status_id", "pipeline_id", "closed_at", "loss_reason_id")
_TYPE_NAMES = {int: "int", str: "string", list: "array", dict: "object", bool: "bool"}


def choice(path: str) -> Error:
    return {"code": CHOICE, "path": path, "detail": CHOICE_DETAIL}


def invalid_type(path: str, kind: type) -> Error:
    return {"code": INVALID_TYPE, "path": path, "detail": f"This value should be of type {_TYPE_NAMES[kind]}."}


def too_many(path: str, limit: int) -> Error:
    return {"code": TOO_MANY, "path": path, "detail": f"This collection should contain {limit} elements or less."}


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def is_int(v: Any) -> TypeGuard[int]:
    return isinstance(v, int) and not isinstance(v, bool)


def _is(v: Any, kind: type) -> bool:
    return is_int(v) if kind is int else isinstance(v, kind)


class Rules:
    """Validation against the account (fields, users, pipelines) and the store (ids that must exist).

    `exists(entity, id)` and `tag_exists(entity, id)` come from the store, so links and tag ids are checked
    against what was created; `check_users=False` lets any responsible_user_id through (amocrm.md
    checklist 7: the real behaviour on an unknown user is reported by integrators, not documented).
    """

    def __init__(self, account: SandboxAccount, exists: Callable[[str, int], bool],
                 tag_exists: Callable[[str, int], bool], *, check_users: bool = True) -> None:  # fmt: skip
        self.account, self.exists, self.tag_exists, self.check_users = account, exists, tag_exists, check_users

    def check(self, entity: str, item: Any, prefix: str = "", *, base: dict[str, Any] | None = None,
              linked: bool = True) -> list[Error]:  # fmt: skip
        """Every error of one entity. `base`: the stored record a PATCH changes; `linked`: check `_embedded`
        links to existing records (off for the new contact/company inside a complex lead)."""
        if not isinstance(item, dict):
            return [invalid_type(prefix.rstrip(".") or "0", dict)]
        errors = self._scalars(entity, item, prefix)
        errors += self._user(item, prefix)
        errors += self._tags(entity, item, prefix)
        errors += self._custom_fields(entity, item.get("custom_fields_values"), prefix)
        if entity == "leads":
            errors += self._stage(item, prefix, base)
        embedded = item.get("_embedded")
        if embedded is not None and not isinstance(embedded, dict):
            errors.append(invalid_type(prefix + "_embedded", dict))
        elif linked and embedded:
            errors += self._links(entity, embedded, prefix + "_embedded.")
        return errors

    def _scalars(self, entity: str, item: dict[str, Any], prefix: str) -> list[Error]:
        kinds: dict[str, type] = {"name": str, **dict.fromkeys(_INT_KEYS, int)}
        if entity == "leads":
            kinds.update(dict.fromkeys(_LEAD_INT_KEYS, int))
        if entity == "contacts":
            kinds.update(first_name=str, last_name=str)
        return [
            invalid_type(prefix + k, t) for k, t in kinds.items() if item.get(k) is not None and not _is(item[k], t)
        ]

    def _user(self, item: dict[str, Any], prefix: str) -> list[Error]:
        uid = item.get("responsible_user_id")
        if self.check_users and is_int(uid) and not self.account.active_user(uid):
            return [choice(prefix + "responsible_user_id")]
        return []

    def _stage(self, item: dict[str, Any], prefix: str, base: dict[str, Any] | None) -> list[Error]:
        """status_id must belong to pipeline_id (or the lead's/main pipeline when absent)."""
        pid, sid = item.get("pipeline_id"), item.get("status_id")
        if (pid is not None and not is_int(pid)) or (sid is not None and not is_int(sid)):
            return []  # already an InvalidType
        if pid is not None and self.account.pipeline(pid) is None:
            return [choice(prefix + "pipeline_id")]
        if pid is None and base is not None:
            pid = base.get("pipeline_id")
        if sid is not None and not self.account.status_allowed(pid, sid):
            return [choice(prefix + "status_id")]
        return []

    def _tags(self, entity: str, item: dict[str, Any], prefix: str) -> list[Error]:
        embedded = _embedded(item)
        lists = {"tags_to_add": item.get("tags_to_add"), "tags_to_delete": item.get("tags_to_delete"),
                 "_embedded.tags": embedded.get("tags")}  # fmt: skip
        errors: list[Error] = []
        for key, tags in lists.items():
            if tags is None:
                continue
            if not isinstance(tags, list):
                errors.append(invalid_type(prefix + key, list))
                continue
            for i, tag in enumerate(tags):
                errors += self.check_tag(entity, tag, f"{prefix}{key}.{i}")
        return errors

    def check_tag(self, entity: str, tag: Any, path: str = "") -> list[Error]:
        """A tag reference `{id}` (an existing tag of this entity type) or `{name}`."""
        if not isinstance(tag, dict):
            return [invalid_type(path or "0", dict)]
        if tag.get("id") is not None:
            if not is_int(tag["id"]):
                return [invalid_type(_at(path, "id"), int)]
            return [] if self.tag_exists(entity, tag["id"]) else [choice(_at(path, "id"))]
        if not isinstance(tag.get("name"), str) or not tag["name"].strip():
            return [invalid_type(_at(path, "name"), str)]
        return []

    def _links(self, entity: str, embedded: dict[str, Any], prefix: str) -> list[Error]:
        """`_embedded.contacts/companies` on a plain POST/PATCH name *existing* records to link."""
        errors: list[Error] = []
        for target in EMBEDDED_LINKS[entity]:
            refs = embedded.get(target)
            if refs is None:
                continue
            if not isinstance(refs, list):
                errors.append(invalid_type(prefix + target, list))
                continue
            if target == "companies" and len(refs) > 1:
                errors.append(too_many(prefix + target, 1))
            for i, ref in enumerate(refs):
                rid = ref.get("id") if isinstance(ref, dict) else None
                if not is_int(rid):
                    errors.append(invalid_type(f"{prefix}{target}.{i}.id", int))
                elif not self.exists(target, rid):
                    errors.append(choice(f"{prefix}{target}.{i}.id"))
        return errors

    # custom fields ------------------------------------------------------------------------------------------

    def _custom_fields(self, entity: str, cfv: Any, prefix: str) -> list[Error]:
        if cfv is None:
            return []
        path = prefix + "custom_fields_values"
        if not isinstance(cfv, list):
            return [invalid_type(path, list)]
        errors: list[Error] = []
        for i, cf in enumerate(cfv):
            p = f"{path}.{i}"
            if not isinstance(cf, dict):
                errors.append(invalid_type(p, dict))
                continue
            field, error = self._resolve(entity, cf, p)
            if error:
                errors.append(error)
            elif field is not None:
                errors += self._values(field, cf.get("values"), p + ".values")
        return errors

    def _resolve(self, entity: str, cf: dict[str, Any], p: str) -> tuple[Field | None, Error | None]:
        """A value names its field by `field_id` or, for predefined fields, `field_code`."""
        if cf.get("field_id") is not None:
            if not is_int(cf["field_id"]):
                return None, invalid_type(p + ".field_id", int)
            field = self.account.field(entity, field_id=cf["field_id"])
            return (field, None) if field else (None, choice(p + ".field_id"))
        if cf.get("field_code") is not None:
            if not isinstance(cf["field_code"], str):
                return None, invalid_type(p + ".field_code", str)
            field = self.account.field(entity, code=cf["field_code"])
            return (field, None) if field else (None, choice(p + ".field_code"))
        return None, {"code": "NotBlank", "path": p + ".field_id", "detail": "This value should not be blank."}

    def _values(self, field: Field, values: Any, p: str) -> list[Error]:
        if values is None:
            return []  # null clears the field [K-cf]
        if not isinstance(values, list):
            return [invalid_type(p, list)]
        errors: list[Error] = []
        for j, v in enumerate(values):
            if not isinstance(v, dict):
                errors.append(invalid_type(f"{p}.{j}", dict))
            else:
                errors += self._value(field, v, f"{p}.{j}")
        return errors

    def _value(self, field: Field, v: dict[str, Any], p: str) -> list[Error]:
        if field.type in _ENUM_TYPES:
            return self._enum_value(field, v, p)
        value = v.get("value")
        if field.type == "checkbox":
            ok = isinstance(value, bool)
        elif field.type in _DATE_TYPES:
            ok = is_int(value) or (isinstance(value, str) and _parse_date(value) is not None)
        elif field.type in _NUMBER_TYPES:
            ok = is_int(value) or isinstance(value, float) or (isinstance(value, str) and _is_number(value))
        elif field.type in _TEXT_TYPES:
            ok = isinstance(value, str | int | float) and not isinstance(value, bool)
        else:
            ok = value is not None  # complex types (legal_entity, tracking_data, ...) pass as given
        return [] if ok else [invalid_type(p + ".value", str)]

    def _enum_value(self, field: Field, v: dict[str, Any], p: str) -> list[Error]:
        """enum_id, else enum_code, else (lists only) the option text; multitext also needs a text value."""
        errors: list[Error] = []
        if v.get("enum_id") is not None:
            if not is_int(v["enum_id"]):
                errors.append(invalid_type(p + ".enum_id", int))
            elif field.enum_by_id(v["enum_id"]) is None:
                errors.append(choice(p + ".enum_id"))
        elif v.get("enum_code") is not None:
            if not isinstance(v["enum_code"], str) or field.enum_by_code(v["enum_code"]) is None:
                errors.append(choice(p + ".enum_code"))
        elif field.type not in CODED_ENUM_TYPES:
            if not isinstance(v.get("value"), str) or field.enum_by_value(v["value"]) is None:
                errors.append(choice(p + ".value"))
        if field.type in CODED_ENUM_TYPES and not (isinstance(v.get("value"), str | int) and str(v["value"]).strip()):
            errors.append(invalid_type(p + ".value", str))
        return errors

    # batch-level checks -------------------------------------------------------------------------------------

    def check_complex(self, item: Any, prefix: str = "") -> list[Error]:
        """A complex lead: the lead, ≤ 1 new contact and ≤ 1 new company, ≤ 40 values per entity [K-cx]."""
        errors = self.check("leads", item, prefix, linked=False)
        if not isinstance(item, dict):
            return errors
        errors += _count_cf(item, prefix)
        embedded = _embedded(item)
        for target in ("contacts", "companies"):
            refs = embedded.get(target)
            if refs is None:
                continue
            path = f"{prefix}_embedded.{target}"
            if not isinstance(refs, list):
                errors.append(invalid_type(path, list))
                continue
            if len(refs) > 1:
                errors.append(too_many(path, 1))
            for i, ref in enumerate(refs[:1]):
                errors += self._complex_part(target, ref, f"{path}.{i}.")
        return errors

    def _complex_part(self, target: str, ref: Any, prefix: str) -> list[Error]:
        """A new entity is validated in full; one given by `id` only has to exist (unconfirmed for complex)."""
        if isinstance(ref, dict) and ref.get("id") is not None:
            return [] if is_int(ref["id"]) and self.exists(target, ref["id"]) else [choice(prefix + "id")]
        return self.check(target, ref, prefix, linked=False) + (_count_cf(ref, prefix) if isinstance(ref, dict) else [])

    def check_note(self, entity: str, item: Any, entity_id: int | None) -> list[Error]:
        if not isinstance(item, dict):
            return [invalid_type("0", dict)]
        errors: list[Error] = []
        eid = entity_id if entity_id is not None else item.get("entity_id")
        if not is_int(eid):
            errors.append(invalid_type("entity_id", int))
        elif not self.exists(entity, eid):
            errors.append(choice("entity_id"))
        if item.get("note_type") not in NOTE_TYPES:
            errors.append(choice("note_type"))
        params = item.get("params")
        if not isinstance(params, dict):
            errors.append(invalid_type("params", dict))
        elif item.get("note_type") == "common" and not isinstance(params.get("text"), str):
            errors.append(invalid_type("params.text", str))
        return errors


def _embedded(item: dict[str, Any]) -> dict[str, Any]:
    embedded = item.get("_embedded")
    return embedded if isinstance(embedded, dict) else {}


def _count_cf(item: dict[str, Any], prefix: str) -> list[Error]:
    cfv = item.get("custom_fields_values")
    if isinstance(cfv, list) and len(cfv) > MAX_COMPLEX_CF_VALUES:
        return [too_many(prefix + "custom_fields_values", MAX_COMPLEX_CF_VALUES)]
    return []


def _parse_date(text: str) -> int | None:
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return int(parsed.timestamp())


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def normalize_cf_values(account: SandboxAccount, entity: str, cfv: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validated request values → the GET shape `{field_id, field_name, field_code, field_type, values}`.

    Enum values come back as `{value, enum_id, enum_code}`; a multitext value without an enum gets the
    field's first enum (WORK for PHONE: what the UI shows; unconfirmed); dates come back as timestamps.
    """
    out = []
    for cf in cfv:
        if cf.get("field_id") is not None:
            field = account.field(entity, field_id=cf["field_id"])
        else:
            field = account.field(entity, code=cf.get("field_code"))
        assert field is not None, "validated before"
        values = None if cf.get("values") is None else [_normalize_value(field, v) for v in cf["values"]]
        out.append({"field_id": field.id, "field_name": field.name, "field_code": field.code,
                    "field_type": field.type, "values": values})  # fmt: skip
    return out


def _normalize_value(field: Field, v: dict[str, Any]) -> dict[str, Any]:
    if field.type not in _ENUM_TYPES:
        value = v.get("value")
        if field.type in _DATE_TYPES and isinstance(value, str):
            value = _parse_date(value)
        return {"value": value}
    enum = None
    if v.get("enum_id") is not None:
        enum = field.enum_by_id(v["enum_id"])
    elif v.get("enum_code") is not None:
        enum = field.enum_by_code(v["enum_code"])
    elif field.type not in CODED_ENUM_TYPES:
        enum = field.enum_by_value(v["value"])
    elif field.enums:
        enum = field.enums[0]
    value = str(v["value"]) if field.type in CODED_ENUM_TYPES else (enum.value if enum else v.get("value"))
    return {"value": value, "enum_id": enum.id if enum else None, "enum_code": enum.code if enum else None}
