"""Generate the small whole Megaplan base in samples/megaplan/base/ (fixed data: identical bytes on a re-run).

Run: `python samples/megaplan/base/make_base.py`. The outputs are committed; tests never run this script.
Megaplan API v3 pages (`{"meta": ..., "data": [...]}`) of contractorCompany, contractorHuman, deal, and the
comments and tasks (their shapes are inferred, see migrate/sources/megaplan_activity.py). What is planted
is in README.md beside the files.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
EMPLOYEES = {"1000001": "Анна Смирнова", "1000002": "Игорь Петров", "1000003": "Ольга Кузнецова"}


def page(records: list[dict]) -> dict:
    return {"meta": {"status": 200, "errors": [], "pagination": {"count": len(records), "limit": 100}}, "data": records}


def employee(eid: str) -> dict:
    return {"contentType": "Employee", "id": eid, "name": EMPLOYEES[eid]}


def ref(kind: str, rid: str, name: str = "") -> dict:
    return {"contentType": kind, "id": rid, **({"name": name} if name else {})}


def when(value: str) -> dict:
    return {"contentType": "DateTime", "value": value}


COMPANIES = [("1", "ООО «Альфа-Сервис»", "1000001", "+7 495 010-01-01"), ("2", "АО «Бета Трейд»", "1000002", ""),
             ("3", "ООО «Гамма»", "1000003", "+7 343 010-03-03")]  # fmt: skip
# id, last, first, company id (9: planted, in no file), owner, phone
PERSONS = [
    ("11", "Соколова", "Анна", "1", "1000001", "+7 916 010-11-11"),
    ("12", "Лебедев", "Павел", "1", "1000001", "+7 916 010-12-12"),
    ("13", "Новиков", "Максим", "", "1000002", "+7 921 010-13-13"),  # a private client: no company
    ("14", "Зайцева", "Ирина", "2", "1000003", ""),
    ("15", "Орлов", "Роман", "9", "1000002", "+7 903 010-15-15"),
]
# id, name, state, client (kind, id), contact person id, manager, price
DEALS = [
    ("101", "Поставка серверов", "Новая", ("ContractorCompany", "1"), "11", "1000001", "320000"),
    ("102", "Техподдержка 2025", "В работе", ("ContractorCompany", "2"), "14", "1000003", "180000"),
    ("103", "Ремонт ноутбука", "Сделка заключена", ("ContractorHuman", "13"), "", "1000002", "8500"),
    ("104", "Аудит сети", "Коммерческое предложение", ("ContractorCompany", "3"), "", "1000003", "45000"),
    # planted: contact person 55 is in no file (dangling)
    ("105", "Лицензии ПО", "Новая", ("ContractorCompany", "1"), "55", "1000001", "99000"),
]
COMMENTS = [
    ("c1", ("Deal", "101"), "1000001", "<p>Клиент ждёт спецификацию.</p>", "2024-05-02T09:00:00+00:00"),
    ("c2", ("ContractorHuman", "12"), "1000001", "День рождения 12 мая", "2024-05-03T10:00:00+00:00"),
    ("c3", ("ContractorCompany", "2"), "1000002", "Сменили юридический адрес", "2024-05-04T11:30:00+00:00"),
    ("c4", ("Deal", "104"), "1000003", "КП отправлено<br>повторно", "2024-05-05T12:00:00+00:00"),
    # planted: a comment on a project — not a deal, contact or company (unknown link type, nothing to attach)
    ("c5", ("Project", "7"), "1000002", "Обсудить на планёрке", "2024-05-06T08:00:00+00:00"),
]
# id, name, statement, responsible, deadline, status, related
TASKS = [
    ("t1", "Подготовить договор", "Шаблон поставки", "1000002", "2026-12-20T07:00:00+00:00", "assigned",
     [("Deal", "101")]),
    ("t2", "Позвонить клиенту", "", "1000001", "2026-12-21T12:00:00+00:00", "accepted", [("ContractorHuman", "14")]),
    # planted: a closed task: skipped unless --closed-tasks
    ("t3", "Выставить счёт", "", "1000003", "2024-05-10T09:00:00+00:00", "done", [("Deal", "102")]),
    ("t4", "Провести аудит", "Выезд на объект", "1000003", "2026-12-22T06:00:00+00:00", "assigned",
     [("Deal", "104"), ("ContractorCompany", "3")]),
]


def companies() -> list[dict]:
    return [{"contentType": "ContractorCompany", "id": i, "name": n, "responsibles": [employee(o)],
             "contactInfo": [{"contentType": "ContactInfo", "type": "phone", "value": p}] if p else [],
             "timeCreated": when("2023-10-01T09:00:00+00:00")} for i, n, o, p in COMPANIES]  # fmt: skip


def persons() -> list[dict]:
    names = {i: n for i, n, _, _ in COMPANIES}
    return [{"contentType": "ContractorHuman", "id": i, "lastName": last, "firstName": first,
             "company": ref("ContractorCompany", c, names.get(c, "ООО «Омега»")) if c else None,
             "responsibles": [employee(o)],
             "contactInfo": [{"contentType": "ContactInfo", "type": "phone", "value": p}] if p else [],
             "timeCreated": when("2023-10-02T09:00:00+00:00")} for i, last, first, c, o, p in PERSONS]  # fmt: skip


def deals() -> list[dict]:
    out = []
    for i, name, state, (kind, cid), contact, manager, price in DEALS:
        out.append({"contentType": "Deal", "id": i, "number": f"СД-{i}", "name": name,
                    "program": ref("Program", "1", "Продажи"), "state": ref("ProgramState", "1", state),
                    "contractor": ref(kind, cid), "contact": ref("ContractorHuman", contact) if contact else None,
                    "manager": employee(manager), "price": {"contentType": "Money", "value": price, "currency": "RUB"},
                    "timeCreated": when("2024-05-01T08:00:00+00:00")})  # fmt: skip
    return out


def main() -> None:
    files = {
        "companies.json": companies(),
        "persons.json": persons(),
        "deals.json": deals(),
        "comments.json": [{"contentType": "Comment", "id": i, "subject": ref(*s), "owner": employee(o), "content": c,
                           "timeCreated": when(d)} for i, s, o, c, d in COMMENTS],  # fmt: skip
        "tasks.json": [{"contentType": "Task", "id": i, "name": n, "statement": st, "responsible": employee(r),
                        "deadline": when(dl), "status": s, "relations": [ref(*x) for x in rel],
                        "timeCreated": when("2024-05-01T08:00:00+00:00")} for i, n, st, r, dl, s, rel in TASKS],
    }  # fmt: skip
    for name, records in files.items():
        (HERE / name).write_text(json.dumps(page(records), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
