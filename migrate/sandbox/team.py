"""Users and roles in the sandbox: `GET/POST /api/v4/users`, `GET /api/v4/users/{id}`, `GET/POST
/api/v4/roles`, `GET /api/v4/roles/{id}`, as the AmoCRM/Kommo API v4 reference describes them.

What the reference says and the sandbox enforces (developers.kommo.com/reference/add-users, /adding-roles,
/users-and-roles, checked with the search tool):
- every one of these methods is for administrators only → 403 for a token whose user is not one
  (`Sandbox(admin=False)`, `amomigrate sandbox --non-admin`);
- `POST /users` adds at most 10 users per request, and "becomes unavailable if the number of users exceed
  100" (`Sandbox(user_limit=…)`);
- rights letters A (all) / G (group) / M (own) / D (denied) per entity action view, edit, add, delete,
  export; tasks edit, delete; "add" and every stage right only A or D; administrator and free user are
  the flags rights.is_admin / rights.is_free, not roles;
- `status_rights` items are `{"entity_type": "leads", "pipeline_id", "status_id", "rights": {"view",
  "edit", "delete", "export"}}`.
Secondary (a third-party copy of the add-users page): name required, at most 50 characters, no special
symbols except `. @ - _`; e-mail required; password required, ≥ 6 characters with a digit, an upper- and
a lower-case letter; lang one of ru, en, es, pt.
Unconfirmed, chosen strictly so a client must cope: the status of the user-limit refusal (403 here), the
status of an 11-user request (422 "Limit 10 per request", like other limits), the error codes
("NotBlank", "NotUnique", "Length"), that e-mails are unique account-wide, the roles-per-request limit (50),
and the shape of `with=role,group` (`_embedded.roles` / `_embedded.groups` on each user). There is no
endpoint to create a user group; groups are read from `GET /account?with=users_groups`.
"""

from __future__ import annotations

import itertools
import json
import re
from types import SimpleNamespace
from typing import Any

from .account import SandboxAccount
from .rules import Error, choice, invalid_type, is_int

MAX_USERS_PER_REQUEST, MAX_ROLES_PER_REQUEST, USER_LIMIT = 10, 50, 100
LETTERS, ALL_OR_NOTHING = ("A", "G", "M", "D"), ("A", "D")
ENTITY_ACTIONS = ("view", "edit", "add", "delete", "export")
STAGE_ACTIONS = ("view", "edit", "delete", "export")
LANGS = ("ru", "en", "es", "pt")
_NAME_OK = re.compile(r"^[\w\s.@\-]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_FIRST_USER_ID, _FIRST_ROLE_ID = 9_000_001, 700_001


def _error(code: str, path: str, detail: str) -> Error:
    return {"code": code, "path": path, "detail": detail}


def _blank(path: str) -> Error:
    return _error("NotBlank", path, "This value should not be blank.")


def check_rights(rights: Any, path: str, *, stages_only: bool = False) -> list[Error]:
    """Letters of `rights.{leads,contacts,companies,tasks}` (the API's own dependencies beyond the letters
    are not emulated); flags must be booleans."""
    if rights is None:
        return []
    if not isinstance(rights, dict):
        return [invalid_type(path, dict)]
    errors: list[Error] = []
    for entity in ("leads", "contacts", "companies", "tasks"):
        spec = rights.get(entity)
        if spec is None:
            continue
        if not isinstance(spec, dict):
            errors.append(invalid_type(f"{path}.{entity}", dict))
            continue
        actions = ("edit", "delete") if entity == "tasks" else ENTITY_ACTIONS
        for action, value in spec.items():
            allowed = ALL_OR_NOTHING if action == "add" else LETTERS
            if action not in actions or value not in allowed:
                errors.append(choice(f"{path}.{entity}.{action}"))
    for flag in ("mail_access", "catalog_access", "is_admin", "is_free"):
        if flag in rights and not isinstance(rights[flag], bool):
            errors.append(invalid_type(f"{path}.{flag}", bool))
    return errors


class SandboxTeam:
    """The account's users (shared with `SandboxAccount.users`), its roles and groups, and the handlers."""

    def __init__(self, account: SandboxAccount, http: SimpleNamespace) -> None:
        """`http`: the Api's `page`, `write`, `respond(status, body)` and `problem(status, detail)` — passed
        in, so this module needs nothing from api.py (which routes here)."""
        self.account, self.http = account, http
        self.user_limit = USER_LIMIT
        self.roles: list[dict[str, Any]] = []
        self._role_ids = itertools.count(_FIRST_ROLE_ID)

    @property
    def admin(self) -> bool:
        return self.account.token_is_admin

    def _refused(self) -> Any:
        return None if self.admin else self.http.problem(403, "Access denied: the method is for administrators only")

    # users ----------------------------------------------------------------------------------------------------

    def user_json(self, u: dict[str, Any], base: str, with_: set[str]) -> dict[str, Any]:
        out = self.account.user_json(u, base)
        embedded: dict[str, Any] = {}
        if "role" in with_:
            role = self.role(u.get("role_id"))
            embedded["roles"] = [{"id": role["id"], "name": role["name"],
                                  "_links": {"self": {"href": f"{base}/api/v4/roles/{role['id']}"}}}] if role else []
        if "group" in with_:
            group = next((g for g in self.account.groups if g["id"] == (u.get("group_id") or 0)), None)
            embedded["groups"] = [{"id": group["id"], "name": group["name"]}] if group else []
        if embedded:
            out["_embedded"] = embedded
        return out

    def get_users(self, req: Any) -> Any:
        refused = self._refused()
        if refused is not None:
            return refused
        with_ = req.with_()
        return self.http.page(req, list(self.account.users), "users", lambda u: self.user_json(u, req.base, with_),
                              counted=True)  # fmt: skip

    def get_user(self, req: Any, id: int) -> Any:
        refused = self._refused()
        if refused is not None:
            return refused
        user = next((u for u in self.account.users if u["id"] == id), None)
        return self.http.respond(200, self.user_json(user, req.base, req.with_())) if user else self.http.respond(204)

    def post_users(self, req: Any) -> Any:
        refused = self._refused()
        if refused is not None:
            return refused
        try:
            count = len(json.loads(req.body)) if req.body.strip().startswith(b"[") else 0
        except ValueError:
            count = 0
        if count and len(self.account.users) + min(count, MAX_USERS_PER_REQUEST) > self.user_limit:
            return self.http.problem(403, f"Adding users is unavailable: the account would have more than "
                                          f"{self.user_limit} users")  # fmt: skip
        seen: set[str] = set()
        done = self.http.write(req, lambda it: self._check_user(it, seen), self._add_user, MAX_USERS_PER_REQUEST)
        if not isinstance(done, list):
            return done
        made = [{**self.user_json(u, req.base, set()), "request_id": rid} for u, rid in done]
        return self.http.respond(200, {"_total_items": len(made), "_embedded": {"users": made}})

    def _check_user(self, item: Any, seen: set[str]) -> list[Error]:
        if not isinstance(item, dict):
            return [invalid_type("0", dict)]
        errors: list[Error] = []
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            errors.append(_blank("name"))
        elif len(name) > 50 or not _NAME_OK.match(name):
            errors.append(_error("Length" if len(name) > 50 else "InvalidName", "name",
                                 "At most 50 characters, no special symbols except . @ - _"))  # fmt: skip
        email = item.get("email")
        if not isinstance(email, str) or not email.strip():
            errors.append(_blank("email"))
        elif not _EMAIL.match(email.strip()):
            errors.append(_error("InvalidEmail", "email", "This value is not a valid email address."))
        else:
            key = email.strip().casefold()
            if key in seen or any((u.get("email") or "").casefold() == key for u in self.account.users):
                errors.append(_error("NotUnique", "email", "A user with this e-mail already exists."))
            seen.add(key)
        password = item.get("password")
        if not isinstance(password, str) or not password:
            errors.append(_blank("password"))
        elif len(password) < 6 or not all(re.search(p, password) for p in (r"\d", r"[a-zа-яё]", r"[A-ZА-ЯЁ]")):
            errors.append(_error("InvalidPassword", "password",
                                 "At least 6 characters with a digit, an upper- and a lower-case letter."))  # fmt: skip
        if "lang" in item and item["lang"] not in LANGS:
            errors.append(choice("lang"))
        rights = item.get("rights")
        errors += check_rights(rights, "rights")
        if isinstance(rights, dict):
            if rights.get("role_id") is not None and self.role(rights["role_id"]) is None:
                errors.append(choice("rights.role_id"))
            group = rights.get("group_id")
            if group is not None and not any(g["id"] == group for g in self.account.groups):
                errors.append(choice("rights.group_id"))
        return errors

    def _add_user(self, item: dict[str, Any]) -> dict[str, Any]:
        rights = item.get("rights") or {}
        top = max((u["id"] for u in self.account.users), default=_FIRST_USER_ID - 1)
        user = {"id": max(top + 1, _FIRST_USER_ID), "name": item["name"].strip(), "email": item["email"].strip(),
                "active": True, "role_id": rights.get("role_id"), "group_id": rights.get("group_id"),
                "is_admin": bool(rights.get("is_admin")), "rights": rights}  # fmt: skip
        self.account.users.append(user)  # the password is checked, never kept
        return user

    # roles ----------------------------------------------------------------------------------------------------

    def role(self, role_id: Any) -> dict[str, Any] | None:
        return next((r for r in self.roles if r["id"] == role_id), None) if is_int(role_id) else None

    def role_json(self, r: dict[str, Any], base: str) -> dict[str, Any]:
        users = [u["id"] for u in self.account.users if u.get("role_id") == r["id"]]
        return {"id": r["id"], "name": r["name"], "rights": r["rights"],
                "_links": {"self": {"href": f"{base}/api/v4/roles/{r['id']}"}},
                "_embedded": {"users": users}}  # fmt: skip

    def get_roles(self, req: Any) -> Any:
        refused = self._refused()
        return refused or self.http.page(req, list(self.roles), "roles", lambda r: self.role_json(r, req.base))

    def get_role(self, req: Any, id: int) -> Any:
        refused, role = self._refused(), self.role(id)
        if refused is not None:
            return refused
        return self.http.respond(200, self.role_json(role, req.base)) if role else self.http.respond(204)

    def post_roles(self, req: Any) -> Any:
        refused = self._refused()
        if refused is not None:
            return refused
        seen: set[str] = set()
        done = self.http.write(req, lambda it: self._check_role(it, seen), self._add_role, MAX_ROLES_PER_REQUEST)
        if not isinstance(done, list):
            return done
        made = [{**self.role_json(r, req.base), "request_id": rid} for r, rid in done]
        return self.http.respond(200, {"_total_items": len(made), "_embedded": {"roles": made}})

    def _check_role(self, item: Any, seen: set[str]) -> list[Error]:
        if not isinstance(item, dict):
            return [invalid_type("0", dict)]
        errors: list[Error] = []
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            errors.append(_blank("name"))
        else:
            key = name.strip().casefold()
            if key in seen or any(r["name"].casefold() == key for r in self.roles):
                errors.append(_error("NotUnique", "name", "A role with this name already exists."))
            seen.add(key)
        rights = item.get("rights")
        if not isinstance(rights, dict):
            return errors + [invalid_type("rights", dict)]
        errors += check_rights(rights, "rights")
        for i, sr in enumerate(rights.get("status_rights") or []):
            errors += self._check_stage_right(sr, f"rights.status_rights.{i}")
        return errors

    def _check_stage_right(self, sr: Any, path: str) -> list[Error]:
        if not isinstance(sr, dict):
            return [invalid_type(path, dict)]
        errors = [] if sr.get("entity_type") == "leads" else [choice(f"{path}.entity_type")]
        pid, sid = sr.get("pipeline_id"), sr.get("status_id")
        if not (is_int(pid) and self.account.pipeline(pid) is not None):
            errors.append(choice(f"{path}.pipeline_id"))
        elif not (is_int(sid) and self.account.status_allowed(pid, sid)):
            errors.append(choice(f"{path}.status_id"))
        rights = sr.get("rights")
        if not isinstance(rights, dict):
            return errors + [invalid_type(f"{path}.rights", dict)]
        errors += [choice(f"{path}.rights.{a}") for a, v in rights.items()
                   if a not in STAGE_ACTIONS or v not in ALL_OR_NOTHING]  # fmt: skip
        return errors

    def _add_role(self, item: dict[str, Any]) -> dict[str, Any]:
        rights = dict(item["rights"])
        rights.setdefault("status_rights", [])
        role = {"id": next(self._role_ids), "name": item["name"].strip(), "rights": rights}
        self.roles.append(role)
        return role
