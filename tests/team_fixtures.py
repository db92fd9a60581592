"""Source files for the team tests, written in the shapes the real systems give (built here, not committed).

Bitrix24: a `crm.deal.list` REST dump whose owners are user IDs, and a `user.get` + `department.get` dump
(shared/sources.md §2). Megaplan: a `contractorHuman` API v3 dump whose responsibles are employees, and an
`/api/v3/employee` list (§3.2). Both: two departments, one person who left but owns records, a position
that maps to a role («Руководитель отдела …» → Руководитель, «Ассистент …» → Ассистент).
"""

from __future__ import annotations

import json
from pathlib import Path

#: (ID, first name, last name, e-mail, active, department ID, position)
STAFF = [
    ("101", "Вера", "Лаптева", "vera.lapteva@example.ru", True, 5, "Руководитель отдела продаж"),
    ("102", "Глеб", "Носов", "gleb.nosov@example.ru", True, 5, "Менеджер по продажам"),
    ("103", "Тимур", "Сафин", "timur.safin@example.ru", True, 8, "Менеджер сервиса"),
    ("104", "Нина", "Руднева", "nina.rudneva@example.ru", False, 8, "Менеджер сервиса"),
    ("105", "Оскар", "Юдин", "oskar.yudin@example.ru", True, 8, "Ассистент"),
]
DEPARTMENTS = {5: "Продажи", 8: "Сервис"}
#: deals owned per source user ID (Нина Руднева, who left, still owns 4)
OWNED = {"101": 3, "102": 5, "103": 6, "104": 4}
EXISTING = {"id": 9100001, "name": "Вера Лаптева", "email": "vera.lapteva@example.ru", "active": True}


def account(tmp: Path, users: list[dict] | None = None) -> Path:
    """An account schema with one user (the head of sales, by the same e-mail) and the default pipeline."""
    from migrate.core.schema import load_schema

    data = json.loads(load_schema(None).to_json())
    data["users"] = [EXISTING] if users is None else users
    path = tmp / "account.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def bitrix_deals(tmp: Path) -> Path:
    deals = []
    for owner, n in OWNED.items():
        for k in range(n):
            deals.append({"ID": str(500 + len(deals)), "TITLE": f"Сделка {owner}-{k}", "STAGE_ID": "NEW",
                          "CATEGORY_ID": "0", "OPPORTUNITY": "1000.00", "CURRENCY_ID": "RUB",
                          "ASSIGNED_BY_ID": owner, "DATE_CREATE": "2024-03-12T10:09:48+03:00"})  # fmt: skip
    path = tmp / "deals.json"
    path.write_text(json.dumps([{"result": deals, "total": len(deals)}], ensure_ascii=False), encoding="utf-8")
    return path


def bitrix_users(tmp: Path) -> Path:
    users = [{"ID": uid, "ACTIVE": active, "NAME": first, "LAST_NAME": last, "SECOND_NAME": "", "EMAIL": email,
              "WORK_POSITION": position, "UF_DEPARTMENT": [dep], "USER_TYPE": "employee", "IS_ONLINE": "N"}
             for uid, first, last, email, active, dep, position in STAFF]  # fmt: skip
    departments = [{"ID": str(k), "NAME": v, "SORT": 500, "PARENT": "1", "UF_HEAD": "101"}
                   for k, v in DEPARTMENTS.items()]  # fmt: skip
    path = tmp / "users.json"
    pages = [{"result": users, "total": len(users)}, {"result": departments, "total": len(departments)}]
    path.write_text(json.dumps(pages, ensure_ascii=False), encoding="utf-8")
    return path


def megaplan_clients(tmp: Path) -> Path:
    records = []
    for uid, first, last, *_ in STAFF:
        for k in range(OWNED.get(uid, 0)):
            records.append({
                "contentType": "ContractorHuman", "id": str(7000 + len(records)), "firstName": f"Клиент{k}",
                "lastName": f"Фамилия{len(records)}", "name": f"Фамилия{len(records)} Клиент{k}",
                "responsibles": [{"contentType": "Employee", "id": str(1000000 + int(uid)), "name": f"{last} {first}"}],
                "contactInfo": [{"contentType": "ContactInfo", "type": "phone", "value": f"+7 916 000-0{k}-{k}1"}],
            })  # fmt: skip
    path = tmp / "clients.json"
    path.write_text(json.dumps({"meta": {"status": 200, "errors": []}, "data": records}, ensure_ascii=False),
                    encoding="utf-8")  # fmt: skip
    return path


def megaplan_employees(tmp: Path) -> Path:
    data = []
    for uid, first, last, email, active, dep, position in STAFF:
        emp = {"contentType": "Employee", "id": str(1000000 + int(uid)), "firstName": first, "lastName": last,
               "middleName": "", "name": f"{last} {first}", "position": position,
               "department": {"contentType": "Department", "id": str(dep), "name": DEPARTMENTS[dep]},
               "contactInfo": [{"contentType": "ContactInfo", "type": "email", "value": email, "isMain": True}],
               "isWorking": active}  # fmt: skip
        if not active:
            emp["fireDay"] = {"contentType": "DateOnly", "value": "2024-06-30"}
        data.append(emp)
    path = tmp / "employees.json"
    path.write_text(json.dumps({"meta": {"status": 200, "errors": [], "pagination": {"count": len(data)}},
                                "data": data}, ensure_ascii=False), encoding="utf-8")  # fmt: skip
    return path
