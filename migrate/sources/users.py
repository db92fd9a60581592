"""The source system's employees (`plan … --users FILE`): a Bitrix24 `user.get` dump, a Megaplan API v3
employee list, or a plain sheet (CSV/xlsx) — each read into `SourceUser`s.

Why a reader of its own: the record readers (bitrix24.py, megaplan.py) turn CRM records into a table to
import; employees are not imported, they decide who the team is, who left, and which role each gets.

Shapes relied on (shared/sources.md §2, §3.2; what is not confirmed there is marked ⚠ and read leniently):
- Bitrix24 `user.get`: `{"result": [{"ID": "15", "ACTIVE": true, "NAME", "LAST_NAME", "SECOND_NAME",
  "EMAIL", "UF_DEPARTMENT": [3], "WORK_POSITION"}], "total", "next"}` pages (or a list of them, or a bare
  list of users). `ACTIVE` is a JSON boolean in REST answers; "Y"/"N" and "true"/"false" are read too ⚠.
  `UF_DEPARTMENT` holds department *IDs*: their names come from `department.get` (`{"ID", "NAME",
  "PARENT", "UF_HEAD"}`) — pages of it may sit in the same file (a list of pages); without them the group is
  called "Отдел <ID>".
- Megaplan API v3 `GET /api/v3/employee`: `{"meta": …, "data": [{"contentType": "Employee", "id",
  "firstName", "middleName", "lastName", "name", "position", "department": {"contentType": "Department",
  "name"}, "contactInfo": [{"type": "email", "value"}], "isWorking", "fireDay"}]}` ⚠: the employee fields
  beyond names and contactInfo are not in our RAML excerpt; a dismissed employee is one with
  `isWorking: false`, a `fireDay`, or `status` "fired"/"dismissed".
- A sheet: one row per person; headers in Russian or English, any order (ФИО/Имя/name, E-mail/Почта,
  Отдел/Департамент/department, Должность/position, Роль/role; optional ID, Активен/active, Админ/admin).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..core.issues import SourceError
from ..core.people import SourceUser
from ..quality.fuzzy import normalise
from . import detect, read_table
from .megaplan_values import contact_value, items_of, name_of, text
from .records import load_json

_FALSE = {"n", "no", "false", "0", "нет", "неактивен", "уволен", "уволена", "off"}
_TRUE = {"y", "yes", "true", "1", "да", "активен", "on", "x", "+"}
#: sheet headers (folded) → SourceUser field
_SHEET_HEADERS = {
    "id": "id", "код": "id", "id пользователя": "id",
    "name": "name", "фио": "name", "имя": "name", "сотрудник": "name", "полное имя": "name", "full name": "name",
    "пользователь": "name",
    "email": "email", "e mail": "email", "почта": "email", "электронная почта": "email", "логин": "email",
    "department": "department", "отдел": "department", "департамент": "department", "подразделение": "department",
    "группа": "department", "group": "department",
    "position": "position", "должность": "position", "title": "position",
    "role": "role", "роль": "role",
    "active": "active", "активен": "active", "активность": "active", "статус": "active",
    "admin": "admin", "администратор": "admin", "админ": "admin",
}  # fmt: skip
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def read_users(path: str | Path) -> list[SourceUser]:
    """The employees in `path`, in file order; SourceError naming the file when it is none of the three."""
    path = Path(path)
    kind = detect(path) if path.exists() else "missing"
    if kind == "json":
        data = load_json(path)
        if _looks_like_megaplan(data):
            users = _megaplan(data)
        elif _looks_like_bitrix24(data):
            users = _bitrix24(data)
        else:
            raise SourceError(
                f"'{path}' holds JSON, but neither a Bitrix24 user.get dump ({{\"result\": [{{\"ID\", \"NAME\", "
                '"LAST_NAME", "EMAIL", "ACTIVE", ...}]}) nor a Megaplan API v3 employee list ({"data": '
                '[{"contentType": "Employee", ...}]}). Or give a sheet with name, e-mail, department, position.'
            )
    else:
        users = _sheet(path)  # read_table names the file in its own errors (missing, empty, binary)
    if not users:
        raise SourceError(f"'{path}' lists no employees.")
    return users


# --- Bitrix24 -----------------------------------------------------------------------------------------------


def _pages(data: Any) -> list[Any]:
    if isinstance(data, Mapping):
        return [data]
    return list(data) if isinstance(data, list) else []


def _items(data: Any) -> list[Mapping[str, Any]]:
    """The records of every page: `{"result": [...]}` pages, or records straight in the list."""
    out: list[Mapping[str, Any]] = []
    for page in _pages(data):
        if isinstance(page, Mapping) and isinstance(page.get("result"), list):
            out += [r for r in page["result"] if isinstance(r, Mapping)]
        elif isinstance(page, Mapping):
            out.append(page)
    return out


def _is_department(r: Mapping[str, Any]) -> bool:
    return "NAME" in r and "LAST_NAME" not in r and "EMAIL" not in r and ("PARENT" in r or "UF_HEAD" in r)


def _looks_like_bitrix24(data: Any) -> bool:
    return any("LAST_NAME" in r or "UF_DEPARTMENT" in r for r in _items(data) if not _is_department(r))


def _flag(value: Any, default: bool = True) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value if value is not None else "").strip().casefold()
    if word in _FALSE:
        return False
    if word in _TRUE:
        return True
    return default


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value in (None, "") else [value]


def _bitrix24(data: Any) -> list[SourceUser]:
    records = _items(data)
    departments = {str(r.get("ID")): str(r.get("NAME") or "").strip() for r in records if _is_department(r)}
    users = []
    for r in (r for r in records if not _is_department(r)):
        name = " ".join(str(r.get(k) or "").strip() for k in ("NAME", "LAST_NAME") if str(r.get(k) or "").strip())
        ids = [str(d).strip() for d in _as_list(r.get("UF_DEPARTMENT")) if str(d).strip()]
        group = (departments.get(ids[0]) or f"Отдел {ids[0]}") if ids else ""
        users.append(SourceUser(id=str(r.get("ID") or "").strip(), name=name or str(r.get("EMAIL") or "").strip(),
                                email=str(r.get("EMAIL") or "").strip(), active=_flag(r.get("ACTIVE")),
                                department=group, position=str(r.get("WORK_POSITION") or "").strip()))  # fmt: skip
    return [u for u in users if u.name]


# --- Megaplan -----------------------------------------------------------------------------------------------


def _megaplan_items(data: Any) -> list[Mapping[str, Any]]:
    out: list[Mapping[str, Any]] = []
    for page in _pages(data):
        if isinstance(page, Mapping) and "data" in page:
            out += [r for r in items_of(page.get("data")) if isinstance(r, Mapping)]
        elif isinstance(page, Mapping):
            out.append(page)
    return out


def _looks_like_megaplan(data: Any) -> bool:
    items = _megaplan_items(data)
    return bool(items) and all(r.get("contentType") == "Employee" for r in items)


def _megaplan(data: Any) -> list[SourceUser]:
    users = []
    for r in _megaplan_items(data):
        emails = [contact_value(c) for c in items_of(r.get("contactInfo"))
                  if isinstance(c, Mapping) and text(c.get("type")).casefold() == "email"]  # fmt: skip
        first, last = text(r.get("firstName")).strip(), text(r.get("lastName")).strip()
        name = " ".join(p for p in (first, last) if p) or name_of(r)
        fired = (r.get("isWorking") is False or bool(name_of(r.get("fireDay")) if r.get("fireDay") else False)
                 or text(r.get("status")).casefold() in ("fired", "dismissed"))  # fmt: skip
        position = r.get("position")
        users.append(SourceUser(id=text(r.get("id")).strip(), name=name, email=next((e for e in emails if e), ""),
                                active=not fired, department=name_of(r.get("department")) if r.get("department")
                                else "", position=name_of(position) if isinstance(position, Mapping)
                                else text(position).strip()))  # fmt: skip
    return [u for u in users if u.name]


# --- a plain sheet ------------------------------------------------------------------------------------------


def _sheet(path: Path) -> list[SourceUser]:
    table = read_table(path)
    columns: dict[str, str] = {}
    for header in table.columns:
        key = _SHEET_HEADERS.get(normalise(header))
        if key and key not in columns.values():
            columns[header] = key
    if "name" not in columns.values() and "email" not in columns.values():
        raise SourceError(
            f"'{table.where()}': no column names the employee (expected a header such as ФИО, Имя or name, or "
            f"E-mail); the headers are {', '.join(map(repr, table.columns))}."
        )
    users = []
    for row, record in zip(table.frame.index, table.frame.to_dict("records"), strict=True):
        values = {key: str(record.get(header) or "").strip() for header, key in columns.items()}
        email = values.get("email", "")
        if email and not _EMAIL.match(email):
            raise SourceError(f"'{table.where()}' row {row}, column E-mail: {email!r} is not an e-mail address.")
        name = values.get("name") or email
        if not name:
            continue
        admin = values.get("admin", "")
        users.append(SourceUser(id=values.get("id", ""), name=" ".join(name.split()), email=email,
                                active=_flag(values.get("active", "")), department=values.get("department", ""),
                                position=values.get("position", ""), role=values.get("role", ""),
                                admin=_flag(admin, False) if admin else None))  # fmt: skip
    return users


def describe(users: Iterable[SourceUser]) -> str:
    """A one-line count for notes: '12 employees (2 inactive) in 3 departments'."""
    users = list(users)
    inactive = sum(not u.active for u in users)
    departments = len({u.department for u in users if u.department})
    return f"{len(users)} employees ({inactive} inactive) in {departments} departments"
