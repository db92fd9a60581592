"""Generate the synthetic Bitrix24 exports in samples/bitrix24/ (seeded: a re-run gives identical bytes).

Run from anywhere: `python samples/bitrix24/make_bitrix24.py`. The outputs are committed; tests never run
this script. Each file imitates one real export byte for byte as Bitrix24's own templates write it
(shared/sources.md §1-§2; CORE `crm.<entity>.list/templates/.default/csv.php` and `excel.php`):

- UI CSV: UTF-8 with BOM, every field quoted (`"` doubled), each field followed by `;` (so every line
  ends in `;`), lines ended by LF (PHP `echo "\\n"`), values raw (`htmlspecialcharsback`), multi-line
  values inside quotes — with the CRLF a browser textarea stores;
- UI "Excel": `<meta http-equiv="Content-type" content="text/html;charset=…" />` + one `<table>`, header
  cells raw, values HTML-escaped (`&quot;` `&amp;` `&lt;` `&gt;`), the comment column raw HTML, all rows
  of the body on one line; UTF-8 with BOM (cloud) or windows-1251 without BOM (old self-hosted);
- REST: `crm.deal.list` / `crm.contact.list` responses, every scalar a string, PHONE/EMAIL/WEB/IM arrays
  of `{ID, VALUE_TYPE, VALUE, TYPE_ID}`, pages of 50 with `next`/`total`/`time`.

No real data: people are combinations of short name lists, companies are invented, e-mails and sites are
under `example.ru`, every phone's subscriber number starts with 0 (no Russian subscriber number does).
The dirt each file carries is listed in PLANTED and written to samples/README.md (its own section).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 24

USERS = {"1": "Анна Смирнова", "7": "Игорь Петров", "12": "Ольга Кузнецова", "15": "Дмитрий Волков"}
DEPARTED = ("23", "Сергей Козлов")
OWNERS = list(USERS.values())

MALE = ["Алексей", "Андрей", "Максим", "Павел", "Михаил", "Николай", "Евгений", "Роман", "Кирилл", "Артём"]
FEMALE = ["Елена", "Мария", "Наталья", "Татьяна", "Ирина", "Светлана", "Юлия", "Анастасия", "Екатерина", "Алёна"]
SURNAMES = ["Соколов", "Лебедев", "Новиков", "Морозов", "Зайцев", "Павлов", "Семёнов", "Голубев",
            "Виноградов", "Богданов", "Воробьёв", "Фёдоров", "Михайлов", "Беляев", "Тарасов", "Белов", "Комаров",
            "Орлов"]  # fmt: skip
PATRONYMICS = ["Александров", "Сергеев", "Игорев", "Викторов", "Андреев", "Олегов"]
POSTS = ["Директор", "Генеральный директор", "Менеджер по закупкам", "Главный инженер", "Бухгалтер",
         "Руководитель отдела снабжения", "Коммерческий директор", ""]  # fmt: skip
COMPANIES = ["ООО «Техснаб»", 'ООО "Грандмаркет"', "АО «Уралпрофи»", "ООО «Вектор-М»", 'ООО "Альфа-Строй"',
             "ЗАО «Северный ветер»", 'ООО "Промтех"', "ООО «Электролайн»", "ИП Соколов А. В.", "ООО «Стройресурс»",
             'ООО "Медиагрупп"', "ООО «Кедр»", "АО «Волгатранс»", 'ООО "Горизонт"', "ООО «Теплодом»"]  # fmt: skip
DOMAINS = ["tekhsnab", "grandmarket", "uralprofi", "vektor-m", "alfa-stroy", "sevveter", "promtekh", "elektrolayn",
           "sokolov-ip", "stroyresurs", "mediagrupp", "kedr", "volgatrans", "gorizont", "teplodom"]  # fmt: skip
CITIES = ["г. Москва, ул. Лесная, д. 5", "г. Екатеринбург, ул. Заводская, д. 12, оф. 3",
          "г. Казань, пр-т Победы, д. 40", "г. Краснодар, ул. Северная, д. 7",
          "г. Санкт-Петербург, наб. Обводного канала, д. 90"]  # fmt: skip
MOBILE_CODES = ["916", "903", "926", "985", "915", "962", "977", "999", "909", "925"]
CITY_CODES = ["495", "812", "343", "843", "861"]
SOURCES = ["Звонок", "Веб-сайт", "Электронная почта", "По рекомендации", "Реклама", "Существующий клиент", "CRM-форма"]
DEAL_TYPES = ["Продажа", "Продажа товара", "Продажа услуги", "Комплексная продажа", "Сервисное обслуживание"]

#: Bitrix24's default deal stages: (REST code, UI name, stage group). PREPAYMENT_INVOICE's name starts with
#: a LATIN C in Bitrix24's own language file — reproduced on purpose.
DEAL_STAGES = [
    ("NEW", "Новая", "В работе"), ("PREPARATION", "Подготовка документов", "В работе"),
    ("PREPAYMENT_INVOICE", "Cчёт на предоплату", "В работе"), ("EXECUTING", "В работе", "В работе"),
    ("FINAL_INVOICE", "Финальный счёт", "В работе"), ("WON", "Сделка успешна", "Успешные"),
    ("LOSE", "Сделка провалена", "Провальные"), ("APOLOGY", "Анализ причины провала", "Провальные"),
]  # fmt: skip
LEAD_STATUSES = ["Не обработан", "В работе", "Обработан", "Качественный лид", "Некачественный лид"]

PHONE_CAPTIONS = ["Рабочий телефон", "Мобильный телефон", "Номер факса", "Домашний телефон", "Номер пейджера",
                  "Телефон для рассылок", "Другой телефон"]  # fmt: skip
EMAIL_CAPTIONS = ["Рабочий e-mail", "Частный e-mail", "E-mail для рассылок", "Другой e-mail"]
WEB_CAPTIONS = ["Корпоративный сайт", "Личная страница", "Страница Facebook", "Страница ВКонтакте",
                "Страница LiveJournal", "Микроблог Twitter", "Другой сайт"]  # fmt: skip
IM_CAPTIONS = ["Контакт Facebook", "Контакт Telegram", "Контакт ВКонтакте", "Контакт Skype", "Контакт Viber",
               "Комментарии Instagram", "Контакт Битрикс24.Network", "Онлайн-чат", "Контакт Открытая линия",
               "Контакт ICQ", "Контакт MSN/Live!", "Контакт Jabber", "Другой контакт"]  # fmt: skip
MULTI = ["Телефон", "E-mail", "Сайт", "Мессенджер", *PHONE_CAPTIONS, *EMAIL_CAPTIONS, *WEB_CAPTIONS, *IM_CAPTIONS]
UTM = ["UTM Source", "UTM Medium", "UTM Campaign", "UTM Content", "UTM Term"]

DEAL_HEADERS = ["ID", "Название сделки", "Стадия сделки", "Направление", "Группа стадий", "Сумма", "Валюта",
                "Вероятность", "Тип", "Компания", "Контакт", "Ответственный", "Кем создана", "Кем изменена",
                "Дата создания", "Дата изменения", "Дата начала", "Предполагаемая дата закрытия", "Сделка закрыта",
                "Состояние", "Комментарий", "Источник", "Дополнительно об источнике", "Повторная сделка",
                "Повторное обращение", "Новая сделка", "Создана CRM-формой", *UTM]  # fmt: skip
CONTACT_HEADERS = ["ID", "Контакт", "Обращение", "Имя", "Фамилия", "Отчество", "Дата рождения", "Фотография",
                   "Должность", "Компания", "Тип контакта", "Ответственный", *MULTI, "Адрес", "Комментарий",
                   "Источник", "Дополнительно об источнике", "Экспорт", "Кем создан", "Дата создания", "Кем изменен",
                   "Дата изменения", "Создан CRM-формой", "Дополн. сведения", *UTM]  # fmt: skip
COMPANY_HEADERS = ["ID", "Название компании", "Логотип", "Тип компании", "Сфера деятельности", "Годовой оборот",
                   "Валюта", "Кол-во сотрудников", *MULTI, "Фактический адрес", "Юридический адрес",
                   "Банковские реквизиты", "Комментарий", "Ответственный", "Кем создана", "Кем изменена",
                   "Дата создания", "Дата изменения", "Компания продавец", "Создана CRM-формой", *UTM]  # fmt: skip
LEAD_HEADERS = ["ID", "Название лида", "Статус", "Дополнительно о статусе", "Обращение", "Имя", "Фамилия", "Отчество",
                "Полное имя", "Дата рождения", "Название компании", "Должность", "Адрес", *MULTI, "Сумма", "Валюта",
                "Источник", "Дополнительно об источнике", "Ответственный", "Кем создан", "Кем изменен",
                "Дата создания", "Дата изменения", "Комментарий", "Повторный лид", "Состояние", *UTM]  # fmt: skip

#: (file, row, column, value as stored in Bitrix24, dirt, expected outcome with the built-in profile)
PLANTED: list[tuple[str, int, str, str, str, str]] = []

Row = dict[str, str]


def plant(file: str, row: int, column: str, value: str, dirt: str, expected: str) -> None:
    PLANTED.append((file, row, column, value, dirt, expected))


# --- value makers ------------------------------------------------------------------------------------


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def phone(rng: random.Random, mobile: bool = True) -> str:
    """A valid Russian number whose subscriber part starts with 0, in one of the ways people type it."""
    code = rng.choice(MOBILE_CODES if mobile else CITY_CODES)
    sub = "0" + digits(rng, 6)
    styles = [
        f"+7 ({code}) {sub[:3]}-{sub[3:5]}-{sub[5:]}", f"8 ({code}) {sub[:3]}-{sub[3:5]}-{sub[5:]}",
        f"8{code}{sub}", f"+7{code}{sub}", f"8-{code}-{sub[:3]}-{sub[3:5]}-{sub[5:]}",
    ]  # fmt: skip
    return rng.choice(styles)


def person(rng: random.Random) -> tuple[str, str, str]:
    """(first name, surname, patronymic) of one gender."""
    if rng.random() < 0.5:
        return rng.choice(MALE), rng.choice(SURNAMES), rng.choice(PATRONYMICS) + "ич"
    return rng.choice(FEMALE), rng.choice(SURNAMES) + "а", rng.choice(PATRONYMICS) + "на"


def translit(text: str) -> str:
    table = str.maketrans(
        "абвгдеёжзийклмнопрстуфхцчшщыэюяьъ",
        "abvgdeejziyklmnoprstufhccssyeuy\x00\x00",
    )
    return text.lower().translate(table).replace("\x00", "")


def when(rng: random.Random, year: int = 2024) -> tuple[str, str, str]:
    """(date-time as the UI writes it, the same as REST writes it, the date alone) of one moment."""
    m, d, h, mi, s = rng.randint(1, 12), rng.randint(1, 28), rng.randint(8, 19), rng.randint(0, 59), rng.randint(0, 59)
    return (
        f"{d:02}.{m:02}.{year} {h:02}:{mi:02}:{s:02}",
        f"{year}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}+03:00",
        f"{d:02}.{m:02}.{year}",
    )


def amount(rng: random.Random) -> str:
    return f"{rng.randrange(10, 900) * 1000}.00"


def empty_row(headers: list[str]) -> Row:
    return dict.fromkeys(headers, "")


# --- writers -----------------------------------------------------------------------------------------


def write_ui_csv(path: Path, headers: list[str], rows: list[Row]) -> None:
    """As csv.php writes it: BOM, every field `"…";`, LF after each record."""

    def line(cells: list[str]) -> str:
        return "".join('"' + c.replace('"', '""') + '";' for c in cells) + "\n"

    text = line(headers) + "".join(line([r[h] for h in headers]) for r in rows)
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))


def html_escape(text: str) -> str:
    """PHP htmlspecialchars (ENT_COMPAT), which Bitrix24's GetNext() applies to every value."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def write_ui_html(path: Path, headers: list[str], rows: list[Row], *, charset: str, bom: bool) -> None:
    """As excel.php writes it; the comment column is raw (htmlspecialcharsback), everything else escaped."""
    head = "".join(f"<th>{h}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{r[h] if h == 'Комментарий' else html_escape(r[h])}</td>" for h in headers) + "</tr>"
        for r in rows
    )
    text = (
        f'<meta http-equiv="Content-type" content="text/html;charset={charset}" />\n'
        f'\t\t<table border="1">\n\t\t<thead>\n\t\t\t<tr>{head}</tr>\n\t\t</thead>\n'
        f"\t\t<tbody>{body}</tbody>\n\t\t</table>"
    )
    data = text.encode("utf-8" if charset == "UTF-8" else "cp1251")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


def write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


# --- deals (UI) ---------------------------------------------------------------------------------------


def make_deals(rng: random.Random, n: int = 40) -> list[Row]:
    rows = []
    for i in range(n):
        r = empty_row(DEAL_HEADERS)
        code, stage, group = rng.choice(DEAL_STAGES)
        company_i = rng.randrange(len(COMPANIES))
        first, last, _ = person(rng)
        created, _, _ = when(rng)
        begin = created[:10]
        r.update({
            "ID": str(1200 + i * 3), "Название сделки": rng.choice(["Поставка", "Монтаж", "Обслуживание", "Проект"])
            + " №" + str(100 + i), "Стадия сделки": stage, "Направление": "Общая", "Группа стадий": group,
            "Сумма": amount(rng), "Валюта": "Российский рубль", "Вероятность": str(rng.choice([10, 30, 50, 80, 100])),
            "Тип": rng.choice(DEAL_TYPES), "Компания": COMPANIES[company_i], "Контакт": f"{first} {last}",
            "Ответственный": rng.choice(OWNERS), "Кем создана": "Анна Смирнова", "Кем изменена": rng.choice(OWNERS),
            "Дата создания": created, "Дата изменения": created, "Дата начала": begin,
            "Предполагаемая дата закрытия": begin[:6] + "2025", "Сделка закрыта": "Да" if code in ("WON", "LOSE",
            "APOLOGY") else "Нет", "Источник": rng.choice(SOURCES), "Повторная сделка": rng.choice(["Да", "Нет"]),
            "Повторное обращение": "Нет", "Новая сделка": "Нет",
        })  # fmt: skip
        if i % 7 == 3:
            r.update({"UTM Source": "yandex", "UTM Medium": "cpc", "UTM Campaign": "spring_sale"})
        rows.append(r)
    latin_c = DEAL_STAGES[2][1]
    dirt: list[tuple[int, str, str, str, str]] = [
        (3, "Стадия сделки", latin_c, "stage name starting with a Latin C (as in Bitrix24's lang file)",
         "profile values (key with Cyrillic С, folded) → Принимают решение"),
        (4, "Стадия сделки", "Сделка успешна", "won stage", "→ Успешно реализовано"),
        (5, "Ответственный", "", "owner empty", "error empty_owner (the profile has no owners.default)"),
        (6, "Стадия сделки", "Сделка провалена", "lost stage", "→ Закрыто и не реализовано"),
        (7, "Компания", 'ООО "Смирнов & партнёры"', "quotes and & (HTML: `&quot;` `&amp;`)", "unescaped, kept"),
        (8, "Комментарий", "Позвонить после обеда<br>КП отправлено 12.03", "comment with an HTML `<br>`",
         "note with a line break"),
        (9, "Комментарий", "Просит скидку 5%&lt;br&gt;Согласовать с директором",
         "comment escaped twice (`&lt;br&gt;`)", "note with a line break (html transform)"),
        (10, "Комментарий", "Звонил 2 раза,\r\nне берёт трубку", "CRLF line break inside the value (quoted)",
         "note with a line break"),
        (11, "Стадия сделки", "Финальный счёт", "stage", "→ Согласование договора"),
        (12, "Направление", "Оптовые продажи", "a second Bitrix24 pipeline", "error unknown_pipeline (default schema)"),
        (13, "Ответственный", DEPARTED[1], "owner who left (no AmoCRM user)",
         "passes (unchecked_owner warning); with a pulled schema: unknown_owner"),
        (15, "Сумма", "99999.99", "amount with kopecks", "warning number_rounded → 100000"),
        (16, "Стадия сделки", "Анализ причины провала", "stage", "→ Закрыто и не реализовано"),
        (18, "Комментарий", "<b>Важно:</b> договор у юристов", "comment with raw HTML markup", "tags removed"),
        (20, "Название сделки", 'Поставка "под ключ" <срочно>', "quotes and angle brackets (HTML: `&quot;` `&lt;`)",
         "kept as typed"),
        (22, "Контакт", "", "deal without contact and company", "no contact/company created"),
        (25, "Ответственный", "", "owner empty", "error empty_owner"),
        (27, "Направление", "Оптовые продажи", "a second Bitrix24 pipeline", "error unknown_pipeline"),
        (29, "Стадия сделки", latin_c, "Latin-C stage", "→ Принимают решение"),
        (30, "Сумма", "", "no amount", "empty budget"),
        (33, "Стадия сделки", "Подготовка документов", "stage", "→ Переговоры"),
        (34, "Стадия сделки", "В работе", "stage (also an AmoCRM-looking name)", "→ Согласование договора"),
    ]  # fmt: skip
    for row, column, value, what, expected in dirt:
        r = rows[row - 2]
        r[column] = value
        if column == "Контакт" and not value:
            r["Компания"] = ""
        if column == "Стадия сделки":
            closed = value in ("Сделка успешна", "Сделка провалена", "Анализ причины провала")
            r["Сделка закрыта"] = "Да" if closed else "Нет"
        if column == "Направление":
            r["Стадия сделки"] = "Новая"
        plant("deals.csv, deals.xls", row, column, value, what, expected)
    return rows


# --- contacts (UI) ------------------------------------------------------------------------------------


def make_contacts(rng: random.Random, n: int = 30) -> list[Row]:
    rows = []
    for i in range(n):
        r = empty_row(CONTACT_HEADERS)
        first, last, middle = person(rng)
        company_i = rng.randrange(len(COMPANIES))
        created, _, _ = when(rng, 2023)
        login = translit(first[0] + "." + last)
        r.update({
            "ID": str(300 + i), "Контакт": f"{first} {last}", "Имя": first, "Фамилия": last, "Отчество": middle,
            "Должность": rng.choice(POSTS), "Компания": COMPANIES[company_i], "Тип контакта": "Клиенты",
            "Ответственный": rng.choice(OWNERS), "Рабочий телефон": phone(rng, mobile=False) if i % 3 else "",
            "Мобильный телефон": phone(rng), "Рабочий e-mail": f"{login}@{DOMAINS[company_i]}.example.ru",
            "Источник": rng.choice(SOURCES), "Экспорт": "Да", "Кем создан": "Анна Смирнова", "Дата создания": created,
            "Кем изменен": rng.choice(OWNERS), "Дата изменения": created,
            "_login": login, "_domain": DOMAINS[company_i],
        })  # fmt: skip
        if i % 4 == 1:
            r["Дата рождения"] = f"{rng.randint(1, 28):02}.{rng.randint(1, 12):02}.{rng.randint(1965, 1999)}"
        rows.append(r)
    m1, m2, m3 = phone(rng), phone(rng), phone(rng)
    dirt = [
        (3, "Мобильный телефон", f"{m1}, {m2}", "two mobiles in one cell (Bitrix24 joins one type with ', ')",
         "first → Мобильный телефон, second → Другой телефон (warning extra_values_moved)"),
        (4, "Номер факса", "+7 (495) 012-77-01", "fax", "→ Факс"),
        (5, "Домашний телефон", "8 (343) 011-22-33", "home phone", "→ Домашний телефон"),
        (6, "Рабочий e-mail", "zakupki@{domain}.example.ru, office@{domain}.example.ru",
         "two work e-mails in one cell", "first → Рабочий email, second → Другой email (warning)"),
        (7, "Частный e-mail", "{Login}@MAIL.EXAMPLE.RU", "private e-mail in upper case",
         "→ Личный email, domain lower-cased"),
        (8, "Мобильный телефон", "12345", "invalid phone", "error bad_phone"),
        (9, "Адрес", "г. Казань,\nул. Баумана, д. 1", "line break inside a quoted value", "dropped column; row intact"),
        (9, "Комментарий", "Предпочитает звонки\nпосле 15:00", "line break inside a quoted value",
         "Примечание к контакту with the line break"),
        (10, "Ответственный", "", "owner empty", "error empty_owner"),
        (11, "Контакт Skype", "live:{login}", "Skype", "→ Skype"),
        (11, "Контакт Telegram", "@{login}_example", "Telegram", "→ Другой IM"),
        (12, "Контакт", "Гость #4711", "chat visitor saved as a contact (no surname)", "name kept as is"),
        (13, "Мобильный телефон", f"{m3}, 8 (926) 055-44-33", "two mobiles and an 'other' phone",
         "second mobile joined after the existing Другой телефон"),
        (13, "Другой телефон", "+7 (812) 034-56-78", "other phone", "→ Другой телефон"),
        (14, "Рабочий телефон", "+7 (495) 012-34-56 доб. 21", "phone with an extension", "→ +74950123456 доб. 21"),
        (15, "Компания", 'ООО "Рога и копыта"', "quotes in the company name", "kept"),
        (16, "Рабочий e-mail", "ivanov@mail", "e-mail without a domain zone", "error bad_email"),
        (17, "Ответственный", DEPARTED[1], "owner who left", "passes with unchecked_owner warning"),
    ]  # fmt: skip
    for row, column, value, what, expected in dirt:
        r = rows[row - 2]
        value = value.format(login=r["_login"], Login=r["_login"].title(), domain=r["_domain"])
        r[column] = value
        if column == "Контакт":  # a chat visitor: a name and a mobile, nothing else
            r.update(
                dict.fromkeys(["Фамилия", "Отчество", "Компания", "Должность", "Рабочий телефон", "Рабочий e-mail"], "")
            )
            r["Имя"] = value
        plant("contacts.csv", row, column, value, what, expected)
    return rows


# --- companies (UI, HTML with BOM) --------------------------------------------------------------------


def make_companies(rng: random.Random, n: int = 25) -> list[Row]:
    rows = []
    for i in range(n):
        r = empty_row(COMPANY_HEADERS)
        k = i % len(COMPANIES)
        created, _, _ = when(rng, 2022)
        r.update({
            "ID": str(50 + i), "Название компании": COMPANIES[k] + ("" if i < len(COMPANIES) else f" (филиал {i})"),
            "Тип компании": rng.choice(["Клиент", "Поставщик", "Партнер"]), "Сфера деятельности":
            rng.choice(["Производство", "Торговля", "Строительство", "Услуги"]), "Годовой оборот": amount(rng),
            "Валюта": "Российский рубль", "Кол-во сотрудников": rng.choice(["менее 50", "50-250", "250-500"]),
            "Рабочий телефон": phone(rng, mobile=False), "Рабочий e-mail": f"info@{DOMAINS[k]}.example.ru",
            "Корпоративный сайт": f"{DOMAINS[k]}.example.ru", "Фактический адрес": rng.choice(CITIES),
            "Ответственный": rng.choice(OWNERS), "Кем создана": "Анна Смирнова", "Кем изменена": rng.choice(OWNERS),
            "Дата создания": created, "Дата изменения": created, "Компания продавец": "Нет", "_domain": DOMAINS[k],
        })  # fmt: skip
        rows.append(r)
    dirt = [
        (3, "Название компании", 'ООО "Смирнов & партнёры"', "quotes and & (written `&quot;` `&amp;`)", "unescaped"),
        (5, "Рабочий телефон", "+7 (495) 012-00-11, +7 (495) 012-00-12", "two work phones in one cell",
         "second → Другой телефон (warning)"),
        (6, "Номер факса", "8 (843) 020-30-40", "fax", "→ Факс"),
        (7, "Комментарий", "Ключевой клиент<br><b>Оплата</b> только по счёту", "raw HTML comment (`<br>`, `<b>`)",
         "note with a line break, tags removed"),
        (8, "Фактический адрес", "г. Москва,\r\nул. Лесная, д. 5", "line break inside an address",
         "one line in Адрес"),
        (9, "Ответственный", "", "owner empty", "error empty_owner"),
        (11, "Рабочий e-mail", "info@{domain}.example.ru, buh@{domain}.example.ru", "two e-mails",
         "second → Другой email"),
        (12, "Корпоративный сайт", "https://www.{domain}.example.ru/", "site with scheme", "→ Web as written"),
        (13, "Название компании", "ООО\u00a0«Кедр-2»", "no-break space (`&nbsp;`) in the name", "normal space"),
        (14, "Юридический адрес", "г. Москва, ул. Правды, д. 1 &lt;стр. 2&gt;", "address typed with an entity",
         "dropped column"),
    ]  # fmt: skip
    for row, column, value, what, expected in dirt:
        r = rows[row - 2]
        if column == "Название компании" and "&" in value:
            r.update({"_domain": "smirnov-partners", "Рабочий e-mail": "info@smirnov-partners.example.ru",
                      "Корпоративный сайт": "smirnov-partners.example.ru"})  # fmt: skip
        value = value.format(domain=r["_domain"])
        r[column] = value
        plant("companies.xls", row, column, value.replace("\u00a0", "&nbsp;"), what, expected)
    return rows


# --- leads (UI CSV) -----------------------------------------------------------------------------------


def make_leads(rng: random.Random, n: int = 30) -> list[Row]:
    rows = []
    for i in range(n):
        r = empty_row(LEAD_HEADERS)
        first, last, middle = person(rng)
        created, _, _ = when(rng, 2024)
        has_company = i % 3 != 0
        k = rng.randrange(len(COMPANIES))
        r.update({
            "ID": str(900 + i), "Название лида": rng.choice(["Заявка с сайта", "Входящий звонок", "Запрос КП",
            "Заявка с выставки"]) + f" #{900 + i}", "Статус": LEAD_STATUSES[i % len(LEAD_STATUSES)],
            "Имя": first, "Фамилия": last, "Отчество": middle, "Полное имя": f"{first} {last}",
            "Название компании": COMPANIES[k] if has_company else "", "Должность": rng.choice(POSTS) if has_company
            else "", "Мобильный телефон": phone(rng), "Рабочий e-mail": f"{translit(first[0] + last)}@"
            f"{DOMAINS[k] if has_company else 'mail'}.example.ru", "Сумма": amount(rng) if i % 2 else "0.00",
            "Валюта": "Российский рубль", "Источник": rng.choice(SOURCES), "Ответственный": rng.choice(OWNERS),
            "Кем создан": "Анна Смирнова", "Кем изменен": rng.choice(OWNERS), "Дата создания": created,
            "Дата изменения": created, "Повторный лид": "Нет",
        })  # fmt: skip
        if i % 5 == 2:
            r.update({"UTM Source": "google", "UTM Medium": "cpc"})
        rows.append(r)
    dirt = [
        (2, "Статус", "Не обработан", "lead status", "→ Первичный контакт"),
        (3, "Мобильный телефон", "8 916 011-22-33, 8 916 044-55-66", "two mobiles in one cell",
         "second → Другой телефон (warning)"),
        (4, "Название компании", "", "a private person (no company)", "no company created"),
        (5, "Комментарий", "Перезвонить во вторник\nинтересует доставка<br>в Казань",
         "quoted line break and an HTML `<br>`", "note with two line breaks"),
        (6, "Ответственный", "", "owner empty", "error empty_owner"),
        (7, "Статус", "Качественный лид", "lead status (converted)", "→ Успешно реализовано"),
        (8, "Рабочий телефон", "+7 (495) 012-45-67", "work phone", "→ Рабочий телефон (контакт)"),
        (9, "Статус", "Некачественный лид", "junk lead", "→ Закрыто и не реализовано"),
        (10, "Частный e-mail", "Petrov.Ivan@Example.RU", "private e-mail, mixed case", "→ Личный email (контакт)"),
        (11, "Контакт Telegram", "@lead_example", "Telegram", "→ Другой IM (контакт)"),
    ]  # fmt: skip
    for row, column, value, what, expected in dirt:
        rows[row - 2][column] = value
        if column == "Название компании":
            rows[row - 2]["Должность"] = ""
        plant("leads.csv", row, column, value, what, expected)
    return rows


# --- REST dumps -------------------------------------------------------------------------------------

_TIME = {"start": 1718000000.123456, "finish": 1718000000.654321, "duration": 0.530865, "processing": 0.21,
         "date_start": "2024-06-10T10:13:20+03:00", "date_finish": "2024-06-10T10:13:20+03:00",
         "operating": 0}  # fmt: skip


def pages(records: list[dict], size: int = 50) -> list[dict]:
    """crm.*.list responses: `next` on every page but the last, `total` on each."""
    out = []
    for start in range(0, len(records), size):
        page: dict = {"result": records[start : start + size]}
        if start + size < len(records):
            page["next"] = start + size
        page.update({"total": len(records), "time": _TIME})
        out.append(page)
    return out


def make_rest_deals(rng: random.Random, n: int = 57) -> list[dict]:
    records = []
    for i in range(n):
        code = DEAL_STAGES[i % len(DEAL_STAGES)][0]
        _, created, _ = when(rng)
        begin = created[:10] + "T03:00:00+03:00"
        owner = rng.choice(list(USERS))
        records.append({
            "ID": str(2000 + i), "TITLE": rng.choice(["Поставка", "Монтаж", "Аудит", "Проект"]) + f" №{500 + i}",
            "TYPE_ID": "SALE", "STAGE_ID": code, "PROBABILITY": None, "CURRENCY_ID": "RUB",
            "OPPORTUNITY": amount(rng), "IS_MANUAL_OPPORTUNITY": "N", "TAX_VALUE": "0.00", "LEAD_ID": None,
            "COMPANY_ID": str(50 + i % 25), "CONTACT_ID": str(300 + i % 30), "QUOTE_ID": None, "BEGINDATE": begin,
            "CLOSEDATE": begin.replace("2024", "2025"), "ASSIGNED_BY_ID": owner, "CREATED_BY_ID": "1",
            "MODIFY_BY_ID": owner, "DATE_CREATE": created, "DATE_MODIFY": created, "OPENED": "Y",
            "CLOSED": "Y" if code in ("WON", "LOSE", "APOLOGY") else "N", "COMMENTS": None, "ADDITIONAL_INFO": None,
            "LOCATION_ID": None, "CATEGORY_ID": "0", "STAGE_SEMANTIC_ID": "S" if code == "WON" else
            "F" if code in ("LOSE", "APOLOGY") else "P", "IS_NEW": "N", "IS_RECURRING": "N",
            "IS_RETURN_CUSTOMER": "N", "IS_REPEATED_APPROACH": "N", "SOURCE_ID": rng.choice(["CALL", "WEB", "EMAIL"]),
            "SOURCE_DESCRIPTION": None, "ORIGINATOR_ID": None, "ORIGIN_ID": None, "MOVED_BY_ID": owner,
            "MOVED_TIME": created, "LAST_ACTIVITY_TIME": created, "UTM_SOURCE": None, "UTM_MEDIUM": None,
            "UTM_CAMPAIGN": None, "UTM_CONTENT": None, "UTM_TERM": None, "LAST_ACTIVITY_BY": owner,
        })  # fmt: skip
    dirt = [
        (3, "COMMENTS", "Клиент просит рассрочку<br>Согласовано с Анной", "HTML `<br>` in COMMENTS",
         "note with a line break"),
        (5, "COMMENTS", "[B]Срочно![/B] Отгрузка до пятницы", "BB-code in COMMENTS", "tags removed"),
        (8, "OPPORTUNITY", "19999.99", "amount with kopecks", "warning number_rounded → 20000"),
        (11, "STAGE_ID", "C1:NEW", "deal of another pipeline (CATEGORY_ID 1)", "error unknown_pipeline '1'"),
        (12, "STAGE_ID", "C1:PREPARATION", "deal of another pipeline", "error unknown_pipeline '1'"),
        (52, "STAGE_ID", "C1:WON", "deal of another pipeline, on page 2", "error unknown_pipeline '1'"),
        (20, "ASSIGNED_BY_ID", DEPARTED[0], "user ID of an employee who left",
         "passes (unchecked_owner); map IDs with owners.map"),
        (30, "OPPORTUNITY", "0.00", "zero amount", "→ 0"),
        (51, "STAGE_ID", "PREPAYMENT_INVOICE", "first record of page 2", "→ Принимают решение"),
    ]  # fmt: skip
    for row, field, value, what, expected in dirt:
        rec = records[row - 1]
        rec[field] = value
        if value.startswith("C1:"):
            rec["CATEGORY_ID"] = "1"
        plant("deals_rest.json", row, field, value, what, expected)
    return records


def _multi(kind: str, items: list[tuple[str, str]], first_id: int) -> list[dict]:
    return [{"ID": str(first_id + n), "VALUE_TYPE": t, "VALUE": v, "TYPE_ID": kind} for n, (t, v) in enumerate(items)]


def make_rest_contacts(rng: random.Random, n: int = 35) -> list[dict]:
    records = []
    logins = []
    for i in range(n):
        first, last, middle = person(rng)
        _, created, _ = when(rng, 2023)
        k = rng.randrange(len(DOMAINS))
        logins.append((translit(first[0] + "." + last), DOMAINS[k]))
        rec: dict = {
            "ID": str(700 + i), "POST": rng.choice(POSTS) or None, "COMMENTS": None, "HONORIFIC": None,
            "NAME": first, "SECOND_NAME": middle, "LAST_NAME": last, "PHOTO": None, "LEAD_ID": None,
            "TYPE_ID": "CLIENT", "SOURCE_ID": rng.choice(["CALL", "WEB", "EMAIL", "RECOMMENDATION"]),
            "SOURCE_DESCRIPTION": None, "COMPANY_ID": str(50 + k), "BIRTHDATE": "", "EXPORT": "Y",
            "HAS_PHONE": "Y", "HAS_EMAIL": "Y", "HAS_IMOL": "N", "DATE_CREATE": created, "DATE_MODIFY": created,
            "ASSIGNED_BY_ID": rng.choice(list(USERS)), "CREATED_BY_ID": "1", "MODIFY_BY_ID": "1", "OPENED": "Y",
            "ORIGINATOR_ID": None, "ORIGIN_ID": None, "ORIGIN_VERSION": None, "FACE_ID": None, "ADDRESS": None,
            "ADDRESS_2": None, "ADDRESS_CITY": None, "ADDRESS_POSTAL_CODE": None, "ADDRESS_REGION": None,
            "ADDRESS_PROVINCE": None, "ADDRESS_COUNTRY": None, "ADDRESS_COUNTRY_CODE": None,
            "ADDRESS_LOC_ADDR_ID": None, "UTM_SOURCE": None, "UTM_MEDIUM": None, "UTM_CAMPAIGN": None,
            "UTM_CONTENT": None, "UTM_TERM": None, "LAST_ACTIVITY_TIME": created, "LAST_ACTIVITY_BY": "1",
            "PHONE": _multi("PHONE", [("MOBILE", phone(rng))], 5000 + i * 10),
            "EMAIL": _multi("EMAIL", [("WORK", f"{translit(first[0] + '.' + last)}@{DOMAINS[k]}.example.ru")],
                            5005 + i * 10),
        }  # fmt: skip
        if i % 6 == 2:
            rec["PHONE"] += _multi("PHONE", [("WORK", phone(rng, mobile=False))], 5002 + i * 10)
        records.append(rec)
    dirt: list[tuple[int, str, object, str, str]] = [
        (2, "PHONE", [("MOBILE", "+7 (916) 011-11-11"), ("MOBILE", "8 (903) 022-22-22")],
         "two MOBILE values", "joined 'a, b' in Мобильный телефон → second to Другой телефон (warning)"),
        (3, "EMAIL", [("WORK", "{login}@{domain}.example.ru"), ("HOME", "{login}.private@example.ru")],
         "work and private e-mail", "→ Рабочий email / Личный email"),
        (4, "PHONE", None, "no PHONE/EMAIL keys at all (HAS_PHONE N)", "empty phone columns"),
        (5, "IM", [("TELEGRAM", "@{login}_example"), ("SKYPE", "live:{login}")], "messengers",
         "Telegram → Другой IM, Skype → Skype"),
        (6, "PHONE", [("FAX", "+7 (495) 013-13-13"), ("OTHER", "8 (812) 014-14-14")], "fax and other phone",
         "→ Факс / Другой телефон"),
        (7, "WEB", [("WORK", "{login}.example.ru")], "web site", "dropped (contacts layout has no site)"),
        (8, "PHONE", [("MOBILE", "нет")], "phone typed as a word", "error bad_phone"),
        (9, "PHONE", [("HOME", "+7 (343) 015-15-15")], "home phone", "→ Домашний телефон"),
        (10, "COMMENTS", "Оптовик<br />\nработает с НДС", "COMMENTS with `<br />` and a newline", "one line break"),
        (11, "ASSIGNED_BY_ID", DEPARTED[0], "user ID of an employee who left", "passes (unchecked_owner)"),
        (12, "EMAIL", [("WORK", "ivanov@mail")], "bad e-mail", "error bad_email"),
        (13, "PHONE", [("PAGER", "+7 (495) 016-16-16")], "pager (no AmoCRM type)", "dropped (see profile)"),
    ]  # fmt: skip
    for row, field, value, what, expected in dirt:
        rec = records[row - 1]
        if field in ("PHONE", "EMAIL", "IM", "WEB"):
            if value is None:
                del rec["PHONE"], rec["EMAIL"]
                rec.update({"HAS_PHONE": "N", "HAS_EMAIL": "N"})
                shown = "(absent)"
            else:
                login, domain = logins[row - 1]
                value = [(t, v.format(login=login, domain=domain)) for t, v in value]  # type: ignore[union-attr]
                rec[field] = _multi(field, value, 9000 + row * 10)
                shown = "; ".join(f"{t}: {v}" for t, v in value)  # type: ignore[union-attr]
        else:
            rec[field] = value
            shown = str(value)
        plant("contacts_rest.json", row, field, shown, what, expected)
    return records


# --- main -------------------------------------------------------------------------------------------


START = "<!-- bitrix24 samples: start (written by samples/bitrix24/make_bitrix24.py) -->"
END = "<!-- bitrix24 samples: end -->"


def readme_section() -> str:
    """The Bitrix24 section of samples/README.md, between its markers."""
    lines = [
        START,
        "## Bitrix24 (`samples/bitrix24/`)",
        "",
        "Written by `samples/bitrix24/make_bitrix24.py` (seeded; a re-run gives the same bytes; it rewrites only",
        "this section of the README, between its markers — run it again after `make_samples.py`). Each file",
        "imitates a real Bitrix24 export byte for byte as Bitrix24's own templates write it (the generator's",
        "docstring and shared/sources.md §1-§2 say how). Exported with the bundled default schema by",
        "`tests/test_golden.py` (`tests/golden/bitrix24-*`).",
        "",
        "| file | imitates | built-in profile |",
        "|---|---|---|",
        "| `deals.csv` | Сделки → Экспорт → CSV on a cloud portal: UTF-8 + BOM, `;`, every field quoted, a `;` "
        "after the last field, LF line ends, multi-line values quoted (with the CRLF a browser stores) | "
        "`bitrix24-deals` |",
        "| `deals.xls` | Сделки → Экспорт → Excel on an old self-hosted portal: an HTML table named .xls, "
        "windows-1251, no BOM, values HTML-escaped, comments raw HTML; the same 40 deals as `deals.csv` | "
        "`bitrix24-deals` |",
        "| `contacts.csv` | Контакты → Экспорт → CSV with every phone / e-mail / site / messenger type column | "
        "`bitrix24-contacts` |",
        "| `companies.xls` | Компании → Экспорт → Excel on a cloud portal: HTML table, UTF-8 + BOM | "
        "`bitrix24-companies` |",
        "| `leads.csv` | Лиды → Экспорт → CSV | `bitrix24-leads` |",
        "| `deals_rest.json` | two saved `crm.deal.list` pages (select `*`): 57 deals, `next`/`total`/`time`, "
        "every scalar a string | `bitrix24-deals-rest` |",
        "| `contacts_rest.json` | one saved `crm.contact.list` page (select `*`, PHONE, EMAIL, WEB, IM) | "
        "`bitrix24-contacts-rest` |",
        "| `users_rest.json` | saved `user.get` + `department.get` pages: the 4 owners, Сергей Козлов (`ACTIVE` "
        "false, owns records), an assistant owning none; 2 departments | `plan --users` |",
        "",
        "Owners are the users of `account.json` plus `Сергей Козлов`, who has left (REST: user IDs 1, 7, 12, 15",
        "and 23). Row numbers: CSV/HTML = record number with the header as row 1 (a quoted line break does not",
        "shift them); REST = record number across pages (the first record is row 1). Planted dirt (every other",
        "cell is clean for the bundled default schema):",
        "",
        "| file | row | column | value as stored | dirt | expected with the built-in profile |",
        "|---|---:|---|---|---|---|",
    ]
    for file, row, column, value, dirt, expected in PLANTED:
        shown = value.replace("\r\n", "↵").replace("\n", "↵").replace("|", "\\|")
        lines.append(f"| {file} | {row} | {column} | {f'`{shown}`' if shown else '*(empty)*'} | {dirt} | {expected} |")
    return "\n".join([*lines, END]) + "\n"


def write_readme(path: Path) -> None:
    """Replace this generator's section of the shared README (or append it), leaving the rest as it is."""
    text = path.read_text(encoding="utf-8")
    if START in text and END in text:
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        text = head + readme_section() + ("\n" + tail if tail else "")  # one blank line before the next section
    else:
        text = text.rstrip("\n") + "\n\n" + readme_section()
    path.write_text(text, encoding="utf-8")


#: the portal's employees for `user.get` (and `department.get`): the owners above, the one who left, and an
#: assistant owning nothing. (ID, first name, last name, e-mail, active, department ID, position)
STAFF = [
    ("1", "Анна", "Смирнова", "anna.smirnova@example.ru", True, 1, "Руководитель отдела продаж"),
    ("7", "Игорь", "Петров", "igor.petrov@example.ru", True, 1, "Менеджер по продажам"),
    ("12", "Ольга", "Кузнецова", "olga.kuznetsova@example.ru", True, 3, "Менеджер по оптовым продажам"),
    ("15", "Дмитрий", "Волков", "dmitry.volkov@example.ru", True, 3, "Менеджер по оптовым продажам"),
    ("23", "Сергей", "Козлов", "sergey.kozlov@example.ru", False, 3, "Менеджер по оптовым продажам"),
    ("31", "Марина", "Белова", "marina.belova@example.ru", True, 1, "Ассистент отдела продаж"),
]
DEPARTMENTS = [("1", "Отдел продаж", "0"), ("3", "Оптовый отдел", "1")]


def make_users() -> list[dict]:
    """`user.get` then `department.get` answers, as one list of pages (what `plan --users` reads)."""
    users = [
        {"ID": uid, "XML_ID": None, "ACTIVE": active, "NAME": first, "LAST_NAME": last, "SECOND_NAME": "",
         "EMAIL": email, "LAST_LOGIN": "2024-11-28T09:12:40+03:00" if active else "2024-05-17T18:03:11+03:00",
         "DATE_REGISTER": "2023-02-01T00:00:00+03:00", "IS_ONLINE": "N", "TIME_ZONE_OFFSET": "0",
         "PERSONAL_GENDER": "F" if last.endswith("а") else "M", "PERSONAL_MOBILE": "", "WORK_PHONE": "",
         "WORK_POSITION": position, "UF_DEPARTMENT": [dep], "UF_EMPLOYMENT_DATE": "", "USER_TYPE": "employee"}
        for uid, first, last, email, active, dep, position in STAFF
    ]  # fmt: skip
    departments = [{"ID": did, "NAME": name, "SORT": 500, "PARENT": parent, "UF_HEAD": "1"}
                   for did, name, parent in DEPARTMENTS]  # fmt: skip
    timing = {"start": 1733049600.1, "finish": 1733049600.2, "duration": 0.1}
    return [{"result": users, "total": len(users), "time": timing},
            {"result": departments, "total": len(departments), "time": timing}]  # fmt: skip


def main() -> None:
    rng = random.Random(SEED)
    deals = make_deals(rng)
    write_ui_csv(HERE / "deals.csv", DEAL_HEADERS, deals)
    write_ui_html(HERE / "deals.xls", DEAL_HEADERS, deals, charset="windows-1251", bom=False)
    write_ui_csv(HERE / "contacts.csv", CONTACT_HEADERS, make_contacts(rng))
    write_ui_html(HERE / "companies.xls", COMPANY_HEADERS, make_companies(rng), charset="UTF-8", bom=True)
    write_ui_csv(HERE / "leads.csv", LEAD_HEADERS, make_leads(rng))
    write_json(HERE / "deals_rest.json", pages(make_rest_deals(rng)))
    write_json(HERE / "contacts_rest.json", pages(make_rest_contacts(rng))[0])
    write_json(HERE / "users_rest.json", make_users())
    write_readme(HERE.parent / "README.md")


if __name__ == "__main__":
    main()
