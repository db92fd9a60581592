"""Megaplan API v3 JSON dumps (clients and deals) → SourceTable with the captions Megaplan shows.

Megaplan answers every list call with `{"meta": {...}, "data": [...]}`; a dump is one such page, a list
of pages, or a bare list of records. Each record names its type in `contentType`: `ContractorHuman`
(a person: «Контактное лицо компании или клиент-физическое лицо»), `ContractorCompany` or `Deal`.
Nested values are flattened into text columns captioned in Russian, as close to Megaplan's own labels
as the API reference (sources.md §3.2, the RAML descriptions) allows, so that one built-in profile reads
both this dump and a spreadsheet export of the same list (`megaplan-clients-persons`, ...). Megaplan's
spreadsheet exports are undocumented: they are read as ordinary Excel/CSV, and their captions are
*assumed* to be these.

Columns (RAML caption where it has one; ours otherwise ⚠):
- clients: ID · Вид ⚠ (Человек | Компания) · persons: ФИО ⚠ (`name`, else «Фамилия Имя Отчество»),
  Фамилия, Имя, Отчество, Пол ⚠, Должность, Компания ⚠ · companies: Название, Контактные лица ⚠,
  Перспективность · both: Тип клиента, Статус ⚠, Ответственный ⚠ (the first of `responsibles[]`, the
  owner), Другие ответственные ⚠ (the rest, ", "-joined), phones/e-mails/messengers/site/address (below),
  Дата рождения ⚠, Канал привлечения, Вид деятельности, Метки, Описание ⚠, Дата создания ⚠,
  Дата изменения ⚠, Создатель ⚠, Номер ⚠ (`humanNumber`), Удалён ⚠ («Да» for `isDropped`).
- deals: ID · Номер · Название · Схема сделки · Статус ⚠ (`state`) · Результат ⚠ (В работе |
  Положительный | Отрицательный) · Клиент · Контактное лицо · Телефон клиента ⚠ · E-mail клиента ⚠ ·
  Менеджер · Аудиторы · Сумма ⚠ (`price`, «Общая сумма по сделке») · Валюта · Предварительная стоимость
  (`cost`) · Форма оплаты · Суть · Метки · Дата создания · Дата обновления · Время изменения статуса ·
  Создатель. A deal whose client is a person (ContractorHuman) and that names no other contact person
  has the person in «Контактное лицо» and «Клиент» empty, so the combined import makes it a contact,
  not a company.
- `contactInfo[]` by type. Megaplan has no phone sub-type, only a free-text `comment`, so the comment
  decides: факс/fax → «Факс», моб/сот/mobile/cell → «Телефон (мобильный)», дом/home → «Телефон
  (домашний)», anything else (рабочий, empty, "секретарь") → «Телефон»; an extension in the comment
  ("доб. 214") is appended to the number. E-mails: личн/personal/private/home → «E-mail (личный)», else
  «E-mail». skype, telegram, whatsapp, viber, instagram, icq, jabber, max_messenger → Skype, Telegram,
  WhatsApp, Viber, Instagram, ICQ, Jabber, MAX; link → «Сайт»; `Address` items → «Адрес» ("; "-joined).
  Several values of one column are ", "-joined, the `isMain` one first; other comments are not kept.
- custom fields (`Category<N>CustomField<Name>`) keep their key as the caption: the record does not carry
  the field's display name.

Values: linked objects → their `name` (an employee with no name → «Сотрудник #<id>»); lists → ", "-joined;
`DateTime` → its ISO text as given (known dumps carry UTC, `+00:00`; the date transform keeps the written
clock time, so such times read 3 h earlier than Moscow time in the UI); `DateOnly` → `YYYY-MM-DD`; `Money` →
the amount as plain decimal text (currency in «Валюта» for deals; "<amount> <code>" inside custom fields);
HTML descriptions → the plain text a user sees (tags removed, `<br>`/`</p>` → line break, entities
unescaped; `textDescription` when the dump has it); booleans → Да/Нет.

Every record of a kind gets the kind's full column set (empty where it has no value), so a profile never
misses a column just because no record used it. A dump mixing persons and companies becomes one table
(rows in dump order, «Вид» telling them apart, `entity_hint` None): the profile format cannot filter rows,
so the built-in profiles mark the name column of their own kind `required` (ФИО / Название) — rows of the
other kind are rejected with that reason instead of being imported into the wrong entity. Run the file
through both profiles; or dump `contractorHuman` and `contractorCompany` into separate files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..core.issues import SourceError
from ..core.table import SourceTable
from .megaplan_activity import COMMENT, TASK, flatten_comment, flatten_task, ref_id, typed_ref
from .megaplan_values import (
    ADDRESS,
    EMAIL,
    EMAIL_PERSONAL,
    FAX,
    HOME,
    MESSENGERS,
    MOBILE,
    PHONE,
    SITE,
    amount,
    contact_columns,
    contact_value,
    description,
    items_of,
    name_of,
    names,
    text,
)
from .records import records_table

PERSON, COMPANY, DEAL = "ContractorHuman", "ContractorCompany", "Deal"
HINTS = {PERSON: "contact", COMPANY: "company", DEAL: "deal", COMMENT: "comment", TASK: "task"}

CONTACT_COLUMNS = (PHONE, MOBILE, HOME, FAX, EMAIL, EMAIL_PERSONAL, *MESSENGERS.values(), SITE, ADDRESS)
_CLIENT_TAIL = (
    "Дата рождения", "Канал привлечения", "Вид деятельности", "Метки", "Описание", "Дата создания",
    "Дата изменения", "Создатель", "Номер", "Удалён",
)  # fmt: skip
_OWNERS = ("Тип клиента", "Статус", "Ответственный", "Другие ответственные")
PERSON_COLUMNS = (
    "ID", "Вид", "ФИО", "Фамилия", "Имя", "Отчество", "Пол", "Должность", "Компания", "ID компании", *_OWNERS,
    *CONTACT_COLUMNS, *_CLIENT_TAIL,
)  # fmt: skip
COMPANY_COLUMNS = (
    "ID", "Вид", "Название", *_OWNERS, *CONTACT_COLUMNS, "Контактные лица", "Перспективность", *_CLIENT_TAIL,
)  # fmt: skip
DEAL_COLUMNS = (
    "ID", "Номер", "Название", "Схема сделки", "Статус", "Результат", "Клиент", "Контактное лицо",
    "ID клиента", "ID контактного лица",
    "Телефон клиента", "E-mail клиента", "Менеджер", "Аудиторы", "Сумма", "Валюта",
    "Предварительная стоимость", "Форма оплаты", "Суть", "Метки", "Дата создания", "Дата обновления",
    "Время изменения статуса", "Создатель",
)  # fmt: skip

CLIENT_TYPES = {
    "client": "Клиент", "contact": "Контакт", "subcontractor": "Подрядчик", "partner": "Партнёр",
    "competitor": "Конкурент", "supplier": "Поставщик", "own": "Своя компания", "employee": "Сотрудник",
    "guest": "Гость", "spam": "Спам",
}  # fmt: skip
GENDERS = {"male": "мужской", "female": "женский"}
RESULTS = {"active": "В работе", "positive": "Положительный", "negative": "Отрицательный"}

_CUSTOM = re.compile(r"^Category\d+CustomField\w+$")


# --- recognising and unwrapping a dump --------------------------------------------------------------


def _is_page(obj: Any) -> bool:
    return isinstance(obj, Mapping) and isinstance(obj.get("meta"), Mapping) and "data" in obj


def _is_record(obj: Any) -> bool:
    return isinstance(obj, Mapping) and obj.get("contentType") in HINTS


def looks_like_api(data: Any) -> bool:
    """True for a `{"meta", "data"}` page, a list of such pages, or a list of Megaplan records."""
    if _is_page(data):
        return True
    return isinstance(data, list) and bool(data) and (all(map(_is_page, data)) or all(map(_is_record, data)))


def api_records(data: Any) -> list[Mapping[str, Any]]:
    """Every record of a dump, in page order; a page whose `data` is one object counts as one record."""
    pages = [data] if _is_page(data) else data
    out: list[Mapping[str, Any]] = []
    for page in pages:
        body = page.get("data") if _is_page(page) else page
        items = body if isinstance(body, list) else [body] if body else []
        out += [r for r in items if isinstance(r, Mapping)]
    return out


def read_api(data: Any, path: Path) -> SourceTable:
    """Flatten a Megaplan API v3 dump of clients or deals (see the module docstring for the columns)."""
    _refuse_error_pages(data, path)
    records = api_records(data)
    kinds = {r.get("contentType") for r in records}
    unknown = kinds - set(HINTS)
    if not records or unknown:
        found = ", ".join(sorted(map(str, unknown))) or "no records"
        raise SourceError(
            f"'{path}' is a Megaplan API v3 dump, but holds {found}; only contractorHuman, contractorCompany, "
            "deal, comment and task records can be read."
        )
    for single in (DEAL, COMMENT, TASK):
        if single in kinds and len(kinds) > 1:
            raise SourceError(f"'{path}' mixes {single} records with others; dump each list into separate files.")
    rows = [_FLATTEN[r["contentType"]](r) for r in records]
    hint = HINTS[next(iter(kinds))] if len(kinds) == 1 else None
    return records_table(rows, path, kind="megaplan-api", system="megaplan", entity_hint=hint)


def _refuse_error_pages(data: Any, path: Path) -> None:
    """A saved error answer (`meta.errors`, or a status ≥ 400) is named as such, not as "no records"."""
    for page in [data] if _is_page(data) else data:
        meta = page.get("meta") if _is_page(page) else None
        status = text(meta.get("status")) if meta else ""
        if meta and (meta.get("errors") or (status.isdigit() and int(status) >= 400)):
            errors = [text(e.get("message") if isinstance(e, Mapping) else e) for e in meta.get("errors") or []]
            raise SourceError(
                f"'{path}' is a Megaplan API error answer (status {status or '?'}): "
                f"{'; '.join(e for e in errors if e) or 'no message'}. Dump the list again."
            )


# --- one record → one row ---------------------------------------------------------------------------


def flatten_person(r: Mapping[str, Any]) -> dict[str, str]:
    """A ContractorHuman as a row of PERSON_COLUMNS (+ its custom fields)."""
    parts = [text(r.get(k)) for k in ("lastName", "firstName", "middleName")]
    row = dict.fromkeys(PERSON_COLUMNS, "")
    row.update(
        {
            "Вид": "Человек",
            "ФИО": text(r.get("name")) or " ".join(p for p in parts if p),
            "Фамилия": parts[0], "Имя": parts[1], "Отчество": parts[2],
            "Пол": GENDERS.get(text(r.get("gender")), text(r.get("gender"))),
            "Должность": text(r.get("position")),
            "Компания": name_of(r.get("company")),
            "ID компании": ref_id(r.get("company")),
        }
    )  # fmt: skip
    return _client_common(r, row)


def flatten_company(r: Mapping[str, Any]) -> dict[str, str]:
    """A ContractorCompany as a row of COMPANY_COLUMNS (+ its custom fields)."""
    row = dict.fromkeys(COMPANY_COLUMNS, "")
    row.update(
        {
            "Вид": "Компания",
            "Название": text(r.get("name")),
            "Контактные лица": names(r.get("contacts")),
            "Перспективность": text(r.get("promisingRate")),
        }
    )
    return _client_common(r, row)


def _client_common(r: Mapping[str, Any], row: dict[str, str]) -> dict[str, str]:
    """What persons and companies share: owners, contact details, classifiers, dates, custom fields."""
    owner, *others = [name_of(x) for x in items_of(r.get("responsibles"))] or [""]
    row.update(
        {
            "ID": text(r.get("id")),
            "Тип клиента": _client_type(r.get("type")),
            "Статус": name_of(r.get("status")),
            "Ответственный": owner,
            "Другие ответственные": ", ".join(o for o in others if o),
            **contact_columns(items_of(r.get("contactInfo"))),
            "Дата рождения": text(r.get("birthday")),
            "Канал привлечения": name_of(r.get("advertisingWay")),
            "Вид деятельности": name_of(r.get("activityType")),
            "Метки": names(r.get("tags")),
            "Описание": description(r),
            "Дата создания": text(r.get("timeCreated")),
            "Дата изменения": text(r.get("timeUpdated")),
            "Создатель": name_of(r.get("userCreated")),
            "Номер": text(r.get("humanNumber")),
            "Удалён": "Да" if r.get("isDropped") is True else "",
        }
    )
    return _with_custom(r, row)


def flatten_deal(r: Mapping[str, Any]) -> dict[str, str]:
    """A Deal as a row of DEAL_COLUMNS (+ its custom fields)."""
    client, contact = r.get("contractor"), r.get("contact")
    person_client = isinstance(client, Mapping) and client.get("contentType") == PERSON and not contact
    price, cost = r.get("price"), r.get("cost")
    row = dict.fromkeys(DEAL_COLUMNS, "")
    row.update(
        {
            "ID": text(r.get("id")), "Номер": text(r.get("number")), "Название": text(r.get("name")),
            "Схема сделки": name_of(r.get("program")), "Статус": name_of(r.get("state")),
            "Результат": RESULTS.get(text(r.get("result")), text(r.get("result"))),
            "Клиент": "" if person_client else name_of(client),
            "Контактное лицо": name_of(client if person_client else contact),
            "ID клиента": typed_ref(client), "ID контактного лица": ref_id(contact),
            "Телефон клиента": contact_value(r.get("contractorPhone")),
            "E-mail клиента": text(r.get("contractorEmail")),
            "Менеджер": name_of(r.get("manager")), "Аудиторы": names(r.get("auditors")),
            "Сумма": amount(price), "Валюта": _currency(price, cost, r.get("currency")),
            "Предварительная стоимость": amount(cost), "Форма оплаты": name_of(r.get("payForm")),
            "Суть": description(r), "Метки": names(r.get("tags")),
            "Дата создания": text(r.get("timeCreated")), "Дата обновления": text(r.get("timeUpdated")),
            "Время изменения статуса": text(r.get("stateTimeUpdated")), "Создатель": name_of(r.get("userCreated")),
        }
    )  # fmt: skip
    return _with_custom(r, row)


_FLATTEN = {PERSON: flatten_person, COMPANY: flatten_company, DEAL: flatten_deal, COMMENT: flatten_comment,
            TASK: flatten_task}  # fmt: skip


def _with_custom(r: Mapping[str, Any], row: dict[str, str]) -> dict[str, str]:
    row.update({k: text(v) for k, v in r.items() if _CUSTOM.match(k)})
    return row


def _client_type(value: Any) -> str:
    if isinstance(value, Mapping) and not value.get("name"):
        code = text(value.get("type"))
        return CLIENT_TYPES.get(code, code)
    return name_of(value)


def _currency(price: Any, cost: Any, currency: Any) -> str:
    """The deal's currency code: from its Money objects, else its `currency` (a Currency object)."""
    for money in (price, cost):
        if isinstance(money, Mapping) and money.get("currency"):
            return name_of(money["currency"])
    return name_of(currency)
