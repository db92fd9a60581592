"""Write the synthetic sample files of samples/ (deterministic: the same bytes on every run).

Run from the repository root::

    python samples/make_samples.py

Writes samples/customers.xlsx, samples/customers_cp1251.csv, samples/planted.json and samples/README.md.
Users, stages and list options come from samples/account.json, so the samples follow the demo account.
Every planted defect is listed once, in XLSX_PLANTS / CSV_PLANTS below; planted.json and the README's
tables are generated from them, so the row numbers in the docs cannot drift from the files.

Nothing is real: names are drawn from short lists, INNs fail the FNS checksum on purpose, e-mails and sites
live under example.* domains and landline numbers start with 0 (no Russian local number does).
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import xlsxwriter

HERE = Path(__file__).resolve().parent
SEED = 20261001
FIXED_TIME = datetime(2026, 10, 1, 9, 0, 0)  # workbook "created" property, for byte-identical output

ACCOUNT = json.loads((HERE / "account.json").read_text(encoding="utf-8"))
USERS = [u["name"] for u in ACCOUNT["users"] if u.get("active", True)]
MAIN_PIPELINE = next(p for p in ACCOUNT["pipelines"] if p.get("is_main"))
SOURCES = [e["value"] for e in next(f for f in ACCOUNT["fields"]["leads"] if f["name"] == "Источник")["enums"]]
# Base rows avoid "Неразобранное" (type 1, not a stage one imports into) and "Согласование договора"
# (its required "Номер договора" has no column); both appear only where planted.
BASE_STAGES = [
    s["name"] for s in MAIN_PIPELINE["statuses"] if s.get("type") != 1 and s["name"] != "Согласование договора"
]
STAGE_WEIGHTS = [25, 20, 15, 22, 18]

XLSX_COLUMNS = [
    "Компания", "ИНН", "Контактное лицо", "Должность", "Телефон", "Моб. телефон", "E-mail", "Сделка",
    "Сумма", "Этап", "Менеджер", "Дата обращения", "Источник", "Комментарий", "Сайт", "Адрес",
]  # fmt: skip
CSV_COLUMNS = [c for c in XLSX_COLUMNS if c not in ("Сайт", "Адрес")]
TITLE = "Клиентская база ООО «Вектор» на 01.10.2026"
XLSX_HEADER_ROW = 3  # physical, 1-based: title at 1, blank at 2
XLSX_RECORDS = 300
XLSX_BLANK_ROWS = (57, 58, 141, 262)
CSV_RECORDS = 60

FIRST_M = ["Алексей", "Андрей", "Борис", "Виктор", "Денис", "Евгений", "Максим", "Михаил", "Павел", "Роман"]
FIRST_F = ["Алла", "Галина", "Дарья", "Екатерина", "Ирина", "Марина", "Наталья", "Светлана", "Юлия"]
FATHERS = ["Алексеев", "Андреев", "Иванов", "Николаев", "Петров", "Сергеев", "Юрьев"]
SURNAMES = [
    "Абрамов", "Белов", "Гусев", "Жуков", "Зайцев", "Карпов", "Лебедев", "Макаров", "Никитин", "Орлов",
    "Поляков", "Русаков", "Соболев", "Тихонов", "Фомин", "Чернов", "Шубин", "Яковлев",
]  # fmt: skip
POSITIONS = [
    "Генеральный директор", "Директор", "Коммерческий директор", "Менеджер по закупкам", "Главный инженер",
    "Инженер-сметчик", "Бухгалтер", "Снабженец", "Руководитель отдела снабжения", "Заместитель директора",
]  # fmt: skip
ROOTS = ["Техно", "Строй", "Агро", "Спец", "Пром", "Торг", "Инж", "Металл", "Энерго", "Сиб", "Урал", "Волга"]
ROOTS += ["Север", "Гранд", "Мега", "Эко", "Тепло", "Электро"]
ENDS = ["снаб", "сервис", "комплект", "маркет", "трейд", "лайн", "групп", "ресурс", "монтаж", "пласт", "профи"]
# city, landline code, INN region prefix
CITIES = [
    ("Москва", "495", "77"), ("Москва", "499", "77"), ("Санкт-Петербург", "812", "78"), ("Казань", "843", "16"),
    ("Екатеринбург", "343", "66"), ("Новосибирск", "383", "54"), ("Нижний Новгород", "831", "52"),
    ("Самара", "846", "63"), ("Уфа", "347", "02"), ("Краснодар", "861", "23"),
]  # fmt: skip
STREETS = ["ул. Ленина", "ул. Садовая", "пр-т Мира", "ул. Заводская", "ул. Промышленная", "ш. Энтузиастов"]
STREETS += ["ул. Лесная", "наб. Речная", "ул. Гагарина", "пер. Складской"]
MOBILE_CODES = ["903", "905", "909", "915", "916", "917", "925", "926", "977", "985"]
DEALS = [
    "Поставка металлопроката", "Поставка кабельной продукции", "Монтаж вентиляции", "Монтаж отопления",
    "Обслуживание оборудования", "Доставка сэндвич-панелей", "Поставка насосного оборудования",
    "Светильники для склада", "Стеллажи для склада", "Сервисный договор", "Замена кровли",
    "Поставка отопительных котлов",
]  # fmt: skip
COMMENTS = [
    "Просил КП", "Отправлено КП, ждём ответа", "Перезвонить после праздников", "Ждёт счёт",
    "Нужен выезд на объект", "Постоянный клиент", "Сравнивают с конкурентами", "Согласовать сроки доставки",
    "Оплата частями",
]  # fmt: skip
TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya".split(),
        strict=True,
    )
)


def translit(text: str) -> str:
    """Latin letters for e-mail and domain names: 'Техноснаб' -> 'tekhnosnab'."""
    return "".join(TRANSLIT.get(ch, ch) for ch in text.lower()).replace("_", "")


def fake_inn(rng: random.Random, region: str, digits: int = 10) -> str:
    """An INN-shaped string whose first control digit is deliberately wrong, so it can never be real."""
    body_len = 9 if digits == 10 else 10  # the digits the first control digit is computed over
    body = [int(c) for c in region] + [rng.randint(0, 9) for _ in range(body_len - len(region))]
    weights = [2, 4, 10, 3, 5, 9, 4, 6, 8] if digits == 10 else [7, 2, 4, 10, 3, 5, 9, 4, 6, 8]
    valid = sum(w * d for w, d in zip(weights, body, strict=True)) % 11 % 10
    wrong = (valid + rng.randint(1, 9)) % 10
    tail = [wrong] if digits == 10 else [wrong, rng.randint(0, 9)]
    return "".join(map(str, body + tail))


def digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def person(rng: random.Random) -> tuple[str, str, str]:
    """(first name, surname, patronymic) with matching gender."""
    female = rng.random() < 0.4
    first = rng.choice(FIRST_F if female else FIRST_M)
    surname = rng.choice(SURNAMES) + ("а" if female else "")
    patronymic = rng.choice(FATHERS) + ("на" if female else "ич")
    return first, surname, patronymic


def contact(rng: random.Random, domain: str | None, who: tuple[str, str, str] | None = None) -> dict[str, str]:
    first, surname, patronymic = who or person(rng)
    style = 0.0 if who else rng.random()
    if style < 0.5:
        name = f"{surname} {first} {patronymic}"
    elif style < 0.85:
        name = f"{first} {surname}"
    else:
        name = f"{surname} {first[0]}.{patronymic[0]}."
    if domain:
        email = f"{translit(first)[0]}.{translit(surname)}@{domain}"
    else:
        email = f"{translit(surname)}{rng.randint(1, 99)}@{rng.choice(['example.com', 'example.net'])}"
    mobile = f"+7 ({rng.choice(MOBILE_CODES)}) 0{digits(rng, 2)}-{digits(rng, 2)}-{digits(rng, 2)}"
    return {"name": name, "position": rng.choice(POSITIONS), "email": email, "mobile": mobile}


def company(rng: random.Random) -> dict[str, Any]:
    root, end = rng.choice(ROOTS), rng.choice(ENDS)
    while root.lower() == end:
        end = rng.choice(ENDS)
    brand = root + end
    city, code, region = rng.choice(CITIES)
    kind = rng.choices(["ООО", "ООО2", "ТД", "АО", "ИП", "plain"], [45, 15, 5, 10, 15, 10])[0]
    owner = None
    if kind == "ИП":
        owner = first, surname, patronymic = person(rng)
        name, inn, domain = f"ИП {surname} {first[0]}.{patronymic[0]}.", fake_inn(rng, region, 12), None
    else:
        name = {
            "ООО": f"ООО «{brand}»",
            "ООО2": f'ООО "{brand}"',
            "ТД": f"ООО «ТД «{brand}»»",
            "АО": f"АО «{brand}»",
            "plain": brand,
        }[kind]
        inn, domain = fake_inn(rng, region), f"{translit(brand)}.example.ru"
    local = f"0{digits(rng, 2)}-{digits(rng, 2)}-{digits(rng, 2)}"
    phone = f"{rng.choice(['+7', '+7', '+7', '8'])} ({code}) {local}"
    site = ""
    if domain and rng.random() < 0.6:
        site = rng.choice([f"www.{domain}", f"https://{domain}", domain])
    address = f"г. {city}, {rng.choice(STREETS)}, д. {rng.randint(1, 120)}"
    if rng.random() < 0.5:
        address += f", оф. {rng.randint(1, 450)}"
    if rng.random() < 0.2:
        address = ""
    # an ИП's contact is the entrepreneur; a firm has one or two people
    contacts = [contact(rng, domain, owner)] if owner else [contact(rng, domain) for _ in range(rng.choice([1, 1, 2]))]
    return {"name": name, "inn": inn, "phone": phone, "site": site, "address": address, "contacts": contacts}


def record(rng: random.Random, companies: list[dict[str, Any]]) -> dict[str, Any]:
    """One clean deal row; planted defects are applied on top of it afterwards."""
    comp = rng.choice(companies)
    who = rng.choice(comp["contacts"])
    deal = rng.choice(DEALS)
    if rng.random() < 0.3:
        deal += f" №{rng.randint(10, 990)}"
    amount: Any = int(round(rng.lognormvariate(12.0, 0.9), -3)) or 5000
    if rng.random() < 0.06:
        amount = ""
    return {
        "Компания": comp["name"],
        "ИНН": comp["inn"],
        "Контактное лицо": who["name"],
        "Должность": "Индивидуальный предприниматель" if comp["name"].startswith("ИП") else who["position"],
        "Телефон": comp["phone"] if rng.random() < 0.85 else "",
        "Моб. телефон": who["mobile"] if rng.random() < 0.5 else "",
        "E-mail": who["email"] if rng.random() < 0.85 else "",
        "Сделка": deal,
        "Сумма": amount,
        "Этап": rng.choices(BASE_STAGES, STAGE_WEIGHTS)[0],
        "Менеджер": rng.choices(USERS, [35, 25, 25, 15])[0],
        "Дата обращения": date(2024, 1, 10) + timedelta(days=rng.randint(0, 994)),
        "Источник": rng.choice(SOURCES) if rng.random() < 0.85 else "",
        "Комментарий": rng.choice(COMMENTS) if rng.random() < 0.3 else "",
        "Сайт": comp["site"],
        "Адрес": comp["address"],
    }


# ---------------------------------------------------------------- planted defects


@dataclass(frozen=True)
class Plant:
    row: int
    column: str
    value: Any  # str (text cell), int/float (number cell), date/datetime (date cell); "" = empty cell
    dirt: str
    outcome: str  # what a run with samples/account.json should give: ok | warning | error | depends
    expect: str


def plants(rows: tuple[int, ...], column: str, value: Any, dirt: str, outcome: str, expect: str) -> list[Plant]:
    return [Plant(r, column, value, dirt, outcome, expect) for r in rows]


_INN = random.Random(SEED + 7)
TWO_PHONES = "8 (916) 123-45-67, 8-903-111-22-33"
LATIN_A = "\u0041нна Смирнова"  # Latin capital A
LATIN_C = "Анна \u0043мирнова"  # Latin capital C
UNKNOWN_OWNER = "error unknown_owner"

XLSX_PLANTS: list[Plant] = [
    # phones
    *plants((5, 40), "Телефон", 79161234567, "phone typed as a number", "ok", "→ +79161234567"),
    *plants((12, 77), "Моб. телефон", 89031112233, "phone typed as a number, 8-prefix", "ok", "→ +79031112233"),
    *plants((150,), "Телефон", 89031112233, "phone typed as a number, 8-prefix", "ok", "→ +79031112233"),
    *plants((8,), "Телефон", "8 (916) 123-45-67", "phone as text, 8-prefix", "ok", "→ +79161234567"),
    *plants((90,), "Моб. телефон", "8 (916) 123-45-67", "phone as text, 8-prefix", "ok", "→ +79161234567"),
    *plants((15,), "Телефон", "+7 916 123-45-67", "phone as text", "ok", "→ +79161234567"),
    *plants((120,), "Моб. телефон", "+7 916 123-45-67", "phone as text", "ok", "→ +79161234567"),
    *plants(
        (30, 200),
        "Телефон",
        TWO_PHONES,
        "two phones in one cell",
        "warning",
        "extra_values_moved (2nd phone to another phone column) or extra_values_joined; row kept",
    ),
    *plants(
        (250,),
        "Моб. телефон",
        TWO_PHONES,
        "two phones in one cell",
        "warning",
        "extra_values_moved or extra_values_joined; row kept",
    ),
    *plants((44, 180), "Телефон", "12345", "invalid phone", "error", "bad_phone"),
    *plants((290,), "Моб. телефон", "12345", "invalid phone", "error", "bad_phone"),
    # INN
    *[
        Plant(r, "ИНН", fake_inn(_INN, "02"), "INN as text with a leading zero", "ok", "leading zero kept")
        for r in (6, 50, 133, 222)
    ],
    *[
        Plant(r, "ИНН", int(fake_inn(_INN, "77")), "INN typed as a number", "ok", "10 digits, no '.0'")
        for r in (9, 66, 170, 242)
    ],
    Plant(
        99,
        "ИНН",
        int(fake_inn(_INN, "02")),
        "INN typed as a number, leading zero already lost (9 digits)",
        "ok",
        "exported as the 9 digits; a loss no tool can undo",
    ),
    # owners
    *plants((10, 70, 160), "Менеджер", "Смирнова Анна", "owner, surname first", "ok", "owners.map → Анна Смирнова"),
    *plants(
        (20, 110, 210),
        "Менеджер",
        "смирнова  анна",
        "owner, lower case + double space",
        "ok",
        "matched after normalising case/spaces (not in owners.map as written)",
    ),
    *plants(
        (25,),
        "Менеджер",
        LATIN_A,
        "owner with a Latin look-alike 'A'",
        "depends",
        "ok if look-alikes are folded, else unknown_owner with suggestion 'Анна Смирнова'",
    ),
    *plants(
        (190,),
        "Менеджер",
        LATIN_C,
        "owner with a Latin look-alike 'C'",
        "depends",
        "ok if look-alikes are folded, else unknown_owner with suggestion 'Анна Смирнова'",
    ),
    *plants(
        (35, 185),
        "Менеджер",
        "Смирнва Анна",
        "owner misspelt",
        "error",
        "unknown_owner, suggestion 'Анна Смирнова'",
    ),
    *plants((45, 155), "Менеджер", "Петров Игорь", "owner, surname first", "ok", "owners.map → Игорь Петров"),
    *plants((130, 230), "Менеджер", "Волков Д.", "owner abbreviated", "ok", "owners.map → Дмитрий Волков"),
    *plants(
        (95,),
        "Менеджер",
        "Кузнецова Ольга",
        "owner, surname first, not in owners.map",
        "depends",
        "ok if matching ignores word order, else unknown_owner with suggestion 'Ольга Кузнецова'",
    ),
    *plants((55, 235), "Менеджер", "Сергей Козлов", "owner unknown (left the company)", "error", "unknown_owner"),
    *plants((125,), "Менеджер", "Татьяна Белова", "owner unknown", "error", "unknown_owner"),
    *plants((38, 88, 188, 288), "Менеджер", "", "owner empty", "error", "empty_owner (profile has no default)"),
    *plants(
        (33, 144),
        "Менеджер",
        "Елена Морозова",
        "owner is an inactive user",
        "error",
        "inactive_owner (AmoCRM refuses a deactivated user as responsible)",
    ),
    # stages
    *plants((14, 84, 174), "Этап", "Переговры", "stage typo", "ok", "profile values → Переговоры"),
    *plants(
        (24, 124),
        "Этап",
        "первичный контакт",
        "stage in lower case",
        "depends",
        "ok → 'Первичный контакт' if stages match case-insensitively, else unknown_status with suggestion",
    ),
    *plants(
        (34, 134, 234),
        "Этап",
        "Согласование договра",
        "stage typo, not in profile values",
        "error",
        "unknown_status, suggestion 'Согласование договора'",
    ),
    *plants((64, 164, 264), "Этап", "В работе", "stage that does not exist", "error", "unknown_status"),
    *plants((74, 194), "Этап", "Успешно", "stage shorthand", "ok", "profile values → Успешно реализовано"),
    *plants((104, 204), "Этап", "Отказ", "stage shorthand", "ok", "profile values → Закрыто и не реализовано"),
    *plants(
        (54, 114, 254),
        "Этап",
        "Согласование договора",
        "stage whose required field has no column",
        "error",
        "required_at_status: 'Номер договора' is required at this stage",
    ),
    *plants(
        (244,),
        "Этап",
        "Счёт выставлен",
        "stage of the other pipeline (no Воронка column)",
        "error",
        "unknown_status (it is a stage of 'Оптовые продажи', not of the main pipeline)",
    ),
    *plants((284,), "Этап", "", "stage empty", "ok", "no status written; the importer uses the first stage"),
    # source (select field)
    *plants((17, 117, 217), "Источник", "Яндекс", "list value not in the field", "error", "value_not_in_list"),
    *plants((67,), "Источник", "Авито", "list value not in the field", "error", "value_not_in_list"),
    *plants(
        (47, 147),
        "Источник",
        "сайт",
        "list value in the wrong case",
        "depends",
        "value_not_in_list with suggestion 'Сайт' (the importer is case-sensitive), unless the tool fixes case",
    ),
    *plants((197,), "Источник", "Сайт ", "list value with a trailing space", "ok", "trimmed → Сайт"),
    # amount
    *plants((11, 111), "Сумма", "1 500 000,00", "amount as text, spaces + decimal comma", "ok", "→ 1500000"),
    *plants((211,), "Сумма", "1\u00a0500\u00a0000,00", "amount as text, no-break spaces", "ok", "→ 1500000"),
    *plants(
        (21, 121, 221),
        "Сумма",
        "150000 руб.",
        "amount with a currency word",
        "depends",
        "→ 150000 if the number transform drops the unit, else bad_number",
    ),
    *plants((31, 131, 231), "Сумма", "договорная", "amount is a word", "error", "bad_number"),
    *plants((41,), "Сумма", 125000.5, "amount with kopecks", "warning", "number_rounded (whole numbers only)"),
    *plants((241,), "Сумма", 99999.99, "amount with kopecks", "warning", "number_rounded → 100000"),
    # dates
    *plants((13, 113, 213), "Дата обращения", "01.10.2025", "date as text DD.MM.YYYY", "ok", "→ 01.10.2025"),
    *plants((23, 123, 223), "Дата обращения", "2025-10-01", "date as ISO text", "ok", "→ 01.10.2025"),
    *plants((63,), "Дата обращения", datetime(2025, 10, 1, 14, 35), "date cell with a time", "ok", "→ 01.10.2025"),
    *plants((53,), "Дата обращения", "31.02.2025", "impossible date", "error", "bad_date"),
    *plants((253,), "Дата обращения", "сентябрь 2025", "date as words", "error", "bad_date"),
    # comments (formula-like text)
    *plants((16, 116), "Комментарий", "=СРОЧНО перезвонить", "text starting with '='", "ok", "written as text"),
    *plants((26, 126), "Комментарий", "+ скидка 5% при предоплате", "text starting with '+'", "ok", "written as text"),
    *plants(
        (36, 136), "Комментарий", "-10% согласовано с директором", "text starting with '-'", "ok", "written as text"
    ),
    *plants((46, 146), "Комментарий", "@Игорь проверить оплату", "text starting with '@'", "ok", "written as text"),
    *plants((56,), "Комментарий", "Звонил 2 раза,\nне берёт трубку", "line break inside the cell", "ok", "kept as is"),
    # e-mail
    *plants(
        (18, 118, 218),
        "E-mail",
        "A.Orlov@TEKHNOSNAB.EXAMPLE.RU",
        "e-mail in upper case",
        "ok",
        "→ a.orlov@tekhnosnab.example.ru (or domain lower-cased)",
    ),
    *plants((28, 128), "E-mail", "ivanov@mail", "e-mail without a domain zone", "error", "bad_email"),
    *plants((228,), "E-mail", "sidorov.example.com", "e-mail without @", "error", "bad_email"),
    *plants(
        (48, 148),
        "E-mail",
        "zakupki@grandsnab.example.ru, m.belova@grandsnab.example.ru",
        "two e-mails in one cell (comma)",
        "warning",
        "extra_values_moved or extra_values_joined; row kept",
    ),
    *plants(
        (248,),
        "E-mail",
        "info@uralprofi.example.ru; d.fomin@uralprofi.example.ru",
        "two e-mails in one cell (semicolon)",
        "warning",
        "extra_values_moved or extra_values_joined; row kept",
    ),
    *plants((78,), "E-mail", " olga.n@example.com ", "e-mail with spaces around", "ok", "trimmed"),
    # names
    *plants((19, 119, 219, 279), "Сделка", "", "no deal name", "warning", "no_name (placeholder name)"),
    *plants((49,), "Контактное лицо", "", "no contact name", "warning", "no_name (placeholder name)"),
    *plants(
        (29,),
        "Компания",
        "",
        "no company name (its ИНН is still filled)",
        "warning",
        "no_name (the company gets a placeholder name)",
    ),
    *plants((39,), "Компания", "  ООО «Техснаб»  ", "company name with spaces around", "ok", "trimmed"),
]

CSV_PLANTS: list[Plant] = [
    *plants((3,), "Телефон", "79161234567", "phone as bare digits", "ok", "→ +79161234567"),
    *plants((33,), "Моб. телефон", "89031112233", "phone as bare digits, 8-prefix", "ok", "→ +79031112233"),
    *plants((8,), "Телефон", "8 (916) 123-45-67", "phone as text, 8-prefix", "ok", "→ +79161234567"),
    *plants((13,), "Телефон", "+7 916 123-45-67", "phone as text", "ok", "→ +79161234567"),
    *plants((18,), "Телефон", TWO_PHONES, "two phones in one cell", "warning", "extra_values_moved or _joined"),
    *plants((23,), "Телефон", "12345", "invalid phone", "error", "bad_phone"),
    *plants(
        (28,),
        "Телефон",
        "7,91612E+10",
        "phone mangled by Excel into exponent form",
        "error",
        "bad_phone (digits lost before the CSV was saved)",
    ),
    Plant(4, "ИНН", fake_inn(_INN, "02"), "INN with a leading zero", "ok", "leading zero kept"),
    Plant(9, "ИНН", fake_inn(_INN, "02")[1:], "INN whose leading zero was lost (9 digits)", "ok", "exported as is"),
    *plants((5,), "Менеджер", "Смирнова Анна", "owner, surname first", "ok", "owners.map → Анна Смирнова"),
    *plants((10,), "Менеджер", "смирнова  анна", "owner, lower case + double space", "ok", "normalised match"),
    *plants((15,), "Менеджер", "Смирнва Анна", "owner misspelt", "error", "unknown_owner, suggestion"),
    *plants((20,), "Менеджер", "Сергей Козлов", "owner unknown", "error", "unknown_owner"),
    *plants((25,), "Менеджер", "", "owner empty", "error", "empty_owner"),
    *plants(
        (30,),
        "Менеджер",
        LATIN_A,
        "owner with a Latin look-alike 'A'",
        "depends",
        "ok if look-alikes are folded, else unknown_owner with suggestion",
    ),
    *plants((35,), "Менеджер", "Волков Д.", "owner abbreviated", "ok", "owners.map → Дмитрий Волков"),
    *plants((6,), "Этап", "Переговры", "stage typo", "ok", "profile values → Переговоры"),
    *plants((11,), "Этап", "первичный контакт", "stage in lower case", "depends", "ok if case-insensitive"),
    *plants((16,), "Этап", "Согласование договра", "stage typo", "error", "unknown_status, suggestion"),
    *plants((21,), "Этап", "В работе", "stage that does not exist", "error", "unknown_status"),
    *plants((26,), "Этап", "Успешно", "stage shorthand", "ok", "profile values → Успешно реализовано"),
    *plants((31,), "Этап", "Согласование договора", "required field has no column", "error", "required_at_status"),
    *plants((7,), "Источник", "Яндекс", "list value not in the field", "error", "value_not_in_list"),
    *plants((12,), "Источник", "сайт", "list value in the wrong case", "depends", "value_not_in_list, suggestion"),
    *plants((14,), "Сумма", "1 500 000,00", "amount, spaces + decimal comma", "ok", "→ 1500000"),
    *plants((19,), "Сумма", "150000 руб.", "amount with a currency word", "depends", "→ 150000 or bad_number"),
    *plants((24,), "Сумма", "договорная", "amount is a word", "error", "bad_number"),
    *plants((29,), "Сумма", "125000,50", "amount with kopecks, decimal comma", "warning", "number_rounded"),
    *plants((17,), "Дата обращения", "2025-10-01", "date as ISO text", "ok", "→ 01.10.2025"),
    *plants((22,), "Дата обращения", "31.02.2025", "impossible date", "error", "bad_date"),
    *plants((27,), "Дата обращения", "01.10.25", "date with a 2-digit year", "depends", "→ 01.10.2025 or bad_date"),
    *plants((32,), "Дата обращения", "01.10.2025 14:35", "date with a time", "ok", "→ 01.10.2025"),
    *plants((34,), "Комментарий", "=СРОЧНО перезвонить", "text starting with '='", "ok", "written as text"),
    *plants((36,), "Комментарий", 'Сказал "перезвоните в понедельник"', "quotes inside (CSV-escaped)", "ok", "kept"),
    *plants((37,), "Комментарий", "+ скидка 5%", "text starting with '+'", "ok", "written as text"),
    *plants((38,), "Комментарий", "-10% согласовано", "text starting with '-'", "ok", "written as text"),
    *plants((39,), "Комментарий", "@Игорь проверить оплату", "text starting with '@'", "ok", "written as text"),
    *plants(
        (40,),
        "Комментарий",
        "Звонил 2 раза; не берёт\nперезвонить в пятницу",
        "quoted field with ';' and a line break",
        "ok",
        "kept; this record spans file lines 40-41, so later records sit one line lower",
    ),
    *plants((41,), "E-mail", "A.Orlov@TEKHNOSNAB.EXAMPLE.RU", "e-mail in upper case", "ok", "lower-cased"),
    *plants((42,), "E-mail", "ivanov@mail", "e-mail without a domain zone", "error", "bad_email"),
    *plants(
        (43,),
        "E-mail",
        "zakupki@grandsnab.example.ru, m.belova@grandsnab.example.ru",
        "two e-mails in one cell",
        "warning",
        "extra_values_moved or _joined",
    ),
    *plants((44,), "Сделка", "", "no deal name", "warning", "no_name"),
    *plants((45,), "Компания", 'ООО "Рога и копыта"', "straight quotes (CSV-escaped)", "ok", "kept"),
    *plants((46,), "Сделка", "Поставка; монтаж", "';' inside a field (quoted)", "ok", "kept"),
]
CSV_EMPTY_RECORDS = (50,)  # a record of bare separators, as Excel writes a blank row


def inn_rows(items: list[Plant]) -> set[int]:
    return {p.row for p in items if p.column == "ИНН"}


def check_plants(items: list[Plant], columns: list[str], valid_rows: set[int]) -> None:
    seen: set[int] = set()
    for p in items:
        assert p.column in columns, p
        assert p.row in valid_rows, f"row {p.row} is not a data row"
        assert p.row not in seen, f"row {p.row} planted twice"
        seen.add(p.row)


# ---------------------------------------------------------------- writers


def xlsx_rows() -> list[int]:
    last = XLSX_HEADER_ROW + XLSX_RECORDS + len(XLSX_BLANK_ROWS)
    return [r for r in range(XLSX_HEADER_ROW + 1, last + 1) if r not in XLSX_BLANK_ROWS]


def build_records(
    rng: random.Random, rows: list[int], n_companies: int, org_rows: set[int]
) -> dict[int, dict[str, Any]]:
    """Clean records by physical row; `org_rows` (where a 10-digit INN is planted) get no ИП."""
    companies = [company(rng) for _ in range(n_companies)]
    orgs = [c for c in companies if not c["name"].startswith("ИП")]
    return {row: record(rng, orgs if row in org_rows else companies) for row in rows}


def write_cell(ws: Any, row: int, col: int, value: Any, fmt: dict[str, Any], column: str) -> None:
    if value == "" or value is None:
        return
    if isinstance(value, str):
        # write_string, never write(): "=СРОЧНО…" must stay text, and URLs must not become hyperlinks
        ws.write_string(row, col, value, fmt["wrap"] if "\n" in value else None)
    elif isinstance(value, datetime):
        ws.write_datetime(row, col, value, fmt["datetime"])
    elif isinstance(value, date):
        ws.write_datetime(row, col, datetime(value.year, value.month, value.day), fmt["date"])
    elif column == "Сумма":
        ws.write_number(row, col, value, fmt["kopecks"] if isinstance(value, float) else fmt["money"])
    else:
        ws.write_number(row, col, value)


def write_xlsx(path: Path, records: dict[int, dict[str, Any]]) -> None:
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"title": TITLE, "author": "Вектор", "created": FIXED_TIME})
    fmt = {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "head": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}),
        "date": wb.add_format({"num_format": "dd.mm.yyyy"}),
        "datetime": wb.add_format({"num_format": "dd.mm.yyyy hh:mm"}),
        "money": wb.add_format({"num_format": "#,##0"}),
        "kopecks": wb.add_format({"num_format": "#,##0.00"}),
        "wrap": wb.add_format({"text_wrap": True}),
    }
    ws = wb.add_worksheet("Клиенты")
    ws.merge_range(0, 0, 0, 7, TITLE, fmt["title"])
    for col, name in enumerate(XLSX_COLUMNS):
        ws.write_string(XLSX_HEADER_ROW - 1, col, name, fmt["head"])
    for row, rec in records.items():
        for col, name in enumerate(XLSX_COLUMNS):
            write_cell(ws, row - 1, col, rec[name], fmt, name)
    widths = [30, 13, 28, 24, 20, 20, 32, 34, 13, 24, 18, 14, 13, 32, 26, 40]
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.freeze_panes(XLSX_HEADER_ROW, 0)
    ws.autofilter(XLSX_HEADER_ROW - 1, 0, max(records), len(XLSX_COLUMNS) - 1)

    notes = wb.add_worksheet("Справка")
    lines = [
        "Справка по клиентской базе",
        "",
        "Ведёт: отдел продаж ООО «Вектор»; обновлено 01.10.2026",
        "Менеджеры: " + ", ".join(USERS),
        "Этапы — как в amoCRM: " + ", ".join(BASE_STAGES),
        "Суммы в рублях, без НДС",
        "Источник «Яндекс» = контекстная реклама",
    ]
    for i, line in enumerate(lines):
        if line:
            notes.write_string(i, 0, line, fmt["title"] if i == 0 else None)
    notes.set_column(0, 0, 90)
    wb.close()


def csv_text(value: Any) -> str:
    """A value as Russian Excel's "CSV (разделители — точки с запятой)" would write it."""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float):
        return f"{value:.2f}".replace(".", ",")
    return str(value)


def write_csv(path: Path, records: dict[int, dict[str, Any]]) -> None:
    with path.open("w", encoding="cp1251", newline="") as fh:
        out = csv.writer(fh, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        out.writerow(CSV_COLUMNS)
        for row in sorted(records):
            rec = records[row]
            out.writerow([""] * len(CSV_COLUMNS) if rec is None else [csv_text(rec[c]) for c in CSV_COLUMNS])


def apply(records: dict[int, Any], items: list[Plant]) -> None:
    for p in items:
        records[p.row][p.column] = p.value


# ---------------------------------------------------------------- docs


def plant_json(p: Plant) -> dict[str, Any]:
    d = asdict(p)
    v = p.value
    if isinstance(v, date):
        d["value"], d["cell"] = v.isoformat(), "date"
    else:
        d["cell"] = "empty" if v == "" else "text" if isinstance(v, str) else "number"
    return d


def show(value: Any) -> str:
    if value == "":
        return "*(empty)*"
    if isinstance(value, date):
        return f"{value.isoformat(sep=' ', timespec='minutes') if isinstance(value, datetime) else value} (date cell)"
    if not isinstance(value, str):
        return f"{value} (number cell)"
    text = value.replace("\n", "↵").replace("\u00a0", "⍽").replace("|", "\\|")
    if text != text.strip() or "  " in text:
        text = text.replace(" ", "·")
    return f"`{text}`"


def table(items: list[Plant]) -> str:
    lines = ["| row | column | value | dirt | outcome | expected |", "|---:|---|---|---|---|---|"]
    for p in sorted(items, key=lambda p: p.row):
        lines.append(f"| {p.row} | {p.column} | {show(p.value)} | {p.dirt} | {p.outcome} | {p.expect} |")
    return "\n".join(lines)


def rows_by(items: list[Plant], outcome: str) -> str:
    return ", ".join(str(r) for r in sorted(p.row for p in items if p.outcome == outcome)) or "—"


README = """\
# samples/ — synthetic legacy exports for amomigrate

Everything here except `account.json` is written by `make_samples.py` (seeded: a re-run gives
byte-identical files). Do not edit the generated files by hand — change the plant lists in
`make_samples.py` and run `python samples/make_samples.py` from the repository root. This README is
generated too, so its row numbers always match the files.

No real data: people are combinations of short name lists, INNs fail the FNS checksum on purpose,
e-mails and sites are under `example.*` domains, landline numbers start with 0 (no Russian local number
does); the planted `916 123-45-67` / `903 111-22-33` are the usual placeholder numbers.

| file | what it is |
|---|---|
| `account.json` | demo account schema (subdomain `demo`), validates against `migrate/data/account.schema.json` |
| `customers.xlsx` | a small B2B firm's customer base kept by hand in Excel: a row = a deal + contact + company |
| `customers_cp1251.csv` | the same kind of base saved by Russian Excel as "CSV (разделители — точки с запятой)" |
| `planted.json` | every planted cell (row, column, value, cell kind, dirt, expected outcome), for tests |
| `make_samples.py` | the generator |

Profiles for them: `profiles/customers.yaml` (xlsx) and `profiles/customers-csv.yaml` (csv), written for
`account.json`:

```
amomigrate validate samples/customers.xlsx -p profiles/customers.yaml --schema samples/account.json
amomigrate export samples/customers_cp1251.csv -p profiles/customers-csv.yaml \\
    --schema samples/account.json -o out/customers-csv.xlsx
```

## What happens to every cell

Every report carries a **cell ledger**: per source column, the non-empty cells read and where each went —
`exported`, in a `rejected` row (the rejects workbook), `merged` into a duplicate, `linked` (a `key` or
`links` column), `dropped` on purpose (`null` in the profile) or `unmapped` (not in the profile, or mapped
to a target the account lacks); read = the sum, for every column. `amomigrate validate`/`export` print
`not exported: N non-empty cells in K columns: …` whenever a cell is not exported; the report workbook
has a `Ledger` sheet; `report.ledger()` is the DataFrame.

The built-in profiles drop no column that carries phones, e-mails, names or comments: several source
columns may map to one target (Bitrix24's pager and mailing phones and the aggregate «Телефон» join
«Другой телефон»; «Отчество» joins «Имя»; extra comment columns join the note on a new line), and a phone
already in the row is not written twice. Columns a Bitrix24 grid shows only on request (messengers,
pager, mailing, aggregates) are `optional: true`: a file without them gets an info line, not an error.

Transforms a profile may name on any column: `text` (line breaks kept in notes and text fields, folded in
names and other one-line fields), `number`, `phone`, `email`, `date`, `datetime`, `html`, `checkbox`,
`url`, `name`, `raw`; `values:` maps cell values on any column.

## account.json

Users (one inactive):

| id | name | email | active |
|---:|---|---|---|
{users}

Pipelines (stage ids in brackets; 142/143 are the system stages):

{pipelines}

Fields (the predefined PHONE/EMAIL/POSITION/IM/WEB/ADDRESS exactly as in the bundled default account):

| entity | field | type |
|---|---|---|
{fields}

In the combined leads import the company field `ИНН` is the header `ИНН (компания)`, the lead field
`Источник` is `Источник`.

## customers.xlsx

- Sheets: `Клиенты` (the data, first) and `Справка` (a few lines of notes — not data; a reader that takes
  the wrong sheet finds none of the columns).
- Row 1: the title `{title}` (merged over A1:H1); row 2 blank; **row {header_row}: the header**
  (autofilter, frozen); rows {first_row}–{last_row}: {records} records; rows {blank_rows} are blank
  (no cells) in the middle of the data.
- Columns: {xlsx_columns}.
- Base (every cell not listed below) is clean for `account.json`: `Менеджер` is an active user's exact
  name; `Этап` a correctly spelt stage of `Воронка` (never `Неразобранное` or `Согласование договора`);
  `Источник` an option or empty; `Сумма` a whole-number cell (format `#,##0`) or empty; `Дата обращения` a
  date cell; phones text `+7 (495) 0xx-xx-xx` / `8 (843) 0xx-xx-xx` / `+7 (916) 0xx-xx-xx`; `ИНН` a text cell
  (10 digits, 12 for ИП); e-mails in lower case. Company names come as `ООО «…»`, `ООО "…"`,
  `ООО «ТД «…»»`, `АО «…»`, `ИП Фамилия И.О.` and bare names; many companies have several deals.

Expected with `--schema samples/account.json -p profiles/customers.yaml` (outcome column below):

- read **{records}** rows (the 4 blank rows are skipped, not rejected);
- **error** (row rejected): {x_error};
- **warning** (row kept): {x_warning};
- **depends** on how forgiving the tool's matching/parsing is (see the table): {x_depends};
- every other row exports with no issue.

With the bundled default schema instead (no `--schema`): `ИНН (компания)` and `Источник` are
`unknown_field` (the columns are not exported), owners cannot be checked (one `unchecked_owner` warning per
distinct owner, empty owners still `empty_owner`), stages check against the same `Воронка` stage names,
and `Согласование договора` needs nothing (no required field).

Planted cells (physical rows, header = row {header_row}):

{xlsx_table}

## customers_cp1251.csv

- windows-1251, no BOM, `;` separator, CRLF line ends, fields quoted only when needed (`;`, `"`, line
  break); header at line 1; records 2–{csv_last}: {csv_records} records, of which record {csv_empty} is
  bare separators (a blank Excel row), so {csv_data} data rows.
- Columns: {csv_columns} (no `Сайт`/`Адрес`).
- Everything is text as Excel wrote it: dates `DD.MM.YYYY`, amounts bare integers, INN digits.
- Row numbers are **record** numbers (header = 1). Record 40 holds a line break inside a quoted field,
  so from record 41 on the file line is record number + 1.

Expected with `--schema samples/account.json -p profiles/customers-csv.yaml`:

- **error**: {c_error};
- **warning**: {c_warning};
- **depends**: {c_depends}.

{csv_table}
"""


def account_summary() -> dict[str, str]:
    users = "\n".join(
        f"| {u['id']} | {u['name']} | {u['email']} | {'yes' if u.get('active', True) else '**no**'} |"
        for u in ACCOUNT["users"]
    )
    pipelines = "\n".join(
        f"- **{p['name']}** (id {p['id']}{', main' if p.get('is_main') else ''}): "
        + " → ".join(f"{s['name']} ({s['id']})" for s in p["statuses"])
        for p in ACCOUNT["pipelines"]
    )
    fields = []
    for entity, items in ACCOUNT["fields"].items():
        for f in items:
            extra = f": {', '.join(e['value'] for e in f['enums'])}" if f.get("enums") and not f.get("code") else ""
            if f.get("required_statuses"):
                extra += "; required at stage Согласование договора of Воронка"
            code = f" `{f['code']}`" if f.get("code") else ""
            fields.append(f"| {entity} | {f['name']}{code} | {f['type']}{extra} |")
    return {"users": users, "pipelines": pipelines, "fields": "\n".join(fields)}


def write_readme(path: Path) -> None:
    xrows = xlsx_rows()
    text = README.format(
        title=TITLE,
        header_row=XLSX_HEADER_ROW,
        first_row=xrows[0],
        last_row=xrows[-1],
        records=XLSX_RECORDS,
        blank_rows=", ".join(map(str, XLSX_BLANK_ROWS)),
        xlsx_columns=", ".join(f"`{c}`" for c in XLSX_COLUMNS),
        csv_columns=", ".join(f"`{c}`" for c in CSV_COLUMNS),
        csv_records=CSV_RECORDS,
        csv_last=CSV_RECORDS + 1,
        csv_data=CSV_RECORDS - len(CSV_EMPTY_RECORDS),
        csv_empty=", ".join(map(str, CSV_EMPTY_RECORDS)),
        xlsx_table=table(XLSX_PLANTS),
        csv_table=table(CSV_PLANTS),
        **account_summary(),
        **{f"x_{o}": rows_by(XLSX_PLANTS, o) for o in ("error", "warning", "depends")},
        **{f"c_{o}": rows_by(CSV_PLANTS, o) for o in ("error", "warning", "depends")},
    )
    path.write_text(text, encoding="utf-8")


def main() -> None:
    rows = xlsx_rows()
    check_plants(XLSX_PLANTS, XLSX_COLUMNS, set(rows))
    records = build_records(random.Random(SEED), rows, 110, inn_rows(XLSX_PLANTS))
    apply(records, XLSX_PLANTS)
    write_xlsx(HERE / "customers.xlsx", records)

    csv_rows = list(range(2, CSV_RECORDS + 2))
    data_rows = [r for r in csv_rows if r not in CSV_EMPTY_RECORDS]
    check_plants(CSV_PLANTS, CSV_COLUMNS, set(data_rows))
    csv_records: dict[int, Any] = build_records(random.Random(SEED + 1), data_rows, 30, inn_rows(CSV_PLANTS))
    apply(csv_records, CSV_PLANTS)
    csv_records.update({r: None for r in CSV_EMPTY_RECORDS})
    write_csv(HERE / "customers_cp1251.csv", csv_records)

    manifest = {
        "customers.xlsx": {
            "sheet": "Клиенты",
            "header_row": XLSX_HEADER_ROW,
            "data_rows": XLSX_RECORDS,
            "blank_rows": list(XLSX_BLANK_ROWS),
            "plants": [plant_json(p) for p in XLSX_PLANTS],
        },
        "customers_cp1251.csv": {
            "encoding": "cp1251",
            "delimiter": ";",
            "header_row": 1,
            "data_rows": CSV_RECORDS - len(CSV_EMPTY_RECORDS),
            "blank_rows": list(CSV_EMPTY_RECORDS),
            "row_numbers": "record numbers (header = 1); file lines differ after the multi-line record 40",
            "plants": [plant_json(p) for p in CSV_PLANTS],
        },
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=1)
    (HERE / "planted.json").write_text(text + "\n", encoding="utf-8")
    write_readme(HERE / "README.md")


if __name__ == "__main__":
    main()
