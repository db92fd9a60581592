"""Write the benchmark workbook: N deals x 12 columns, a plain header in row 1.

    python benchmarks/generate.py [N] [OUT.xlsx]     # defaults: 100000, benchmarks/data/deals-100000.xlsx
    python benchmarks/generate.py N OUT.csv          # the same rows as a `;` CSV (benchmarks/scale.py)

Users, stages and list options come from samples/account.json; the columns are those mapped by
benchmarks/deals-profile.yaml. Every value is valid for that account, so `export` reads N rows and exports
N: the benchmark times the whole path (read, map, check, write) rather than the rejects. Cells are typed
the way a real workbook types them: budget and half of the phones are number cells, dates are date cells,
INN is text. Seeded, so the same N gives the same data.
"""

from __future__ import annotations

import csv
import json
import random
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import xlsxwriter

ROOT = Path(__file__).resolve().parents[1]
SEED = 100_000
COLUMNS = [
    "Сделка", "Бюджет", "Ответственный", "Этап", "Контакт", "Телефон",
    "Email", "Компания", "ИНН", "Дата", "Источник", "Комментарий",
]  # fmt: skip

FIRST = ["Алексей", "Андрей", "Борис", "Виктор", "Денис", "Евгений", "Ирина", "Марина", "Наталья", "Юлия"]
SURNAMES = ["Абрамов", "Белов", "Гусев", "Жуков", "Зайцев", "Карпов", "Лебедев", "Орлов", "Фомин", "Чернов"]
LATIN = ["aleksey", "andrey", "boris", "viktor", "denis", "evgeniy", "irina", "marina", "natalya", "yuliya"]
BRANDS = ["Техно", "Строй", "Агро", "Пром", "Торг", "Металл", "Энерго", "Урал", "Волга", "Север", "Гранд"]
ENDS = ["снаб", "сервис", "комплект", "маркет", "трейд", "лайн", "ресурс", "монтаж"]
DEALS = ["Поставка металлопроката", "Монтаж вентиляции", "Обслуживание оборудования", "Доставка панелей"]
COMMENTS = ["", "", "", "Просил КП", "Ждёт счёт", "Перезвонить в понедельник", "Постоянный клиент"]


def account() -> tuple[list[str], list[str], list[str]]:
    """(user names, main-pipeline stages one can import into, Источник options) of the demo account."""
    acc = json.loads((ROOT / "samples" / "account.json").read_text(encoding="utf-8"))
    users = [u["name"] for u in acc["users"] if u.get("active", True)]
    main = next(p for p in acc["pipelines"] if p.get("is_main"))
    # no "Неразобранное" (type 1) and no stage with a required field the file lacks
    required = {s["status_id"] for f in acc["fields"]["leads"] for s in (f.get("required_statuses") or [])}
    stages = [s["name"] for s in main["statuses"] if s.get("type") != 1 and s["id"] not in required]
    source = next(f for f in acc["fields"]["leads"] if f["name"] == "Источник")
    return users, stages, [e["value"] for e in source["enums"]]


def companies(rng: random.Random, n: int) -> list[tuple[str, str, str]]:
    """(name, INN text, e-mail domain); INNs start with 00, which no real INN does."""
    out = []
    for i in range(n):
        brand = rng.choice(BRANDS) + rng.choice(ENDS)
        out.append((f"ООО «{brand} {i}»", f"00{rng.randint(0, 99_999_999):08d}", f"firm{i}.example.ru"))
    return out


def records(n: int) -> Iterator[list[object]]:
    """The N rows, typed the way the workbook types them: int for number cells, datetime for date cells,
    str for text ("" for an empty cell). Seeded, so the same N gives the same rows in every format."""
    rng = random.Random(SEED)
    users, stages, sources = account()
    firms = companies(rng, max(50, n // 20))
    start = datetime(2024, 1, 1)
    for row in range(1, n + 1):
        firm, inn, domain = rng.choice(firms)
        k = rng.randrange(len(FIRST))
        surname = rng.choice(SURNAMES)
        deal = f"{rng.choice(DEALS)} №{row}"
        budget = rng.randrange(5, 3000) * 1000
        owner, stage = rng.choice(users), rng.choice(stages)
        tail = rng.randint(0, 999_999)
        if row % 2:
            phone: object = 79_160_000_000 + tail
        else:
            phone = f"+7 (916) {tail // 10000:03d}-{tail // 100 % 100:02d}-{tail % 100:02d}"
        email = f"{LATIN[k]}.{row}@{domain}"
        when = start + timedelta(days=rng.randrange(1000))
        source = rng.choice(sources)
        comment = rng.choice(COMMENTS)
        yield [deal, budget, owner, stage, f"{FIRST[k]} {surname}", phone, email, firm, inn, when, source, comment]


def generate(n: int, out: Path) -> None:
    """The workbook (sheet "Сделки"): number cells for budget and odd-row phones, date cells for dates."""
    out.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    wb.set_properties({"created": datetime(2026, 10, 1)})
    ws = wb.add_worksheet("Сделки")
    date_fmt = wb.add_format({"num_format": "dd.mm.yyyy"})
    for col, name in enumerate(COLUMNS):
        ws.write_string(0, col, name)
    for row, values in enumerate(records(n), start=1):
        for col, v in enumerate(values):
            if isinstance(v, datetime):
                ws.write_datetime(row, col, v, date_fmt)
            elif isinstance(v, int):
                ws.write_number(row, col, v)
            elif v:
                ws.write_string(row, col, v)
    wb.close()


def generate_csv(n: int, out: Path) -> None:
    """The same rows as a `;`-separated UTF-8 CSV, every cell as a Russian Excel would save it as text
    (numbers as digits, dates as DD.MM.YYYY)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for values in records(n):
            writer.writerow([f"{v:%d.%m.%Y}" if isinstance(v, datetime) else v for v in values])


def main(argv: list[str]) -> int:
    if len(argv) > 3 or (len(argv) > 1 and argv[1] in ("-h", "--help")):
        print(__doc__)
        return 2
    n = int(argv[1]) if len(argv) > 1 else 100_000
    out = Path(argv[2]) if len(argv) > 2 else ROOT / "benchmarks" / "data" / f"deals-{n}.xlsx"
    (generate_csv if out.suffix.lower() == ".csv" else generate)(n, out)
    print(f"{out}: {n} rows x {len(COLUMNS)} columns, {out.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
