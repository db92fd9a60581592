"""Normalisation + duplicate search on a generated contacts base: seconds and peak memory per step.

    python benchmarks/duplicates_bench.py [--rows 100000] [--dup-share 0.02] [--companies 20000] [--json]

The base (seeded, built in memory, no file): one row = a contact with its company, like a CRM export —
phones in four formats (E.164, "8 (916) …", "+7 916 … ", bare digits), a mobile on half the rows, an
e-mail on 90 % (a tenth in odd case), a company on 80 % chosen from `--companies` distinct names (so a
company appears in several rows, as in a real base), a note on a third. `--dup-share` of the rows are
planted duplicates: another row's phone in a different format, or its e-mail in different case.

Steps, run in order as in one real run — once timed (`time.perf_counter()`), once in a second fresh
interpreter under `tracemalloc` for each step's peak of Python allocations above what was held before it
(numpy and pandas buffers included); the two never share an interpreter, so neither warms the other:

1. normalisation — `apply_profile` + `run_checks` with a contacts profile: what `validate` does before
   the duplicate step (phones to E.164, e-mail domains, names, owners);
2. duplicate search — `find_duplicates` + `resolve_duplicates` with the default `report` policy
   (clusters of contacts by phone/e-mail, companies by folded name and near-duplicate names, issues);
3. merge — `resolve_duplicates` with `merge` for contacts, on a copy of the mapped table.

The timed process's peak RSS (`ru_maxrss`) is printed too. Figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import copy
import json
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from migrate.core.mapping import apply_profile  # noqa: E402
from migrate.core.profile import profile_from_dict  # noqa: E402
from migrate.core.schema import load_schema  # noqa: E402
from migrate.core.table import SourceTable  # noqa: E402
from migrate.quality.checks import run_checks  # noqa: E402
from migrate.quality.duplicates import find_duplicates  # noqa: E402
from migrate.quality.duplicates_policy import resolve_duplicates  # noqa: E402

SEED = 7
FIRST = np.array(["Иван", "Пётр", "Анна", "Мария", "Олег", "Елена", "Сергей", "Ольга", "Дмитрий", "Наталья"])
LAST = np.array(["Смирнов", "Кузнецов", "Попов", "Васильев", "Соколов", "Михайлов", "Новиков", "Морозов"])
PREFIX = ["Строй", "Техно", "Пром", "Агро", "Энерго", "Транс", "Сиб", "Урал", "Волга", "Нефте", "Газ", "Элек",
          "Авто", "Евро", "Интер", "Мега", "Гидро", "Тепло", "Хим", "Лес", "Мед", "Фарм", "Спец", "Гео", "Балт",
          "Крафт", "Норд", "Полимер", "Кабель", "Металл", "Бетон", "Стекло"]  # fmt: skip
SUFFIX = ["ресурс", "сервис", "торг", "снаб", "монтаж", "маркет", "инвест", "трейд", "лайн", "комплект",
          "проект", "систем", "холдинг", "альянс", "капитал", "логистик", "импорт", "партнёр"]  # fmt: skip
CITY = ["", "Москва", "Казань", "Пермь", "Омск", "Тула", "Самара", "Уфа", "Томск", "Курск", "Иркутск", "Сочи",
        "Тверь", "Вологда", "Кострома", "Липецк", "Брянск", "Калуга", "Псков", "Тамбов", "Чита", "Ярославль",
        "Владимир", "Орёл", "Смоленск", "Рязань", "Пенза", "Саратов", "Курган", "Киров", "Мурманск",
        "Сургут", "Белгород", "Астрахань", "Барнаул", "Кемерово"]  # fmt: skip
FORMS = ["ООО «{}»", "{}", "АО {}", '"{}"', "{} ООО"]
MOBILE = np.array(["916", "903", "925", "926", "985", "977", "905", "915"])
PROFILE = {
    "version": 1,
    "entity": "contacts",
    "columns": {"ФИО": "Полное имя", "Телефон": "Рабочий телефон", "Мобильный": "Мобильный телефон",
                "Email": "Рабочий email", "Компания": "Название (компания)", "Комментарий": "Примечание к контакту"},
    "owners": {"default": "Анна Смирнова"},
}  # fmt: skip


def _fmt_phone(code: str, rest: int, style: int) -> str:
    d = f"{rest:07d}"
    return [
        f"+7{code}{d}",
        f"8 ({code}) {d[:3]}-{d[3:5]}-{d[5:]}",
        f"+7 {code} {d[:3]} {d[3:5]} {d[5:]}",
        f"7{code}{d}",
    ][style]


def _companies(rng: np.random.Generator, n: int) -> list[str]:
    combos = [(p + s, c) for p in PREFIX for s in SUFFIX for c in CITY]
    picks = rng.choice(len(combos), size=min(n, len(combos)), replace=False)
    forms = rng.integers(0, len(FORMS), size=len(picks))
    return [FORMS[f].format(f"{combos[i][0]} {combos[i][1]}".strip()) for i, f in zip(picks, forms, strict=True)]


def generate(rows: int, dup_share: float, companies: int) -> tuple[SourceTable, int]:
    """The contacts base and the number of planted duplicate rows."""
    rng = np.random.default_rng(SEED)
    codes = rng.choice(MOBILE, size=2 * rows)
    rests = rng.choice(10_000_000, size=2 * rows, replace=False)  # unique: no duplicate by chance
    styles = rng.integers(0, 4, size=rows)
    phone = [_fmt_phone(c, int(r), int(s)) for c, r, s in zip(codes[:rows], rests[:rows], styles, strict=True)]
    mobile = [_fmt_phone(c, int(r), 1) if i % 2 else "" for i, (c, r) in enumerate(zip(codes[rows:], rests[rows:],
                                                                                          strict=True))]  # fmt: skip
    domains = rng.choice(np.array(["mail.ru", "yandex.ru", "gmail.com", "firma.ru"]), size=rows)
    email = [f"user{i:06d}@{d}" if rng.random() < 0.9 else "" for i, d in enumerate(domains)]
    names = [f"{f} {la}" for f, la in zip(rng.choice(FIRST, rows), rng.choice(LAST, rows), strict=True)]
    pool = _companies(rng, companies)
    company = [pool[i] if keep else "" for i, keep in zip(rng.integers(0, len(pool), rows), rng.random(rows) < 0.8,
                                                             strict=True)]  # fmt: skip
    note = np.where(rng.random(rows) < 0.33, "Перезвонить после праздников", "").tolist()
    planted = _plant(rng, rows, dup_share, phone, email, codes, rests, styles)
    frame = pd.DataFrame({"ФИО": names, "Телефон": phone, "Мобильный": mobile, "Email": email,
                          "Компания": company, "Комментарий": note}, dtype=object)  # fmt: skip
    frame.index = pd.RangeIndex(2, rows + 2)
    return SourceTable(frame=frame, path=Path(f"contacts-{rows}.generated"), kind="csv"), planted


def _plant(rng: np.random.Generator, rows: int, share: float, phone: list[str], email: list[str],
           codes: np.ndarray, rests: np.ndarray, styles: np.ndarray) -> int:  # fmt: skip
    """Make `share` of the rows copy an earlier row's phone (another format) or e-mail (odd case)."""
    n = int(rows * share)
    targets = rng.choice(np.arange(rows // 2, rows), size=n, replace=False)
    sources = rng.integers(0, rows // 2, size=n)
    for t, s in zip(targets, sources, strict=True):
        if rng.random() < 0.6 or not email[s]:
            phone[t] = _fmt_phone(str(codes[s]), int(rests[s]), (int(styles[s]) + 1) % 4)
        else:
            email[t] = email[s].upper()
    return n


STEPS = ("normalisation", "duplicate search", "merge")


def run_steps(args: argparse.Namespace, traced: bool) -> dict[str, Any]:
    """Generate, then run the three steps in order, like one real run: each cold on its first execution.
    Timed, or (traced) with tracemalloc's peak per step — never both, tracing slows Python allocations."""
    schema, profile = load_schema(), profile_from_dict(PROFILE)
    table, planted = generate(args.rows, args.dup_share, args.companies)
    state: dict[str, Any] = {}

    def normalisation() -> None:
        state["mapped"] = apply_profile(table, profile, schema)
        state["issues"] = run_checks(state["mapped"], profile, schema)

    def duplicate_search() -> None:
        state["clusters"] = find_duplicates(state["mapped"])
        state["report"] = _resolve(state["mapped"], state["clusters"], "report", schema.targets("contacts"))

    def merge() -> None:
        mapped = copy.copy(state["mapped"])
        mapped.frame = mapped.frame.copy()
        state["merge"] = _resolve(mapped, state["clusters"], "merge", schema.targets("contacts"))

    figures: dict[str, float] = {}
    if traced:
        tracemalloc.start()
    for name, step in zip(STEPS, (normalisation, duplicate_search, merge), strict=True):
        if traced:
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
        start = time.perf_counter()
        step()
        figures[name] = (tracemalloc.get_traced_memory()[1] - base) / 2**20 if traced else time.perf_counter() - start
    clusters = state["clusters"]
    own = [c for c in clusters if not c.linked]
    return {
        "figures": figures,
        "planted": planted,
        "contact_clusters": len(own),
        "contact_duplicate_rows": sum(len(c.members) - 1 for c in own),
        "company_clusters": len(clusters) - len(own),
        "joins_by_kind": pd.Series([m.key_kind for c in clusters for m in c.members[1:]]).value_counts().to_dict(),
        "merged_rows": len(state["merge"].merged_rows),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _resolve(mapped: Any, clusters: list[Any], policy: str, targets: Any) -> Any:
    return resolve_duplicates(mapped, clusters, {"contacts": policy, "companies": "report"}, set(), targets)


def child(args: argparse.Namespace, mode: str) -> dict[str, Any]:
    """Run one mode in a fresh interpreter, so neither mode warms the other's caches."""
    cmd = [sys.executable, __file__, "--rows", str(args.rows), "--dup-share", str(args.dup_share),
           "--companies", str(args.companies), "--mode", mode]  # fmt: skip
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    args = _args(argv)
    if args.mode:
        print(json.dumps(run_steps(args, traced=args.mode == "memory"), ensure_ascii=False))
        return
    timed, traced = child(args, "time"), child(args, "memory")
    print(f"rows: {args.rows}, planted duplicate rows: {timed['planted']}, companies: {args.companies} distinct")
    print(f"{'step':<18} {'seconds':>8} {'peak MiB':>9}")
    for name in STEPS:
        print(f"{name:<18} {timed['figures'][name]:8.2f} {traced['figures'][name]:9.1f}")
    total = sum(timed["figures"].values())
    print(f"{'total':<18} {total:8.2f}   (process peak RSS {timed['peak_rss_mib']:.0f} MiB untraced)")
    print(f"contact clusters: {timed['contact_clusters']} ({timed['contact_duplicate_rows']} duplicate rows), "
          f"company clusters: {timed['company_clusters']}; joins by kind: {timed['joins_by_kind']}; "
          f"merged rows: {timed['merged_rows']}")  # fmt: skip
    if args.json:
        print(json.dumps({"rows": args.rows, "time": timed, "memory": traced}, ensure_ascii=False))


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dup-share", type=float, default=0.02)
    parser.add_argument("--companies", type=int, default=20_000)
    parser.add_argument("--json", action="store_true", help="also print one JSON line")
    parser.add_argument("--mode", choices=["time", "memory"], help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    main()
