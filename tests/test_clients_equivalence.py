"""`client_keys` costs per distinct cell text and works on integer codes; its answers must be exactly those
of the row-by-row implementation it replaced. That implementation is kept below as the oracle (it is the
reference, not code anyone calls), unchanged but for which columns hold keys, asked of `clients._columns`
(that part was not rewritten), and hypothesis builds small mapped deals and contacts tables
the way people write clients again: case and spacing variants of a name, word orders, first/last-name
columns instead of a full name, shared and switchboard phones, several phones in a cell and several phone
columns, e-mails in two cases, companies with and without INN, valid, invalid and spaced INNs, INN/KPP
cells, blank, whitespace-only and non-text cells, a shuffled, gappy index and a `rows` subset with
repeats and unknown rows. Keys, their order, `repeats` and the export note must all be equal."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from migrate.core.mapping import MappedTable
from migrate.core.schema import load_schema
from migrate.quality import clients
from migrate.quality.duplicates import cell_keys
from migrate.quality.fuzzy import company_key, name_key

ACCOUNT = load_schema(Path(__file__).resolve().parents[1] / "samples" / "account.json")

NAMES = ["Иван Петров", "Петров Иван", "  иван   петров ", "ИВАН ПЕТРОВ", "Анна Ли", "Ли Анна", "Олег", "—", "", " ",
         None, np.nan]  # fmt: skip
FIRST = ["Иван", "иван ", "Анна", "", None]
LAST = ["Петров", "ПЕТРОВ", "Ли", "", None, 7]
PHONES = ["+79161000001", "+79161000002", "+79161000001, +79161000003", "+79161000001 доб. 12", "8 916", "", " ",
          None]  # fmt: skip
EMAILS = ["a@x.ru", "A@X.RU", "a@x.ru; b@x.ru", "b@x.ru", "не почта", "", None]
COMPANIES = ["ООО Альфа", "Альфа", "альфа  ооо", "«Альфа»", "ООО", "Бета", "ООО Бета", "!!", "", None]
INNS = ["7707083893", "5024002119", "7707 083 893", "7707083894", "0000000000", "7707083893 / 770701001",
        "500100732259", "ИНН 5024002119", "abc", "", None, 7707083893]  # fmt: skip

# part → (a pool of cells, the target headers of each layout that take it); several headers = several columns
LEADS = {"name": (NAMES, ["Полное имя (контакт)"]), "first": (FIRST, ["Имя (контакт)"]),
         "last": (LAST, ["Фамилия (контакт)"]),
         "phone": (PHONES, ["Рабочий телефон (контакт)", "Мобильный телефон (контакт)"]),
         "email": (EMAILS, ["Рабочий email (контакт)", "Личный email (контакт)"]),
         "company": (COMPANIES, ["Название (компания)"]), "inn": (INNS, ["ИНН (компания)"])}  # fmt: skip
CONTACTS = {"name": (NAMES, ["Полное имя"]), "first": (FIRST, ["Имя"]), "last": (LAST, ["Фамилия"]),
            "phone": (PHONES, ["Рабочий телефон"]), "email": (EMAILS, ["Рабочий email"]),
            "company": (COMPANIES, ["Название (компания)"]), "inn": (INNS, ["ИНН (компания)"])}  # fmt: skip
EXTRA = {"Компания 2 (компания)": "Название (компания)", "ИНН второй (компания)": "ИНН (компания)"}


@st.composite
def tables(draw) -> tuple[MappedTable, list[int] | None]:
    entity = draw(st.sampled_from(["leads", "contacts"]))
    layout = LEADS if entity == "leads" else CONTACTS
    targets = ACCOUNT.targets(entity)
    headers = [h for _, hs in layout.values() for h in hs if draw(st.booleans())]
    extra = [h for h in EXTRA if entity == "leads" and draw(st.booleans())]  # a second company and INN column
    n = draw(st.integers(0, 14))
    pool = {h: pool for pool, hs in layout.values() for h in hs} | {h: layout[
        "company" if "Компания" in h else "inn"][0] for h in extra}  # fmt: skip
    columns = {h: draw(st.lists(st.sampled_from(pool[h]), min_size=n, max_size=n)) for h in headers + extra}
    labels = draw(st.lists(st.integers(0, 40), min_size=n, max_size=n, unique=True))  # gappy, any order
    frame = pd.DataFrame(columns, index=pd.Index(labels, dtype="int64"), columns=headers + extra, dtype=object)
    frame["Сделка"] = "d"
    mapped_targets = {h: targets[h] for h in headers} | {h: targets[EXTRA[h]] for h in extra}
    mapped = MappedTable(frame=frame, entity=entity, targets=mapped_targets, sources={}, issues=[], table=None)
    rows = draw(st.none() | st.lists(st.sampled_from(labels + [41, 99]), max_size=n + 3) if labels else st.none())
    return mapped, rows


@settings(max_examples=400, deadline=None)
@given(tables())
def test_client_keys_equal_the_row_by_row_rules_they_replaced(case):
    mapped, rows = case
    new, old = clients.client_keys(mapped, rows), old_client_keys(mapped, rows)
    assert new == old
    assert {e: list(k.items()) for e, k in new.items()} == {e: list(k.items()) for e, k in old.items()}  # order
    assert clients.repeats(new) == old_repeats(old)


@settings(max_examples=200, deadline=None)
@given(tables(), st.data())
def test_the_export_note_counts_the_same_repeats_without_building_the_keys(case, data):
    mapped, _ = case
    rejected = data.draw(st.lists(st.sampled_from(list(mapped.frame.index) + [99]), max_size=4))
    report = SimpleNamespace(rejected_rows=sorted(set(rejected)))
    kept = [r for r in mapped.frame.index if r not in set(rejected)]
    found = old_repeats(old_client_keys(mapped, kept))
    notes = clients.repeated_clients_notes(mapped, report)
    assert [n.split(". AmoCRM")[0] for n in notes] == (["; ".join(map(str, found))] if found else [])


def test_a_switchboard_chain_joins_only_one_name_and_keeps_the_smallest_anchor():
    frame = pd.DataFrame({
        "Полное имя (контакт)": ["Иван Петров", "Петров Иван", "иван петров", "Анна Ли", "Иван Петров", "Иван Петров"],
        "Рабочий телефон (контакт)": ["+79161000002", "+79161000002", "", "+79161000002", "", ""],
        "Рабочий email (контакт)": ["", "b@x.ru", "B@X.ru", "", "", "b@x.ru"],
    }, index=pd.Index([10, 3, 7, 4, 5, 12]))  # fmt: skip
    targets = ACCOUNT.targets("leads")
    mapped = MappedTable(frame=frame, entity="leads", targets={h: targets[h] for h in frame.columns}, sources={},
                         issues=[], table=None)  # fmt: skip
    keys = clients.client_keys(mapped)["contacts"]
    assert list(keys.items()) == [(3, "иван петров|email:b@x.ru"), (7, "иван петров|email:b@x.ru"),
                                  (10, "иван петров|email:b@x.ru"), (12, "иван петров|email:b@x.ru"),
                                  (4, "анна ли|phone:+79161000002"), (5, "row:5")]  # fmt: skip
    assert keys == old_client_keys(mapped)["contacts"]


# --- the oracle: the row-by-row implementation as it was (migrate/quality/clients.py before the rewrite) ------


def old_client_keys(mapped: MappedTable, rows: Iterable[int] | None = None) -> dict[str, dict[int, str]]:
    keyed = clients.KEYED.get(mapped.entity, ())
    if not keyed:
        return {}
    wanted = list(mapped.frame.index if rows is None else rows)
    cols = clients._columns(mapped)  # which columns are keys did not change: one classification serves both
    cells = _Cells(mapped, [h for parts in cols.values() for hs in parts.values() for h in hs])
    out: dict[str, dict[int, str]] = {}
    companies = _company_keys(cells, cols.get("companies", {}), wanted)
    if "companies" in keyed:
        out["companies"] = companies
    if "contacts" in keyed:
        out["contacts"] = _contact_keys(cells, cols.get("contacts", {}), wanted, companies)
    return out


def old_repeats(keys: dict[str, dict[int, str]]) -> list[clients.Repeats]:
    """Per entity, how many rows repeat a client and how many clients repeat (entities with none left out)."""
    out = []
    for entity, by_row in keys.items():
        counts: dict[str, int] = {}
        for key in by_row.values():
            counts[key] = counts.get(key, 0) + 1
        many = [n for n in counts.values() if n > 1]
        if many:
            out.append(clients.Repeats(entity, sum(many) - len(many), len(many)))
    return out


class _Cells:
    """The key columns as plain dicts (row → text): a lookup per cell costs a dict access, not a pandas one."""

    def __init__(self, mapped: MappedTable, headers: list[str]) -> None:
        index = mapped.frame.index.tolist()
        self.columns = {h: dict(zip(index, mapped.frame[h].tolist(), strict=True)) for h in headers}

    def __call__(self, headers: list[str], row: int) -> list[str]:
        values = []
        for h in headers:
            v = self.columns[h].get(row)
            if isinstance(v, str) and v.strip():
                values.append(v.strip())
        return values


# --- companies ---------------------------------------------------------------------------------------------


def _company_keys(cells: _Cells, cols: dict[str, list[str]], rows: list[int]) -> dict[int, str]:
    found: dict[int, tuple[str, str]] = {}  # row → (inn, folded name)
    inns_of_name: dict[str, set[str]] = {}
    for row in rows:
        inn = next((k for c in cells(cols.get("inn", []), row) for k in cell_keys("inn", c)), "")
        names = cells(cols.get("name", []), row)
        name = company_key(names[0]) if names else ""
        if inn or name:
            found[row] = (inn, name)
            if name and inn:
                inns_of_name.setdefault(name, set()).add(inn)
    out = {}
    for row, (inn, name) in found.items():
        if inn:
            out[row] = f"inn:{inn}"
        elif len(inns_of_name.get(name, ())) == 1:
            out[row] = f"inn:{next(iter(inns_of_name[name]))}"
        else:
            out[row] = f"name:{name}"
    return out


# --- contacts ----------------------------------------------------------------------------------------------


def _contact_keys(cells: _Cells, cols: dict[str, list[str]], rows: list[int],
                  companies: dict[int, str]) -> dict[int, str]:  # fmt: skip
    """Rows with one folded name joined when they share an anchor (phone, e-mail, company); union-find."""
    anchors: dict[int, list[str]] = {}
    names: dict[int, str] = {}
    for row in rows:
        name = _person(cells, cols, row)
        if not name:
            continue
        found = [f"phone:{p}" for c in cells(cols.get("phone", []), row) for p in cell_keys("phone", c)]
        found += [f"email:{e}" for c in cells(cols.get("email", []), row) for e in cell_keys("email", c)]
        if row in companies:
            found.append(f"company:{companies[row]}")
        names[row], anchors[row] = name, found
    parent = {r: r for r in names}

    def root(r: int) -> int:
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return r

    first_with: dict[tuple[str, str], int] = {}
    for row in sorted(names):
        for anchor in anchors[row]:
            other = first_with.setdefault((names[row], anchor), row)
            if other != row:
                a, b = root(other), root(row)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for row in sorted(names):
        groups.setdefault(root(row), []).append(row)
    out = {}
    for first, members in groups.items():
        if len(members) == 1 and not anchors[first]:
            out[first] = f"row:{first}"  # a name alone: its own client, never joined
            continue
        anchor = min(a for m in members for a in anchors[m]) if any(anchors[m] for m in members) else f"row:{first}"
        for m in members:
            out[m] = f"{names[first]}|{anchor}"
    return out


def _person(cells: _Cells, cols: dict[str, list[str]], row: int) -> str:
    full = cells(cols.get("name", []), row)
    if full:
        return name_key(full[0])
    parts = cells(cols.get("first_name", []) + cols.get("last_name", []), row)
    return name_key(" ".join(parts)) if parts else ""
