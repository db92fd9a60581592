"""Near-duplicate company names: recall of one-typo pairs by name length, and false joins among distinct names.

    python benchmarks/near_duplicates_bench.py [--names 20000] [--pairs 300] [--json]

Names are generated brand-like words (seeded syllables: «Хакезопу», «Нумеино»), 5 to 12 letters, all
distinct after folding (`company_key`). Figures, not pass/fail:

- **false joins**: a companies file of `--names` distinct names, each with its own phone, one of 8 owners
  and one of 40 cities (so owner+city agree by chance, as in a real base). Every cluster is a false join;
  every possible-duplicate warning is a false alarm of the lower tier.
- **recall by length**: for each length, `--pairs` names get a one-typo twin (a letter replaced, dropped,
  doubled, or two neighbours swapped). Two files: the twins share the original's phone (a second signal),
  or share nothing. Per length: the share of pairs joined (one cluster), and, without a signal, the share
  reported as possible duplicates.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from migrate.core.mapping import apply_profile  # noqa: E402
from migrate.core.profile import profile_from_dict  # noqa: E402
from migrate.core.schema import load_schema  # noqa: E402
from migrate.core.table import SourceTable  # noqa: E402
from migrate.quality.duplicates import find_duplicates, possible_duplicates  # noqa: E402
from migrate.quality.fuzzy import company_key  # noqa: E402

CONSONANTS = "бвгдзклмнпрстфхцшж"
VOWELS = "аеиоуя"
LETTERS = CONSONANTS + VOWELS
OWNERS = [f"Менеджер {i}" for i in range(8)]
CITIES = [f"Город{i}" for i in range(40)]
PROFILE = {"version": 1, "entity": "companies", "owners": {"default": "Менеджер 0"},
           "columns": {"Компания": "Название (компания)", "Телефон": "Рабочий телефон",
                       "Менеджер": {"field": "Ответственный за компанию", "owner": True},
                       "Адрес": "Адрес"}}  # fmt: skip


def brand(rng: random.Random, length: int) -> str:
    word = ""
    while len(word) < length:
        word += rng.choice(CONSONANTS) + rng.choice(VOWELS) if rng.random() < 0.8 else rng.choice(LETTERS)
    return word[:length].capitalize()


def typo(rng: random.Random, name: str) -> str:
    i = rng.randrange(1, len(name))  # the first letter is kept: capital letters are rarely mistyped
    kind = rng.choice(["replace", "drop", "double", "swap"])
    if kind == "replace":
        return name[:i] + rng.choice([c for c in LETTERS if c != name[i]]) + name[i + 1 :]
    if kind == "drop":
        return name[:i] + name[i + 1 :]
    if kind == "double":
        return name[:i] + name[i] + name[i:]
    j = min(i, len(name) - 2)
    return name[:j] + name[j + 1] + name[j] + name[j + 2 :] if name[j] != name[j + 1] else name[:i] + name[i + 1 :]


def pool(rng: random.Random, n: int) -> list[str]:
    seen: set[str] = set()
    out = []
    while len(out) < n:
        name = brand(rng, rng.randint(5, 12))
        key = company_key(name)
        if key not in seen:
            seen.add(key)
            out.append(name)
    return out


def run(rows: list[dict[str, str]]) -> tuple[list, list, float]:
    frame = pd.DataFrame(rows, dtype=object)
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    table = SourceTable(frame=frame, path=Path("firms.generated"), kind="csv")
    mapped = apply_profile(table, profile_from_dict(PROFILE), load_schema())
    start = time.perf_counter()
    clusters, possible = find_duplicates(mapped), possible_duplicates(mapped)
    return clusters, possible, time.perf_counter() - start


def false_joins(rng: random.Random, names: list[str]) -> dict[str, float]:
    rows = [{"Компания": n, "Телефон": f"+7916{i:07d}", "Менеджер": rng.choice(OWNERS),
             "Адрес": f"г. {rng.choice(CITIES)}, ул. Ленина, {i}"} for i, n in enumerate(names)]  # fmt: skip
    clusters, possible, seconds = run(rows)
    return {"names": len(names), "false_joins": sum(len(c.members) - 1 for c in clusters),
            "possible_false_alarms": len(possible), "seconds": round(seconds, 2)}  # fmt: skip


def recall(rng: random.Random, names: list[str], pairs: int) -> list[dict[str, float]]:
    taken = {company_key(n) for n in names}
    out = []
    for length in range(5, 13):
        originals = [n for n in names if len(n) == length][:pairs]
        twins = []
        for n in originals:
            t = typo(rng, n)
            while company_key(t) in taken or company_key(t) == company_key(n):
                t = typo(rng, n)
            twins.append(t)
        line: dict[str, float] = {"length": length, "pairs": len(originals)}
        for signal in (True, False):
            rows = []
            for i, (a, b) in enumerate(zip(originals, twins, strict=True)):
                phone = f"+7903{i:07d}"
                rows.append({"Компания": a, "Телефон": phone, "Менеджер": OWNERS[i % 8],
                             "Адрес": f"г. {CITIES[i % 40]}"})  # fmt: skip
                rows.append({"Компания": b, "Телефон": phone if signal else f"+7904{i:07d}",
                             "Менеджер": OWNERS[(i + 1) % 8], "Адрес": f"г. {CITIES[(i + 7) % 40]}"})  # fmt: skip
            clusters, possible, _ = run(rows)
            joined = sum(1 for c in clusters if len(c.rows) == 2 and c.rows[1] - c.rows[0] == 1 and c.rows[0] % 2 == 0)
            flagged = sum(1 for p in possible if p.row - p.other == 1 and p.other % 2 == 0)
            tag = "signal" if signal else "no_signal"
            line[f"joined_{tag}"] = round(joined / max(len(originals), 1), 3)
            if not signal:
                line["possible_no_signal"] = round(flagged / max(len(originals), 1), 3)
        out.append(line)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--names", type=int, default=20_000)
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    rng = random.Random(11)
    names = pool(rng, args.names)
    fj = false_joins(rng, names)
    rec = recall(rng, names, args.pairs)
    print(f"{fj['names']} distinct names: {fj['false_joins']} false joins, {fj['possible_false_alarms']} possible-"
          f"duplicate warnings between distinct names ({fj['seconds']} s for the duplicate search)")  # fmt: skip
    print(f"{'length':>6} {'pairs':>6} {'joined (phone agrees)':>22} {'joined (nothing agrees)':>24} "
          f"{'possible (nothing agrees)':>26}")  # fmt: skip
    for r in rec:
        print(f"{r['length']:>6} {r['pairs']:>6} {r['joined_signal']:>22.1%} {r['joined_no_signal']:>24.1%} "
              f"{r['possible_no_signal']:>26.1%}")  # fmt: skip
    if args.json:
        print(json.dumps({"false_joins": fj, "recall": rec}, ensure_ascii=False))


if __name__ == "__main__":
    main()
