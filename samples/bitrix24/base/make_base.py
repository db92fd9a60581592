"""Generate the small whole Bitrix24 base in samples/bitrix24/base/ (fixed data: a re-run gives identical bytes).

Run: `python samples/bitrix24/base/make_base.py`. The outputs are committed; tests never run this script.
REST dumps as crm.company.list / crm.deal.list / crm.timeline.comment.list / task.item.list answer (every
scalar a string), and the contacts as the UI export's CSV (BOM, `;`, every field quoted, a `;` ending each
line). What is planted is in README.md beside the files.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def page(records: list[dict]) -> dict:
    return {"result": records, "total": len(records), "time": {"start": 1733475600.0, "finish": 1733475600.2}}


def phone(value: str, kind: str = "WORK") -> list[dict]:
    return [{"ID": "1", "VALUE_TYPE": kind, "VALUE": value, "TYPE_ID": "PHONE"}]


def email(value: str) -> list[dict]:
    return [{"ID": "2", "VALUE_TYPE": "WORK", "VALUE": value, "TYPE_ID": "EMAIL"}]


COMPANIES = [
    ("2", "ООО «Вектор»", "1", "+7 495 010-20-30", "office@vector.example.ru"),
    ("4", "АО «Север-Строй»", "7", "+7 812 010-44-55", "info@sever.example.ru"),
    ("6", "ИП Орлов К. А.", "12", "8 (913) 010-77-88", ""),
    ("8", "ООО «Ромашка»", "1", "", "hello@romashka.example.ru"),
]
# ID, first, last, post, company name (UI: by name), owner, mobile, e-mail
CONTACTS = [
    ("10", "Алексей", "Соколов", "Директор", "ООО «Вектор»", "Анна Смирнова", "+7 916 010-11-22",
     "a.sokolov@vector.example.ru"),
    ("11", "Мария", "Лебедева", "Бухгалтер", "ООО «Вектор»", "Анна Смирнова", "+7 916 010-33-44", ""),
    ("12", "Павел", "Новиков", "Главный инженер", "АО «Север-Строй»", "Игорь Петров", "+7 921 010-55-66",
     "p.novikov@sever.example.ru"),
    ("13", "Елена", "Зайцева", "Менеджер по закупкам", "ИП Орлов К. А.", "Ольга Кузнецова", "", "zaytseva@example.ru"),
    ("14", "Кирилл", "Орлов", "Индивидуальный предприниматель", "ИП Орлов К. А.", "Ольга Кузнецова",
     "+7 913 010-99-00", ""),
    # planted: a company the companies dump does not have, known to this export by name only
    ("15", "Ирина", "Белова", "Директор", "ООО «Луч»", "Игорь Петров", "+7 903 010-12-12", "belova@luch.example.ru"),
]
# ID, title, stage, amount, company ID, contact IDs, owner ID, created
DEALS = [
    ("100", "Поставка оборудования", "NEW", "150000.00", "2", ["10", "11"], "1", "2024-03-12T10:15:00+03:00"),
    ("101", "Монтаж вентиляции", "PREPAYMENT_INVOICE", "420000.00", "4", ["12"], "7", "2024-03-14T09:00:00+03:00"),
    ("102", "Сервисный договор", "PREPARATION", "96000.00", "6", ["13", "14"], "12", "2024-04-01T12:30:00+03:00"),
    ("103", "Разовая консультация", "WON", "15000.00", "", ["15"], "7", "2024-04-03T16:45:00+03:00"),
    # planted: company 99 and contact 77 are in no file of the base (dangling links)
    ("104", "Проектирование склада", "NEW", "230000.00", "99", ["10", "77"], "1", "2024-04-10T11:00:00+03:00"),
    ("105", "Расходные материалы", "LOSE", "12000.00", "8", [], "12", "2024-04-11T08:20:00+03:00"),
]
COMMENTS = [
    ("501", "deal", "100", "1", "Клиент просит КП до пятницы.<br>Отправили прайс.", "2024-03-12T11:00:00+03:00"),
    ("502", "deal", "101", "7", "Согласовали график монтажа: 3 этапа.", "2024-03-15T10:20:00+03:00"),
    ("503", "contact", "10", "1", "Предпочитает звонки после 14:00.", "2024-03-13T09:05:00+03:00"),
    ("504", "company", "4", "7", "Реквизиты обновлены &mdash; новый расчётный счёт.", "2024-03-20T17:40:00+03:00"),
    ("505", "deal", "104", "1", "Ждём планировку склада от заказчика.", "2024-04-10T12:00:00+03:00"),
    # planted: a comment on deal 999, which no file has — nothing to attach it to (rejected)
    ("506", "deal", "999", "12", "Комментарий к удалённой сделке.", "2024-04-12T10:00:00+03:00"),
]
# ID, title, description, responsible ID, deadline, status, UF_CRM_TASK
TASKS = [
    ("901", "Позвонить по КП", "Уточнить объёмы поставки", "7", "2026-12-20T10:00:00+03:00", "2", ["D_100"]),
    ("902", "Отправить договор", "", "1", "2026-12-21T15:30:00+03:00", "3", ["C_11"]),
    # planted: a closed task (STATUS 5): skipped unless --closed-tasks
    ("903", "Согласовать смету", "Смета согласована", "7", "2024-03-20T18:00:00+03:00", "5", ["D_101"]),
    # planted: bound to a deal and a contact at once — it goes on the deal, the first one named
    ("904", "Выставить счёт", "Счёт на первый этап", "12", "2026-12-22T12:00:00+03:00", "1", ["D_102", "C_13"]),
    ("905", "Встреча на объекте", "", "12", "2026-12-23T09:00:00+03:00", "2", ["CO_6"]),
]
UI_CONTACT_COLUMNS = ["ID", "Контакт", "Имя", "Фамилия", "Должность", "Компания", "Ответственный",
                      "Рабочий телефон", "Мобильный телефон", "Номер факса", "Домашний телефон", "Другой телефон",
                      "Рабочий e-mail", "Частный e-mail", "Другой e-mail", "Контакт Telegram", "Контакт Skype",
                      "Контакт ICQ", "Контакт Jabber", "Контакт MSN/Live!", "Комментарий", "Дата создания"]  # fmt: skip


def companies() -> list[dict]:
    return [{"ID": i, "TITLE": t, "COMPANY_TYPE": "CUSTOMER", "ASSIGNED_BY_ID": o, "ADDRESS": None, "COMMENTS": None,
             "DATE_CREATE": "2023-11-01T10:00:00+03:00", "PHONE": phone(p) if p else [], "EMAIL": email(e) if e else [],
             "WEB": []} for i, t, o, p, e in COMPANIES]  # fmt: skip


def deals() -> list[dict]:
    return [{"ID": i, "TITLE": t, "STAGE_ID": s, "CATEGORY_ID": "0", "OPPORTUNITY": a, "CURRENCY_ID": "RUB",
             "COMPANY_ID": c or "0", "CONTACT_ID": ids[0] if ids else None, "CONTACT_IDS": ids, "ASSIGNED_BY_ID": o,
             "DATE_CREATE": d, "COMMENTS": None} for i, t, s, a, c, ids, o, d in DEALS]  # fmt: skip


def contacts_csv() -> bytes:
    rows = [UI_CONTACT_COLUMNS]
    for i, first, last, post, company, owner, mobile, mail in CONTACTS:
        cells = dict.fromkeys(UI_CONTACT_COLUMNS, "")
        cells.update({"ID": i, "Контакт": f"{first} {last}", "Имя": first, "Фамилия": last, "Должность": post,
                      "Компания": company, "Ответственный": owner, "Мобильный телефон": mobile,
                      "Рабочий e-mail": mail, "Дата создания": "01.12.2023 10:00:00"})  # fmt: skip
        rows.append([cells[c] for c in UI_CONTACT_COLUMNS])
    text = "".join("".join('"' + v.replace('"', '""') + '";' for v in row) + "\n" for row in rows)
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def write(name: str, data: object) -> None:
    (HERE / name).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    write("companies.json", page(companies()))
    (HERE / "contacts.csv").write_bytes(contacts_csv())
    write("deals.json", page(deals()))
    write("comments.json", page([{"ID": i, "ENTITY_TYPE": et, "ENTITY_ID": eid, "AUTHOR_ID": a, "COMMENT": c,
                                  "CREATED": d, "FILES": None} for i, et, eid, a, c, d in COMMENTS]))  # fmt: skip
    write("tasks.json", page([{"ID": i, "TITLE": t, "DESCRIPTION": ds, "RESPONSIBLE_ID": r, "DEADLINE": dl,
                               "STATUS": st, "UF_CRM_TASK": uf, "CREATED_DATE": "2024-03-12T10:30:00+03:00",
                               "CLOSED_DATE": None} for i, t, ds, r, dl, st, uf in TASKS]))  # fmt: skip


if __name__ == "__main__":
    main()
