"""`schema pull`: read a live account into the account-schema contract (DESIGN.md, "Account schema").

Why: the bundled default account knows no users, no custom fields and no real stage ids, so owners cannot
be checked and the upload cannot resolve ids. A pulled schema has them, and validates a file exactly like a
hand-written one, because it is the same JSON shape checked by the same `validate_schema_data`.

Names are kept as the account has them, because a header is a name: the won/lost stages (142/143), the
unsorted stage and the predefined fields (PHONE, EMAIL, …) always keep theirs, and a regular stage or a
custom field that clashes with one of them is the one renamed `'<name> (id N)'`, with a warning. Two
*custom* fields with one name are kept as they are: the schema then calls their header ambiguous and a
profile names each by id, `<name> (id N)` (`core/schema.py`).

Reads (GET only): `/account` (with the timezone, which dates need), `/users` (admin only: on 403 the schema
gets no users and a warning says so), `/leads/pipelines`, and every page of `/{entity}/custom_fields`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core.schema import ENTITIES, SYSTEM_STATUSES, validate_schema_data
from .client import AmoClient, Forbidden

#: field types the account-schema contract knows (migrate/data/account.schema.json)
KNOWN_TYPES = frozenset(
    "text numeric textarea select multiselect radiobutton checkbox date date_time birthday url price "
    "streetaddress smart_address legal_entity multitext monetary category items tracking_data chained_list "
    "linked_entity file payer supplier org_legal_name".split()
)
UNSORTED = 1
#: the documented size of a custom-fields page (amocrm.md §2.2), although `limit` may go to 250
FIELDS_PAGE = 50

Warn = Callable[[str], None]


def pull_schema(client: AmoClient, *, warn: Warn | None = None) -> dict[str, Any]:
    """The account as account-schema JSON (validated). Raises SchemaError if the result would not load."""
    warn = warn or (lambda msg: None)
    account = client.get("/api/v4/account", {"with": "datetime_settings"}) or {}
    data: dict[str, Any] = {
        "version": 1,
        "account": _account(account),
        "users": _users(client, warn),
        "pipelines": _pipelines(client, warn),
        "fields": {e: _fields(client, e, warn) for e in ENTITIES},
    }
    _drop_dangling_requirements(data, warn)
    validate_schema_data(data, f"pulled from {client.base_url}")
    return data


def _account(a: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"subdomain": a.get("subdomain")}
    for key in ("currency", "country"):
        if isinstance(a.get(key), str) and a[key]:
            out[key] = a[key].upper()
    if a.get("name"):
        out["name"] = a["name"]
    if isinstance(a.get("id"), int):
        out["id"] = a["id"]
    tz = ((a.get("_embedded") or {}).get("datetime_settings") or {}).get("timezone") or a.get("timezone")
    if tz:
        out["timezone"] = tz
    return out


def _users(client: AmoClient, warn: Warn) -> list[dict[str, Any]]:
    try:
        raw = list(client.pages("/api/v4/users", "users"))
    except Forbidden:
        warn(
            "The token's user is not an account administrator, so AmoCRM does not list the users (403): the "
            "schema has no users and owners cannot be checked or resolved. Pull again with an admin's token."
        )
        return []
    users = []
    for u in raw:
        rights = u.get("rights") or {}
        users.append({"id": u["id"], "name": (u.get("name") or "").strip() or f"user {u['id']}",
                      "email": u.get("email"), "active": bool(rights.get("is_active", True))})  # fmt: skip
    return users


def _pipelines(client: AmoClient, warn: Warn) -> list[dict[str, Any]]:
    data = client.get("/api/v4/leads/pipelines") or {}
    out = []
    for p in (data.get("_embedded") or {}).get("pipelines") or []:
        if p.get("is_archive"):
            warn(f"Pipeline {p.get('name')!r} is archived and left out: leads cannot be put in it.")
            continue
        statuses = []
        for s in sorted((p.get("_embedded") or {}).get("statuses") or [], key=lambda s: s.get("sort", 0)):
            st: dict[str, Any] = {"id": s["id"], "name": s["name"]}
            if s.get("type"):
                st["type"] = int(s["type"])
            if isinstance(s.get("sort"), int):
                st["sort"] = s["sort"]
            statuses.append(st)
        _unique_names(statuses, f"pipeline {p['name']!r}", warn,
                      keep=lambda s: s["id"] in SYSTEM_STATUSES or s.get("type") == UNSORTED)  # fmt: skip
        out.append({"id": p["id"], "name": p["name"], "is_main": bool(p.get("is_main")), "statuses": statuses})
    return out


def _fields(client: AmoClient, entity: str, warn: Warn) -> list[dict[str, Any]]:
    out = []
    for f in client.pages(f"/api/v4/{entity}/custom_fields", "custom_fields", limit=FIELDS_PAGE):
        if f.get("type") not in KNOWN_TYPES:
            warn(f"{entity} field {f.get('name')!r} has type {f.get('type')!r}, which amomigrate does not know; "
                 "it is left out.")  # fmt: skip
            continue
        field: dict[str, Any] = {"name": f["name"], "id": f["id"], "code": f.get("code"), "type": f["type"]}
        if f.get("enums"):
            enums = sorted(f["enums"], key=lambda e: e.get("sort", 0))
            field["enums"] = [{"id": e["id"], "value": str(e["value"]), **_sort(e)} for e in enums]
        if f.get("required_statuses"):
            field["required_statuses"] = [
                {"pipeline_id": r["pipeline_id"], "status_id": r["status_id"]} for r in f["required_statuses"]
            ]
        if f.get("is_api_only"):
            field["is_api_only"] = True
        out.append(field)
    _unique_names(out, f"{entity} fields", warn, keep=lambda f: bool(f.get("code")), custom_twins=True)
    return out


def _sort(e: dict[str, Any]) -> dict[str, int]:
    return {"sort": e["sort"]} if isinstance(e.get("sort"), int) else {}


def _unique_names(items: list[dict[str, Any]], where: str, warn: Warn, keep: Callable[[dict[str, Any]], bool],
                  custom_twins: bool = False) -> None:  # fmt: skip
    """Two stages (or fields) with one name: the system one (`keep`) keeps it, the other is renamed
    `'<name> (id N)'`; between two regular ones the later is renamed. `custom_twins`: two regular fields
    keep their shared name (an ambiguous header the profile resolves by id) with a warning saying how."""
    kept = {item["name"] for item in items if keep(item)}
    seen: set[str] = set()
    twins: dict[str, list[int]] = {}
    for item in items:
        name = item["name"]
        if keep(item):
            continue
        if name in kept or (name in seen and not custom_twins):
            new = f"{name} (id {item['id']})"
            why = "the system one keeps the name" if name in kept else "the first one keeps the name"
            warn(f"{where}: the name {name!r} is used twice; the one with id {item['id']} is called {new!r} here "
                 f"({why}). Rename one in the account to choose.")  # fmt: skip
            item["name"] = new
        elif name in seen:
            twins.setdefault(name, []).append(item["id"])
        seen.add(item["name"])
    for name, ids in twins.items():
        first = next(i["id"] for i in items if i["name"] == name)
        example = f"{name} (id {first})"
        warn(f"{where}: {len(ids) + 1} fields are named {name!r} (ids {', '.join(map(str, [first, *ids]))}). A "
             f"profile names the one it means as {example!r}; the import file cannot tell them apart, so rename "
             "one in the account if you import through the file.")  # fmt: skip


def _drop_dangling_requirements(data: dict[str, Any], warn: Warn) -> None:
    """A field required at a stage of an archived (left-out) pipeline: that requirement cannot apply."""
    stages = {(p["id"], s["id"]) for p in data["pipelines"] for s in p["statuses"]}
    for entity, fields in data["fields"].items():
        for f in fields:
            req = f.get("required_statuses")
            if req:
                kept = [r for r in req if (r["pipeline_id"], r["status_id"]) in stages]
                if len(kept) < len(req):
                    warn(f"{entity} field {f['name']!r}: requirements at stages of left-out pipelines dropped.")
                f["required_statuses"] = kept
