"""Write the synthetic Megaplan samples of samples/megaplan/ (deterministic: the same bytes on every run).

Run from the repository root::

    python samples/megaplan/make_megaplan.py

One small CRM (20 companies, 30 people, 40 deals) is generated once and written twice: as Megaplan API v3
dumps (`clients_api.json`, `deals_api.json` — the `{"meta", "data"}` envelope, objects for dates, money,
links) and as the spreadsheet exports a user would download from the Megaplan UI (`clients_persons.xlsx`,
`clients_companies.csv`, `deals.xlsx` — display text, Moscow time, plain descriptions). The UI exports are
undocumented; their captions are our best guess and equal the ones `migrate.sources.megaplan` gives the
API dump, so one profile reads both. The Megaplan section of samples/README.md is rewritten between its
markers (after `make_samples.py`, which writes the README from scratch, run this again).

Nothing is real: names come from short lists, e-mails and sites live under example.* domains, landline
numbers have a local part starting with 0 (no Russian local number does).
"""

from __future__ import annotations

import csv
import html
import json
import random
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import xlsxwriter

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
SEED = 20261115
FIXED_TIME = datetime(2026, 11, 15, 9, 0, 0)
MSK = timezone(timedelta(hours=3))
START = "<!-- megaplan samples: start (written by samples/megaplan/make_megaplan.py) -->"
END = "<!-- megaplan samples: end -->"

EMPLOYEES = {1000005: "Смирнова Анна", 1000006: "Петров Игорь", 1000007: "Кузнецова Ольга", 1000008: "Волков Дмитрий"}
NAMELESS_EMPLOYEE = 1000099  # a responsible the dump links by id only (left the company)
FIRST_M = ["Алексей", "Андрей", "Борис", "Виктор", "Денис", "Максим", "Михаил", "Павел", "Роман"]
FIRST_F = ["Алла", "Галина", "Дарья", "Екатерина", "Ирина", "Марина", "Наталья", "Светлана"]
FATHERS = ["Алексеев", "Андреев", "Иванов", "Николаев", "Петров", "Сергеев"]
SURNAMES = ["Абрамов", "Белов", "Гусев", "Жуков", "Зайцев", "Карпов", "Лебедев", "Макаров", "Никитин", "Орлов",
            "Поляков", "Соболев", "Тихонов", "Фомин", "Чернов", "Шубин"]  # fmt: skip
POSITIONS = ["Генеральный директор", "Менеджер по закупкам", "Главный инженер", "Бухгалтер",
             "Руководитель отдела снабжения"]  # fmt: skip
COMPANY_WORDS = ["Техснаб", "Стройресурс", "Промсервис", "Альфаторг", "Уралпрофи", "Грандмаркет", "Электролайн",
                 "Севертранс", "Агроимпульс", "Медтехника", "Профмонтаж", "Логистик-Центр", "Энергосфера",
                 "Полимерпласт", "Вектор-М", "Сибметалл", "Тепловые системы", "Инфотех", "Кровля-Про",
                 "Гидромаш"]  # fmt: skip
CITIES = [("Москва", "495"), ("Казань", "843"), ("Екатеринбург", "343"), ("Новосибирск", "383"), ("Самара", "846")]
ACTIVITIES = ["Оптовая торговля", "Строительство", "Производство", "Услуги"]
CHANNELS = ["Сайт", "Рекомендация", "Выставка", "Холодный звонок"]
CLIENT_TYPES = [("client", "Клиент"), ("partner", "Партнёр"), ("supplier", "Поставщик")]
PROGRAMS = {
    "Продажи": [("Новая", "active"), ("Квалификация", "active"), ("Коммерческое предложение", "active"),
                ("В работе", "active"), ("Выставлен счёт", "active"), ("Сделка заключена", "positive"),
                ("Отказ", "negative")],
    "Тендеры": [("Подготовка заявки", "active"), ("Заявка подана", "active"), ("Победа", "positive"),
                ("Проигрыш", "negative")],
}  # fmt: skip
DEAL_SUBJECTS = ["Поставка металлопроката", "Монтаж вентиляции", "Обслуживание оборудования", "Поставка кабеля",
                 "Замена кровли", "Проектирование", "Аренда техники", "Поставка насосов"]  # fmt: skip
TAGS = ["VIP", "опт", "повторный", "регион"]


@dataclass
class Contact:
    """One ContactInfo item: type (phone, email, telegram, ...), value and Megaplan's free-text comment."""

    type: str
    value: str
    comment: str = ""
    main: bool = False


@dataclass
class Client:
    id: int
    kind: str  # ContractorHuman | ContractorCompany
    name: str = ""
    parts: tuple[str, str, str] = ("", "", "")  # last, first, middle
    gender: str = ""
    position: str = ""
    company: int | None = None
    type: tuple[str, str] = ("client", "Клиент")
    responsibles: list[int] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    address: str | tuple[str, str, str] = ""  # text, or (city, street, house) parts only
    birthday: date | None = None
    channel: str = ""
    activity: str = ""
    tags: list[str] = field(default_factory=list)
    html: str = ""
    created: datetime = FIXED_TIME
    custom: dict[str, Any] = field(default_factory=dict)
    dropped: bool = False
    people: list[int] = field(default_factory=list)


@dataclass
class Deal:
    id: int
    name: str
    program: str
    state: tuple[str, str]
    client: int
    contact: int | None
    manager: int | None
    price: float | int | None
    cost: float | int | None = None
    html: str = ""
    tags: list[str] = field(default_factory=list)
    created: datetime = FIXED_TIME
    state_changed: datetime = FIXED_TIME
    phone: str = ""
    email: str = ""
    custom: dict[str, Any] = field(default_factory=dict)


# --- the CRM --------------------------------------------------------------------------------------


def landline(rng: random.Random, code: str) -> str:
    return f"+7 ({code}) 0{rng.randint(10, 99)}-{rng.randint(10, 99)}-{rng.randint(10, 99)}"


def mobile(rng: random.Random) -> str:
    n = f"{rng.randint(0, 9999999):07d}"
    return rng.choice([f"+7 916 {n[:3]}-{n[3:5]}-{n[5:]}", f"8 (903) {n[:3]}-{n[3:5]}-{n[5:]}", f"7916{n}"])


def when(rng: random.Random, year: int = 2024) -> datetime:
    return datetime(year, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 700 * 24 * 60))


def make_companies(rng: random.Random) -> list[Client]:
    out = []
    for i, word in enumerate(COMPANY_WORDS):
        city, code = CITIES[i % len(CITIES)]
        slug = f"firm{i + 1:02d}"
        c = Client(2000 + i, "ContractorCompany", name=rng.choice(["ООО «{}»", "АО «{}»", "{}"]).format(word))
        c.type = rng.choice(CLIENT_TYPES)
        c.responsibles = [rng.choice(list(EMPLOYEES))]
        c.contacts = [Contact("phone", landline(rng, code), rng.choice(["", "офис", "рабочий"]), True),
                      Contact("email", f"info@{slug}.example.ru"),
                      Contact("link", f"https://{slug}.example.ru")]  # fmt: skip
        c.address = f"г. {city}, ул. Заводская, д. {rng.randint(1, 90)}"
        c.activity, c.channel = rng.choice(ACTIVITIES), rng.choice(CHANNELS)
        c.tags = rng.sample(TAGS, rng.randint(0, 2))
        c.created = when(rng, 2023)
        c.custom = {"Category131CustomFieldInn": f"{rng.randint(10**9, 10**10 - 1)}"}
        out.append(c)
    return out


def make_people(rng: random.Random, companies: list[Client]) -> list[Client]:
    out = []
    for i in range(30):
        female = rng.random() < 0.5
        last = rng.choice(SURNAMES) + ("а" if female else "")
        first = rng.choice(FIRST_F if female else FIRST_M)
        middle = rng.choice(FATHERS) + ("на" if female else "ич")
        company = companies[i % 20] if i < 24 else None
        p = Client(1000100 + i, "ContractorHuman", parts=(last, first, middle), gender="female" if female else "male")
        if company:
            p.company, p.position = company.id, rng.choice(POSITIONS)
            company.people.append(p.id)
        p.type = ("client", "Клиент") if company is None else ("contact", "Контакт")
        p.responsibles = [rng.choice(list(EMPLOYEES))]
        slug = f"p{i + 1:02d}"
        domain = f"firm{(i % 20) + 1:02d}.example.ru" if company else "mail.example.com"
        p.contacts = [Contact("phone", mobile(rng), rng.choice(["мобильный", "", "Моб."]), True),
                      Contact("email", f"{slug}@{domain}")]  # fmt: skip
        if rng.random() < 0.4:  # decided before the date is drawn: changing the order changes every sample
            p.birthday = date(rng.randint(1965, 1998), rng.randint(1, 12), rng.randint(1, 28))
        p.channel = rng.choice(CHANNELS)
        p.tags = rng.sample(TAGS, rng.randint(0, 1))
        p.created = when(rng)
        p.custom = {"Category130CustomFieldPrioritet": rng.choice(["Высокий", "Средний", "Низкий", ""])}
        out.append(p)
    return out


def plant_clients(people: list[Client], companies: list[Client]) -> None:
    """The dirt of the client base; each item is listed in the README (keep them in sync)."""
    p = people
    p[0].contacts = [Contact("phone", "+7 (495) 012-34-56", "рабочий, доб. 214"),
                     Contact("phone", "+7 916 012-11-22", "мобильный", True),
                     Contact("phone", "8 903 012-33-44", "сотовый"), Contact("email", "p01@firm01.example.ru"),
                     Contact("email", "anna.home@mail.example.com", "личный"),
                     Contact("telegram", "@p01_firm"), Contact("skype", "p01.firm01")]  # fmt: skip
    p[1].responsibles = []
    p[2].responsibles = [1000005, 1000007]
    p[3].html = "<p>Просит &quot;скидку&quot; 5% &amp; отсрочку</p><p>Перезвонить&nbsp;в пн<br>после 14:00</p>"
    p[4].contacts.append(Contact("phone", "123-45", "секретарь"))
    p[5].contacts[1] = Contact("email", "ivanov@mail")
    p[6].parts, p[6].name = ("", "", ""), "Сергей (снабжение)"
    p[7].responsibles = [NAMELESS_EMPLOYEE]
    p[8].contacts += [Contact("whatsapp", "+79160125566"), Contact("phone", "+7 (843) 012-77-88", "факс")]
    p[9].birthday, p[9].custom["Category130CustomFieldPrioritet"] = date(1990, 2, 28), "Высокий"
    p[10].html = "Договор &lt;№ 15/24&gt; подписан"
    p[11].contacts.append(Contact("phone", "8 (843) 012-90-90", "домашний"))
    p[12].created = datetime(2024, 3, 5, 23, 40, tzinfo=MSK)
    p[25].responsibles = []
    companies[0].contacts.append(Contact("phone", "+7 (495) 012-00-01", "бухгалтерия"))
    companies[1].responsibles = []
    companies[2].responsibles = [1000006, 1000008]
    companies[3].html = "<b>Ключевой клиент</b><br/>Оплата по факту &#8212; 10 дней"
    companies[4].dropped = True
    companies[5].address = ("Казань", "ул. Баумана", "5")
    companies[6].contacts[0] = Contact("phone", "0000", "", True)
    companies[7].contacts.append(Contact("email", "buh@firm08.example.ru", ""))
    companies[8].custom["Category131CustomFieldDataDogovora"] = date(2024, 6, 1)


def make_deals(rng: random.Random, people: list[Client], companies: list[Client]) -> list[Deal]:
    out = []
    for i in range(40):
        program = "Тендеры" if i % 5 == 4 else "Продажи"
        state = rng.choice(PROGRAMS[program])
        if i < 32:
            company = companies[i % 20]
            client, contact = company.id, (company.people[0] if company.people else None)
        else:
            client, contact = people[24 + (i - 32) % 6].id, None
        created = when(rng)
        d = Deal(3000 + i, f"{rng.choice(DEAL_SUBJECTS)} №{rng.randint(100, 999)}", program, state, client, contact,
                 rng.choice(list(EMPLOYEES)), rng.randrange(20000, 900000, 1000), created=created,
                 state_changed=created + timedelta(days=rng.randint(1, 60)))  # fmt: skip
        d.tags = rng.sample(TAGS, rng.randint(0, 2))
        person = next((p for p in people if p.id == (contact or client)), None)
        if person:
            d.phone = person.contacts[0].value
            d.email = next((c.value for c in person.contacts if c.type == "email"), "")
        out.append(d)
    return out


def plant_deals(deals: list[Deal]) -> None:
    """The dirt of the deals; each item is listed in the README (keep them in sync)."""
    deals[0].price = 125000.5
    deals[1].price, deals[1].cost = None, 300000
    deals[2].manager = None
    deals[3].manager = NAMELESS_EMPLOYEE
    deals[4].state = ("На паузе", "active")
    deals[11].program, deals[11].state = "Продажи", ("в работе", "active")
    deals[6].html = "<p>Нужен монтаж &amp; пусконаладка</p><ul><li>срок &lt;= 30 дней</li></ul>"
    deals[7].email = "zakupki@"
    deals[8].custom = {"Category1000061CustomFieldDataDogovora": date(2024, 6, 1),
                       "Category1000061CustomFieldRashodi": 109096.14}  # fmt: skip
    deals[9].created = datetime(2024, 12, 31, 23, 30, tzinfo=MSK)
    deals[10].phone = "8 (916) 012-34-56, 8 (903) 012-11-22"


def build(seed: int = SEED) -> tuple[list[Client], list[Client], list[Deal]]:
    rng = random.Random(seed)
    companies = make_companies(rng)
    people = make_people(rng, companies)
    plant_clients(people, companies)
    deals = make_deals(rng, people, companies)
    plant_deals(deals)
    return people, companies, deals


# --- API v3 dumps -----------------------------------------------------------------------------------


def employee_ref(eid: int | None) -> dict[str, Any] | None:
    if eid is None:
        return None
    ref: dict[str, Any] = {"contentType": "Employee", "id": str(eid)}
    if eid in EMPLOYEES:
        ref["name"] = EMPLOYEES[eid]
    return ref


def dt(value: datetime) -> dict[str, str]:
    return {"contentType": "DateTime", "value": value.isoformat()}


def date_only(value: date, parts: bool) -> dict[str, Any]:
    if parts:
        return {"contentType": "DateOnly", "year": value.year, "month": value.month, "day": value.day}
    return {"contentType": "DateOnly", "value": value.isoformat()}


def money(value: float | int) -> dict[str, Any]:
    return {"contentType": "Money", "value": value, "currency": "RUB"}


def custom_json(custom: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in custom.items():
        if isinstance(value, date):
            out[key] = date_only(value, parts=True)
        elif isinstance(value, float):
            out[key] = money(value)
        else:
            out[key] = value
    return out


def display(c: Client) -> str:
    return c.name or " ".join(p for p in c.parts if p)


def client_ref(c: Client) -> dict[str, Any]:
    return {"contentType": c.kind, "id": str(c.id), "name": display(c)}


def contact_info(c: Client) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for x in c.contacts:
        item = {"contentType": "ContactInfo", "type": x.type, "value": x.value, "isMain": x.main}
        if x.comment:
            item["comment"] = x.comment
        items.append(item)
    if isinstance(c.address, tuple):
        city, street, house = c.address
        items.append({"contentType": "Address", "value": "", "city": {"contentType": "City", "name": city},
                      "street": street, "house": house})  # fmt: skip
    elif c.address:
        kind = {"contentType": "AddressType", "id": "1", "name": "Фактический"}
        items.append({"contentType": "Address", "type": kind, "value": c.address, "isMain": True})
    return items


def client_json(c: Client, by_id: dict[int, Client]) -> dict[str, Any]:
    code, name = c.type
    rec: dict[str, Any] = {"contentType": c.kind, "id": str(c.id)}
    if c.kind == "ContractorHuman":
        last, first, middle = c.parts
        rec.update({"firstName": first, "middleName": middle, "lastName": last, "gender": c.gender,
                    "position": c.position})  # fmt: skip
        if c.name or c.id % 2 == 0:
            rec["name"] = display(c)
        if c.company:
            rec["company"] = client_ref(by_id[c.company])
        if c.birthday:
            rec["birthday"] = date_only(c.birthday, parts=c.id % 2 == 1)
    else:
        rec["name"] = c.name
        rec["contacts"] = [client_ref(by_id[p]) for p in c.people]
        rec["contactsCount"] = len(c.people)
    type_id = str(CLIENT_TYPES.index(c.type) + 1) if c.type in CLIENT_TYPES else "9"
    ctype = {"contentType": "ContractorType", "id": type_id, "type": code}
    if code != "partner":
        ctype["name"] = name  # a partner type comes without its name: the reader names it from the code
    rec.update(
        {
            "type": ctype,
            "responsibles": [employee_ref(e) for e in c.responsibles],
            "responsiblesCount": len(c.responsibles),
            "contactInfo": contact_info(c),
            "description": c.html,
            "tags": [{"contentType": "Tag", "id": str(TAGS.index(t) + 1), "name": t} for t in c.tags],
            "timeCreated": dt(c.created),
            "timeUpdated": dt(c.created + timedelta(days=30)),
            "userCreated": employee_ref(1000005),
            "humanNumber": c.id % 1000,
            "isDropped": c.dropped,
            **custom_json(c.custom),
        }
    )
    if c.channel:
        rec["advertisingWay"] = {"contentType": "ContractorAdvertisingWay", "id": str(CHANNELS.index(c.channel) + 1),
                                 "name": c.channel}  # fmt: skip
    if c.activity:
        rec["activityType"] = {"contentType": "ContractorActivityType", "id": "1", "name": c.activity}
    return rec


def page(records: list[dict[str, Any]], count: int, limit: int) -> dict[str, Any]:
    return {"meta": {"status": 200, "errors": [], "pagination": {"count": count, "limit": limit}}, "data": records}


def clients_dump(people: list[Client], companies: list[Client]) -> list[dict[str, Any]]:
    """Three pages as a script saves them: contractorHuman (limit 20, two pages), then contractorCompany."""
    by_id = {c.id: c for c in people + companies}
    humans = [client_json(p, by_id) for p in people]
    firms = [client_json(c, by_id) for c in companies]
    return [page(humans[:20], len(humans), 20), page(humans[20:], len(humans), 20), page(firms, len(firms), 20)]


def deal_json(d: Deal, by_id: dict[int, Client]) -> dict[str, Any]:
    states = PROGRAMS.get(d.program, [])
    state_id = 100 + (states.index(d.state) if d.state in states else 99)
    rec: dict[str, Any] = {
        "contentType": "Deal", "id": str(d.id), "number": f"СД-{d.id}", "name": d.name,
        "program": {"contentType": "Program", "id": str(list(PROGRAMS).index(d.program) + 1), "name": d.program},
        "state": {"contentType": "ProgramState", "id": str(state_id), "name": d.state[0], "type": d.state[1]},
        "result": d.state[1], "contractor": client_ref(by_id[d.client]),
        "manager": employee_ref(d.manager), "auditors": [employee_ref(1000008)] if d.id % 7 == 0 else [],
        "description": d.html, "tags": [{"contentType": "Tag", "name": t} for t in d.tags],
        "timeCreated": dt(d.created), "timeUpdated": dt(d.state_changed), "stateTimeUpdated": dt(d.state_changed),
        "userCreated": employee_ref(1000005),
    }  # fmt: skip
    if d.contact:
        rec["contact"] = client_ref(by_id[d.contact])
    if d.price is not None:
        rec["price"] = money(d.price)
    if d.cost is not None:
        rec["cost"] = money(d.cost)
    if d.phone:
        rec["contractorPhone"] = {"contentType": "ContactInfo", "type": "phone", "value": d.phone}
    if d.email:
        rec["contractorEmail"] = d.email
    rec.update(custom_json(d.custom))
    return rec


def deals_dump(deals: list[Deal], people: list[Client], companies: list[Client]) -> dict[str, Any]:
    by_id = {c.id: c for c in people + companies}
    return page([deal_json(d, by_id) for d in deals], len(deals), 100)


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


# --- UI exports -------------------------------------------------------------------------------------

PERSON_UI = ["ФИО", "Фамилия", "Имя", "Отчество", "Должность", "Компания", "Тип клиента", "Ответственный",
             "Телефон", "Телефон (мобильный)", "Телефон (домашний)", "Факс", "E-mail", "E-mail (личный)",
             "Skype", "ICQ", "Jabber", "Telegram", "WhatsApp", "Дата рождения", "Канал привлечения", "Метки",
             "Описание", "Дата создания"]  # fmt: skip
COMPANY_UI = ["Название", "Тип клиента", "Ответственный", "Другие ответственные", "Телефон", "Телефон (мобильный)",
              "Телефон (домашний)", "Факс", "E-mail", "E-mail (личный)", "Сайт", "Адрес", "Вид деятельности",
              "Канал привлечения", "Контактные лица", "Метки", "Описание", "Дата создания"]  # fmt: skip
DEAL_UI = ["Номер", "Название", "Схема сделки", "Статус", "Результат", "Клиент", "Контактное лицо",
           "Телефон клиента", "E-mail клиента", "Менеджер", "Сумма", "Валюта", "Суть", "Метки",
           "Дата создания"]  # fmt: skip
RESULT_UI = {"active": "В работе", "positive": "Положительный", "negative": "Отрицательный"}


def ui_column(x: Contact) -> str:
    """Which column the UI export shows a contact item in (the same rule as the API reader's)."""
    comment = x.comment.casefold()
    if x.type == "phone":
        for words, column in ((("факс",), "Факс"), (("моб", "сот"), "Телефон (мобильный)"),
                              (("дом",), "Телефон (домашний)")):  # fmt: skip
            if any(w in comment for w in words):
                return column
        return "Телефон"
    if x.type == "email":
        return "E-mail (личный)" if "личн" in comment else "E-mail"
    return {"link": "Сайт", "telegram": "Telegram", "skype": "Skype", "whatsapp": "WhatsApp"}.get(x.type, x.type)


def ui_contacts(c: Client) -> dict[str, str]:
    out: dict[str, list[str]] = {}
    for x in sorted(c.contacts, key=lambda x: not x.main):
        ext = re.search(r"доб\.\s*(\d+)", x.comment)  # the UI shows the extension with the number
        value = x.value + (f" доб. {ext[1]}" if ext and x.type == "phone" else "")
        out.setdefault(ui_column(x), []).append(value)
    return {k: ", ".join(v) for k, v in out.items()}


def plain(markup: str) -> str:
    """What the Megaplan UI shows for an HTML description (the export holds the rendered text)."""
    body = re.sub(r"<\s*br\s*/?>|</(?:p|li)>", "\n", markup)
    return "\n".join(s.strip() for s in html.unescape(re.sub(r"<[^>]+>", "", body)).splitlines() if s.strip())


def employee_ui(eid: int | None) -> str:
    return "" if eid is None else EMPLOYEES.get(eid, "Морозова Елена")  # the ex-employee, as the UI names her


def person_ui(p: Client, by_id: dict[int, Client]) -> dict[str, Any]:
    last, first, middle = p.parts
    return {
        "ФИО": display(p), "Фамилия": last, "Имя": first, "Отчество": middle, "Должность": p.position,
        "Компания": display(by_id[p.company]) if p.company else "", "Тип клиента": p.type[1],
        "Ответственный": employee_ui(p.responsibles[0] if p.responsibles else None), **ui_contacts(p),
        "Дата рождения": p.birthday, "Канал привлечения": p.channel, "Метки": ", ".join(p.tags),
        "Описание": plain(p.html), "Дата создания": p.created.astimezone(MSK).replace(tzinfo=None),
    }  # fmt: skip


def company_ui(c: Client, by_id: dict[int, Client]) -> dict[str, Any]:
    address = ", ".join(c.address) if isinstance(c.address, tuple) else c.address
    return {
        "Название": c.name, "Тип клиента": c.type[1],
        "Ответственный": employee_ui(c.responsibles[0] if c.responsibles else None),
        "Другие ответственные": ", ".join(employee_ui(e) for e in c.responsibles[1:]), **ui_contacts(c),
        "Адрес": address, "Вид деятельности": c.activity, "Канал привлечения": c.channel,
        "Контактные лица": ", ".join(display(by_id[i]) for i in c.people), "Метки": ", ".join(c.tags),
        "Описание": plain(c.html), "Дата создания": f"{c.created.astimezone(MSK):%d.%m.%Y %H:%M}",
    }  # fmt: skip


def deal_ui(d: Deal, by_id: dict[int, Client]) -> dict[str, Any]:
    client = by_id[d.client]
    return {
        "Номер": f"СД-{d.id}", "Название": d.name, "Схема сделки": d.program, "Статус": d.state[0],
        "Результат": RESULT_UI[d.state[1]], "Клиент": display(client),
        "Контактное лицо": display(by_id[d.contact]) if d.contact else "", "Телефон клиента": d.phone,
        "E-mail клиента": d.email, "Менеджер": employee_ui(d.manager), "Сумма": d.price if d.price is not None else "",
        "Валюта": "RUB", "Суть": plain(d.html), "Метки": ", ".join(d.tags),
        "Дата создания": d.created.astimezone(MSK).replace(tzinfo=None),
    }  # fmt: skip


def write_xlsx(path: Path, sheet: str, columns: list[str], rows: list[dict[str, Any]], typed: dict[int, Any]) -> None:
    """One sheet, header in row 1; `typed` puts a number cell in place of a text one (row index → column)."""
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"title": sheet, "author": "Мегаплан", "created": FIXED_TIME})
    head = wb.add_format({"bold": True})
    dated = wb.add_format({"num_format": "dd.mm.yyyy"})
    timed = wb.add_format({"num_format": "dd.mm.yyyy hh:mm"})
    ws = wb.add_worksheet(sheet)
    ws.write_row(0, 0, columns, head)
    for r, row in enumerate(rows, start=1):
        for c, column in enumerate(columns):
            value = typed.get(r - 1, {}).get(column, row.get(column, ""))
            if value is None or value == "":
                continue
            if isinstance(value, datetime):
                ws.write_datetime(r, c, value, timed)
            elif isinstance(value, date):
                ws.write_datetime(r, c, datetime(value.year, value.month, value.day), dated)
            elif isinstance(value, int | float):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, value)
    wb.close()


def write_csv(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        out.writerow(columns)
        out.writerows([str(row.get(c, "")) for c in columns] for row in rows)


# --- README -----------------------------------------------------------------------------------------

FILES = [
    ("`clients_api.json`", "a script's dump of `GET /api/v3/contractorHuman` (2 pages, limit 20) and "
     "`/api/v3/contractorCompany` (1 page): a JSON list of `{\"meta\", \"data\"}` pages; people are records "
     "1–30, companies 31–50", "`megaplan-clients-persons` and `megaplan-clients-companies`"),
    ("`deals_api.json`", "one page of `GET /api/v3/deal`: `{\"meta\", \"data\": [40 deals]}`", "`megaplan-deals`"),
    ("`clients_persons.xlsx`", "the UI export of the clients list filtered to people (sheet `Клиенты`)",
     "`megaplan-clients-persons`"),
    ("`clients_companies.csv`", "the UI export of the clients list filtered to companies, as CSV (UTF-8 with "
     "BOM, `;`)", "`megaplan-clients-companies`"),
    ("`deals.xlsx`", "the UI export of the deals list (sheet `Сделки`)", "`megaplan-deals`"),
]  # fmt: skip
CLIENT_PLANTS = [
    ("person 1", "3 phones: `рабочий, доб. 214`, `мобильный` (main), `сотовый`; two e-mails (`личный`); "
     "Telegram, Skype", "work phone `+74950123456 доб. 214`; 2 mobiles → the second to `Другой телефон` "
     "(warning `extra_values_moved`); the personal e-mail → `Личный email`"),
    ("person 2, person 26", "no responsible", "error `empty_owner` (the profile has no `owners.default`)"),
    ("person 3", "two responsibles", "the first is the owner, the second in `Другие ответственные` (dropped)"),
    ("person 4", "HTML description (`&quot;`, `&amp;`, `<p>`, `&nbsp;`, `<br>`)", "plain text note"),
    ("person 5", "a phone `123-45` (comment `секретарь`)", "error `bad_phone`"),
    ("person 6", "e-mail `ivanov@mail`", "error `bad_email`"),
    ("person 7", "only `name` (`Сергей (снабжение)`), no name parts",
     "`Полное имя` from `name`; `Имя`/`Фамилия` empty"),
    ("person 8", "responsible linked by id only (an ex-employee)",
     "API: `Сотрудник #1000099`; UI: `Морозова Елена`; unchecked owner"),
    ("person 9", "WhatsApp; a phone with comment `факс`", "WhatsApp dropped; `Факс`"),
    ("person 11", "description `Договор &lt;№ 15/24&gt;` (escaped, no tags)", "`Договор <№ 15/24>`"),
    ("person 12", "a phone with comment `домашний`", "`Домашний телефон`"),
    ("person 13", "created `2024-03-05T23:40:00+03:00`", "`05.03.2024 23:40` (offset dropped, clock kept)"),
    ("person 14 (UI only)", "the mobile phone as a number cell", "`+79160124455`"),
    ("company 1", "a second office phone (comment `бухгалтерия`)", "→ `Другой телефон` (warning)"),
    ("company 2", "no responsible", "error `empty_owner`"),
    ("company 3", "two responsibles", "owner + `Другие ответственные` (dropped)"),
    ("company 4", "HTML description with `<b>`, `<br/>`, `&#8212;`", "plain text note"),
    ("company 5", "deleted in Megaplan (`isDropped`)", "`Удалён` = `Да` (a dropped column: still imported)"),
    ("company 6", "address as parts only (city/street/house)", "`Казань, ул. Баумана, 5`"),
    ("company 7", "phone `0000`", "error `bad_phone`"),
    ("company 8", "two e-mails without comment", "the second → `Другой email` (warning)"),
    ("company 9", "a `DateOnly` custom field", "`2024-06-01` in `Category131CustomFieldDataDogovora` (unmapped)"),
]  # fmt: skip
DEAL_PLANTS = [
    ("1", "price `125000.5`", "`125001` with warning `number_rounded`"),
    ("2", "no price, only a preliminary cost", "empty budget; `Предварительная стоимость` dropped"),
    ("3", "no manager", "error `empty_owner`"),
    ("4", "manager linked by id only", "API: `Сотрудник #1000099`; unchecked owner"),
    ("5", "state `На паузе`, not in the profile's `values`", "error `unknown_status`"),
    ("6, 26", "client e-mail `ivanov@mail` (the contact person's, person 6)", "error `bad_email`"),
    ("7", "HTML description with a list and `&lt;=`", "plain text note"),
    ("8", "client e-mail `zakupki@`", "error `bad_email`"),
    ("9", "custom fields: a `DateOnly` and a `Money`", "`2024-06-01`, `109096.14 RUB` (unmapped)"),
    ("10", "created `2024-12-31T23:30:00+03:00`", "`31.12.2024 23:30`"),
    ("11", "two client phones in one value", "the second → `Другой телефон (контакт)` (warning)"),
    ("12", "state `в работе` in lower case", "`values` match it → `Переговоры`"),
    ("33–40", "the client is a person (B2C) with no contact person",
     "API: the person in `Контактное лицо`, `Клиент` empty; UI: the person is in `Клиент` and lands as a "
     "company (a UI export does not say what the client is; warning `no_name` for the contact)"),
]  # fmt: skip

README_SECTION = """\
## Megaplan (`samples/megaplan/`)

Written by `samples/megaplan/make_megaplan.py` (seeded; a re-run gives the same bytes; it rewrites only
this section of the README, between its markers — run it again after `make_samples.py`). One small CRM
— 20 companies, 30 people (24 of them contact persons of a company), 40 deals, 4 employees — written
as Megaplan API v3 dumps and as Megaplan UI spreadsheet exports.

{files}

The API dumps follow the Megaplan API v3 reference (sources.md §3.2): `contentType` on every object,
`{{"contentType": "DateTime", "value": "2024-…T…+00:00"}}` dates (UTC, a few with `+03:00`), `DateOnly`
birthdays both as `value` and as year/month/day, `Money` objects, links `{{contentType, id, name}}`,
`contactInfo[]` with a free-text `comment`, HTML descriptions, `Category<N>CustomField<Name>` custom fields.
**The UI exports are undocumented** (no sample or description exists): their format, their column set and
their captions are our best guess. They use the same captions as `migrate.sources.megaplan` gives the API
dump (see its docstring), show dates in Moscow time (`DD.MM.YYYY HH:MM` cells), descriptions as plain text,
responsibles by name. A real export whose columns differ needs its own copy of the profile; a column the
profile maps but the file lacks is reported as `missing_column`.

Times: the API dump's UTC times are imported as written (the date transform keeps the clock time), so they
read 3 hours earlier than the UI export's Moscow times of the same records.

Mixed dump: `clients_api.json` holds people and companies in one table (column `Вид`). Through
`megaplan-clients-persons` the 20 company rows (31–50) are rejected (`required_empty` on `ФИО`), through
`megaplan-clients-companies` the 30 people rows (1–30) are; each kind lands in its own import. The
other kind's own columns (`Название`… for people, `ФИО`… for companies) and the custom fields show as
`unmapped_column` warnings (custom fields are account-specific, so the built-in profiles do not list them).

Planted dirt — clients. "person n" is API record n and UI row n + 1; "company n" is API record 30 + n and
CSV row n + 1.

{client_plants}

Planted dirt — deals: deal n is API record n and UI row n + 1.

{deal_plants}
"""


def table(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def write_readme_section(path: Path) -> None:
    """Replace (or append) the Megaplan section between the markers; the text above stays as it is."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    body = README_SECTION.format(
        files=table(("file", "imitates", "profile"), FILES),
        client_plants=table(("who", "dirt", "expected"), CLIENT_PLANTS),
        deal_plants=table(("deal", "dirt", "expected"), DEAL_PLANTS),
    )
    section = f"{START}\n{body}{END}\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + section + rest.split(END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def main() -> None:
    people, companies, deals = build()
    by_id = {c.id: c for c in people + companies}
    write_json(HERE / "clients_api.json", clients_dump(people, companies))
    write_json(HERE / "deals_api.json", deals_dump(deals, people, companies))
    persons = [person_ui(p, by_id) for p in people]
    write_xlsx(HERE / "clients_persons.xlsx", "Клиенты", PERSON_UI, persons,
               {13: {"Телефон": "", "Телефон (мобильный)": 79160124455}})  # fmt: skip
    write_csv(HERE / "clients_companies.csv", COMPANY_UI, [company_ui(c, by_id) for c in companies])
    write_xlsx(HERE / "deals.xlsx", "Сделки", DEAL_UI, [deal_ui(d, by_id) for d in deals], {})
    write_readme_section(README)


if __name__ == "__main__":
    main()
