"""Repeated clients: which rows of a deals (or contacts) file name the *same* contact or company.

In a deals file one client has many deals, so its contact and company are written again on every row.
The upload must create each of them once and link every other row to it; the export path can only warn
(the AmoCRM importer decides by itself). This module gives each row's contact and company a *client key*;
rows with one key are one client. Only the entities that are not the file's own are keyed (a contact in a
deals file, a company in a contacts file): repeated *primary* records are the duplicates policy's job.

The rules are the duplicate rules (duplicates.py), made strict enough to create one record from them —
a wrong join here merges two real clients into one record, which is worse than a duplicate:

- a company: its INN (valid check digits) when the row has one; else its folded name (`company_key`:
  legal form, quotes, case folded) — joined to the INN of that name when exactly one INN goes with it in
  the file, and never to any when several do (same name, several INNs = namesakes);
- a contact: its folded name (`name_key`, word order ignored) *and* something that ties two rows to one
  person: a shared phone, e-mail, or the same company. A switchboard phone shared by five different names
  joins nobody, and two «Иван Петров» of two companies stay two people. A contact without a name is never
  joined (there is nothing to tell two of them apart).

Keys are plain strings such as `inn:7707083893` or `name:ромашка`, stable for the same source, so the
upload journal can record key → AmoCRM id and a resumed run links to what was created before the crash.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..core.mapping import MappedTable
from ..core.report import Report
from .duplicates import cell_keys, is_inn_header
from .fuzzy import company_key, name_key

KEYED = {"leads": ("contacts", "companies"), "contacts": ("companies",), "companies": ()}


@dataclass(frozen=True)
class Repeats:
    """How many rows name a client already named by an earlier row, per entity, and how many clients."""

    entity: str
    rows: int  # rows that repeat a client (the first row of each client excluded)
    clients: int  # clients named by more than one row

    def __str__(self) -> str:
        what = {"contacts": "contact", "companies": "company"}[self.entity]
        return f"{self.rows} rows repeat a {what} of an earlier row ({self.clients} {self.entity} in several rows)"


def client_keys(mapped: MappedTable, rows: Iterable[int] | None = None) -> dict[str, dict[int, str]]:
    """entity → row → client key, for the linked entities of the layout (`KEYED`).

    Only rows that hold a key are listed; `rows` limits the rows considered (e.g. those without errors).

    >>> keys = client_keys(mapped)  # doctest: +SKIP
    >>> keys["companies"][7] == keys["companies"][12]  # doctest: +SKIP
    True
    """
    keyed = KEYED.get(mapped.entity, ())
    if not keyed:
        return {}
    wanted = list(mapped.frame.index if rows is None else rows)
    cols = _columns(mapped)
    cells = _Cells(mapped, [h for parts in cols.values() for hs in parts.values() for h in hs])
    out: dict[str, dict[int, str]] = {}
    companies = _company_keys(cells, cols.get("companies", {}), wanted)
    if "companies" in keyed:
        out["companies"] = companies
    if "contacts" in keyed:
        out["contacts"] = _contact_keys(cells, cols.get("contacts", {}), wanted, companies)
    return out


def repeats(keys: dict[str, dict[int, str]]) -> list[Repeats]:
    """Per entity, how many rows repeat a client and how many clients repeat (entities with none left out)."""
    out = []
    for entity, by_row in keys.items():
        counts: dict[str, int] = {}
        for key in by_row.values():
            counts[key] = counts.get(key, 0) + 1
        many = [n for n in counts.values() if n > 1]
        if many:
            out.append(Repeats(entity, sum(many) - len(many), len(many)))
    return out


def repeated_clients_notes(mapped: MappedTable, report: Report) -> list[str]:
    """The export's advice when exported rows repeat a client: the importer may create it once per row."""
    rejected = set(report.rejected_rows)
    found = repeats(client_keys(mapped, [r for r in mapped.frame.index if r not in rejected]))
    if not found:
        return []
    return [
        "; ".join(str(r) for r in found) + ". AmoCRM's importer creates such a client again for every row "
        "unless the account's duplicate control (import settings) merges them; `amomigrate upload` creates each "
        "client once and links every row to it (see the report's duplicates for the rows)."
    ]


# --- columns -----------------------------------------------------------------------------------------------


def _columns(mapped: MappedTable) -> dict[str, dict[str, list[str]]]:
    """entity → part (name | first | last | phone | email | inn) → mapped headers."""
    out: dict[str, dict[str, list[str]]] = {}
    for header in mapped.frame.columns:
        t = mapped.targets.get(header)
        if t is None or t.entity not in ("contacts", "companies"):
            continue
        part = None
        if is_inn_header(header):
            part = "inn"
        elif t.role == "name":
            part = "name"
        elif t.role in ("first_name", "last_name"):
            part = t.role
        elif t.code in ("PHONE", "EMAIL"):
            part = t.code.lower()
        if part:
            out.setdefault(t.entity, {}).setdefault(part, []).append(header)
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
