"""The account a sandbox serves: an account schema seen through API v4's GET shapes, plus the lookups
validation needs (field by id or code, enum by id/code/value, status in pipeline, active user).

Why a module of its own: a hand-written schema may omit field and enum ids, but the API always has them.
Ids are assigned here once, so `/custom_fields`, validation and the stored values all agree.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, replace
from typing import Any

from ..core.schema import ENTITIES, SYSTEM_STATUSES, AccountSchema

#: predefined field codes (amocrm.md Part 3): shown as is_predefined, not deletable
PREDEFINED_CODES = frozenset({"PHONE", "EMAIL", "POSITION", "IM", "WEB", "ADDRESS"})
#: field types whose enum *value* is also its code (PHONE enums: WORK, MOB, ...)
CODED_ENUM_TYPES = frozenset({"multitext", "smart_address"})
LIST_TYPES = frozenset({"select", "multiselect", "radiobutton", "category", "chained_list"})
UNSORTED_TYPE = 1
_SYMBOLS = {"RUB": "₽", "USD": "$", "EUR": "€", "KZT": "₸", "UAH": "₴", "BYN": "Br"}
_TIMEZONES = {"RU": "Europe/Moscow", "KZ": "Asia/Almaty", "BY": "Europe/Minsk", "UA": "Europe/Kyiv"}
_FIRST_FREE_FIELD_ID, _FIRST_FREE_ENUM_ID = 1_000_001, 5_000_001


@dataclass(frozen=True)
class Enum:
    id: int
    value: str
    code: str | None
    sort: int


@dataclass(frozen=True)
class Field:
    """One custom field as the API has it (ids always set)."""

    id: int
    entity: str
    name: str
    type: str
    code: str | None
    enums: tuple[Enum, ...]
    sort: int
    raw: dict[str, Any]

    @property
    def has_enums(self) -> bool:
        return bool(self.enums) or self.type in LIST_TYPES or self.type in CODED_ENUM_TYPES

    def enum_by_id(self, enum_id: int) -> Enum | None:
        return next((e for e in self.enums if e.id == enum_id), None)

    def enum_by_code(self, code: str) -> Enum | None:
        return next((e for e in self.enums if e.code is not None and e.code == code), None)

    def enum_by_value(self, value: str) -> Enum | None:
        """Select options match case-sensitively, as the importer and the API do (amocrm.md §1.2)."""
        return next((e for e in self.enums if e.value == value), None)


class SandboxAccount:
    """Read-only view of the schema for the sandbox; built once per Sandbox."""

    def __init__(self, schema: AccountSchema) -> None:
        self.schema = schema
        info = schema.raw.get("account") or {}
        self.id: int = info.get("id") or 1
        self.name: str = info.get("name") or "Sandbox"
        self.subdomain: str = info.get("subdomain") or "sandbox"
        self.currency: str = info.get("currency") or "RUB"
        self.country: str = info.get("country") or "RU"
        self.timezone: str = info.get("timezone") or _TIMEZONES.get(self.country, "UTC")
        self.users: list[dict[str, Any]] = list(schema.raw.get("users", []))
        # a copy: statuses added through the API must not change the AccountSchema the sandbox was built from
        self.pipelines: list[dict[str, Any]] = copy.deepcopy(list(schema.raw["pipelines"]))
        self.fields: dict[str, list[Field]] = _build_fields(schema)
        #: user groups (departments): the API lists them but offers no way to create one (sandbox/team.py)
        self.groups: list[dict[str, Any]] = [{"id": 0, "name": "Отдел продаж", "uuid": None}]
        self.token_is_admin = True  # False: the token's user is not an administrator (Sandbox(admin=False))

    # lookups used by validation -------------------------------------------------------------------------

    def field(self, entity: str, *, field_id: int | None = None, code: str | None = None) -> Field | None:
        for f in self.fields.get(entity, []):
            if (field_id is not None and f.id == field_id) or (field_id is None and code and f.code == code):
                return f
        return None

    def active_user(self, user_id: int) -> bool:
        return any(u["id"] == user_id and u.get("active", True) for u in self.users)

    @property
    def current_user_id(self) -> int:
        """The token's owner: the first active user (0 when the schema lists none, as the default does)."""
        return next((u["id"] for u in self.users if u.get("active", True)), 0)

    def pipeline(self, pipeline_id: int | None) -> dict[str, Any] | None:
        if pipeline_id is None:
            return next((p for p in self.pipelines if p.get("is_main")), self.pipelines[0])
        return next((p for p in self.pipelines if p["id"] == pipeline_id), None)

    def status_allowed(self, pipeline_id: int | None, status_id: int) -> bool:
        """142/143 are shared by every pipeline (amocrm.md Part 3); other stages belong to one pipeline."""
        p = self.pipeline(pipeline_id)
        return p is not None and (status_id in SYSTEM_STATUSES or any(s["id"] == status_id for s in p["statuses"]))

    def default_status(self, pipeline_id: int | None) -> int:
        """First stage that is neither "unsorted" (type 1) nor 142/143 (amocrm.md checklist 6, unconfirmed)."""
        p = self.pipeline(pipeline_id) or self.pipelines[0]
        normal = [
            s["id"] for s in p["statuses"] if s.get("type", 0) != UNSORTED_TYPE and s["id"] not in SYSTEM_STATUSES
        ]
        return int((normal or [p["statuses"][0]["id"]])[0])

    # account setup (POST custom_fields / statuses, PATCH custom_fields) -----------------------------------

    def add_field(self, entity: str, item: dict[str, Any]) -> Field:
        """A new custom field from a validated POST item: fresh field and enum ids, listed by GET at once."""
        fid = 1 + max((f.id for fs in self.fields.values() for f in fs), default=_FIRST_FREE_FIELD_ID - 1)
        sort = item.get("sort", 10 + max((f.sort for f in self.fields[entity]), default=0))
        raw = {k: item[k] for k in ("name", "type", "code", "is_api_only", "required_statuses") if item.get(k)}
        raw.update(name=item["name"].strip(), id=fid)
        new = Field(fid, entity, raw["name"], item["type"], item.get("code"), (), sort, raw)
        new = replace(new, enums=self._new_enums(new, item.get("enums")))
        self.fields[entity].append(new)
        return new

    def update_field(self, entity: str, item: dict[str, Any]) -> Field:
        """PATCH one validated field: name, sort, is_api_only, required_statuses and enums (given = the list)."""
        old = self.field(entity, field_id=item["id"])
        assert old is not None  # validated
        raw = {**old.raw, **{k: item[k] for k in ("is_api_only", "required_statuses") if k in item}}
        name = item["name"].strip() if isinstance(item.get("name"), str) else old.name
        new = replace(old, name=name, sort=item.get("sort", old.sort), raw={**raw, "name": name})
        if "enums" in item:
            new = replace(new, enums=self._new_enums(old, item["enums"]))
        self.fields[entity][self.fields[entity].index(old)] = new
        return new

    def _new_enums(self, f: Field, given: list[dict[str, Any]] | None) -> tuple[Enum, ...]:
        """Enums as given: one with a known `id` keeps it, one without gets a new id (the developer docs:
        a PATCH that leaves out an enum's id replaces that enum)."""
        if not given or f.type not in LIST_TYPES:
            return ()
        top = max((e.id for fs in self.fields.values() for x in fs for e in x.enums), default=_FIRST_FREE_ENUM_ID - 1)
        fresh = itertools.count(top + 1)
        return tuple(
            Enum(e["id"] if f.enum_by_id(e.get("id") or 0) else next(fresh), str(e["value"]).strip(),
                 e.get("code"), e.get("sort", (k + 1) * 10))
            for k, e in enumerate(given)
        )  # fmt: skip

    def add_status(self, pipeline: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
        """A new stage; without a `sort` it goes after the last working stage, before 142/143."""
        _materialise_sorts(pipeline["statuses"])
        top = max((s["id"] for p in self.pipelines for s in p["statuses"] if s["id"] not in SYSTEM_STATUSES),
                  default=0)  # fmt: skip
        working = [s["sort"] for s in pipeline["statuses"] if s["id"] not in SYSTEM_STATUSES]
        status = {"id": top + 1, "name": item["name"].strip(), "sort": item.get("sort", max(working, default=0) + 10)}
        if item.get("color"):
            status["color"] = item["color"]
        pipeline["statuses"].append(status)
        pipeline["statuses"].sort(key=lambda s: s["sort"])
        return status

    # GET shapes ---------------------------------------------------------------------------------------------

    def account_json(self, base: str, with_: set[str]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "name": self.name, "subdomain": self.subdomain, "created_at": 0, "created_by": 0,
            "updated_at": 0, "updated_by": 0, "current_user_id": self.current_user_id, "country": self.country,
            "currency": self.currency, "currency_symbol": _SYMBOLS.get(self.currency, self.currency),
            "customers_mode": "disabled", "is_unsorted_on": True, "is_loss_reason_enabled": False,
            "is_helpbot_enabled": False, "is_technical_account": False, "contact_name_display_order": 1,
            "_links": {"self": {"href": f"{base}/api/v4/account"}},
        }  # fmt: skip
        embedded: dict[str, Any] = {}
        if "users_groups" in with_:
            embedded["users_groups"] = [dict(g) for g in self.groups]
        if "datetime_settings" in with_:
            embedded["datetime_settings"] = {
                "date_pattern": "d.m.Y H:i", "short_date_pattern": "d.m.Y", "short_time_pattern": "H:i",
                "date_format": "d.m.Y", "time_format": "H:i:s", "timezone": self.timezone,
            }  # fmt: skip
        if embedded:
            out["_embedded"] = embedded
        return out

    def user_json(self, u: dict[str, Any], base: str) -> dict[str, Any]:
        full = {k: "A" for k in ("view", "edit", "add", "delete", "export")}
        admin = (u["id"] == self.current_user_id and self.token_is_admin) or bool(u.get("is_admin"))
        given = u.get("rights") or {}  # a user added through POST /users keeps the rights it was given
        rights = {
            "leads": full, "contacts": full, "companies": full, "tasks": {"edit": "A", "delete": "A"},
            "mail_access": True, "catalog_access": True, "status_rights": [],
            **{k: v for k, v in given.items() if k in ("leads", "contacts", "companies", "tasks", "mail_access",
                                                        "catalog_access", "status_rights")},
            "is_admin": admin, "is_free": False, "is_active": u.get("active", True),
            "group_id": u.get("group_id"), "role_id": u.get("role_id"),
        }  # fmt: skip
        return {"id": u["id"], "name": u["name"], "email": u.get("email"), "lang": "ru", "rights": rights,
                "_links": {"self": {"href": f"{base}/api/v4/users/{u['id']}"}}}  # fmt: skip

    def pipeline_json(self, p: dict[str, Any], base: str) -> dict[str, Any]:
        href = f"{base}/api/v4/leads/pipelines/{p['id']}"
        statuses = [self._status_json(p["id"], i, s, href) for i, s in enumerate(p["statuses"])]
        return {
            "id": p["id"], "name": p["name"], "sort": p.get("sort", 1), "is_main": bool(p.get("is_main")),
            "is_unsorted_on": True, "is_archive": False, "account_id": self.id,
            "_links": {"self": {"href": href}}, "_embedded": {"statuses": statuses},
        }  # fmt: skip

    def status_json(self, pipeline_id: int, s: dict[str, Any], base: str) -> dict[str, Any]:
        """One stage as GET (and POST .../statuses) shows it."""
        p = self.pipeline(pipeline_id) or {"statuses": [s]}
        i = next((k for k, x in enumerate(p["statuses"]) if x["id"] == s["id"]), 0)
        return self._status_json(pipeline_id, i, s, f"{base}/api/v4/leads/pipelines/{pipeline_id}")

    def _status_json(self, pipeline_id: int, i: int, s: dict[str, Any], href: str) -> dict[str, Any]:
        editable = s.get("type", 0) != UNSORTED_TYPE and s["id"] not in SYSTEM_STATUSES
        return {
            "id": s["id"], "name": s["name"], "sort": s.get("sort", (i + 1) * 10), "is_editable": editable,
            "pipeline_id": pipeline_id, "color": s.get("color", "#99ccff"), "type": s.get("type", 0),
            "account_id": self.id,
            "_links": {"self": {"href": f"{href}/statuses/{s['id']}"}},
        }  # fmt: skip

    def field_json(self, f: Field, base: str) -> dict[str, Any]:
        enums = [{"id": e.id, "value": e.value, "sort": e.sort} for e in f.enums] or None
        return {
            "id": f.id, "name": f.name, "type": f.type, "account_id": self.id, "code": f.code, "sort": f.sort,
            "is_api_only": bool(f.raw.get("is_api_only")), "enums": enums, "group_id": None,
            "required_statuses": list(f.raw.get("required_statuses") or []),
            "is_deletable": f.code not in PREDEFINED_CODES, "is_predefined": f.code in PREDEFINED_CODES,
            "entity_type": f.entity, "remind": None, "settings": None,
            "_links": {"self": {"href": f"{base}/api/v4/{f.entity}/custom_fields/{f.id}"}},
        }  # fmt: skip


def _materialise_sorts(statuses: list[dict[str, Any]]) -> None:
    """Give every stage the sort GET shows for it, and 142/143 the service's 10000/11000 if they had none,
    so a stage added later sorts between the working stages and the closed ones."""
    for i, s in enumerate(statuses):
        s.setdefault("sort", {142: 10000, 143: 11000}.get(s["id"], (i + 1) * 10))


def _build_fields(schema: AccountSchema) -> dict[str, list[Field]]:
    """Give every field and enum an id (keeping the schema's), so a hand-written schema serves like a pulled one."""
    used = {f["id"] for e in ENTITIES for f in schema.fields(e) if "id" in f}
    free_ids = (i for i in itertools.count(_FIRST_FREE_FIELD_ID) if i not in used)
    free_enum_ids = itertools.count(_FIRST_FREE_ENUM_ID)
    out: dict[str, list[Field]] = {}
    for entity in ENTITIES:
        out[entity] = []
        for n, raw in enumerate(schema.fields(entity)):
            coded = raw["type"] in CODED_ENUM_TYPES
            enums = tuple(
                Enum(e.get("id") or next(free_enum_ids), e["value"], e.get("code") or (e["value"] if coded else None),
                     e.get("sort", (k + 1) * 10))
                for k, e in enumerate(raw.get("enums") or [])
            )  # fmt: skip
            fid = raw.get("id") or next(free_ids)
            out[entity].append(Field(fid, entity, raw["name"], raw["type"], raw.get("code"), enums,
                                     raw.get("sort", (n + 1) * 10), raw))  # fmt: skip
    return out
