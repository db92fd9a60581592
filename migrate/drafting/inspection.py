"""inspect: what a source file is and what is in it, before anyone writes a profile.

Answers the first questions of a migration: which system wrote the file, in which encoding, which sheet
and header row, how many rows, what one row is (deal, contact, company), how full each column is, and
which built-in profile fits best. Column statistics are vectorised per column, so a 100,000-row file
costs a few column scans.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from ..core.profile import builtin_profiles, load_profile
from ..core.schema import AccountSchema
from ..core.summary_rows import summary_rows
from ..core.table import SourceTable
from ..quality.fuzzy import normalise
from .headers import match_headers

_HINT_ENTITY = {"deal": "leads", "lead": "leads", "contact": "contacts", "company": "companies"}


@dataclass
class ColumnStats:
    name: str
    filled: int
    fill_rate: float
    distinct: int
    examples: list[str]


@dataclass
class Inspection:
    """The answer of `inspect`; `to_frame()` gives the column table, `to_dict()` the JSON form."""

    path: str
    kind: str
    system: str | None
    encoding: str | None
    delimiter: str | None
    sheets: list[str]
    sheet: str | None
    header_row: int
    rows: int
    empty_rows: int
    entity: str
    entity_reason: str
    columns: list[ColumnStats]
    profile: str | None
    profile_score: float
    profile_scores: dict[str, float] = field(default_factory=dict)
    near_profiles: list[str] = field(default_factory=list)  # built-in profiles close to, but under, the threshold
    summary_rows: list[int] = field(default_factory=list)  # «Итого»/«Total» rows: counted apart from data rows

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([asdict(c) for c in self.columns])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def _near(self) -> str:
        return ", ".join(f"{n} {self.profile_scores.get(n, 0):.2f}" for n in self.near_profiles)

    def summary(self) -> str:
        where = self.path + (f" [{self.sheet}]" if self.sheet else "")
        enc = ", ".join(x for x in (self.encoding, repr(self.delimiter) if self.delimiter else None) if x)
        by = f", written by {self.system}" if self.system else ""
        lines = [
            f"{where}: {self.kind}" + (f" ({enc})" if enc else "") + by,
            f"sheets: {', '.join(self.sheets)}" if len(self.sheets) > 1 else "",
            f"header at row {self.header_row}; {self.rows} rows, {self.empty_rows} empty rows skipped"
            + (f"; and {len(self.summary_rows)} summary rows (Итого/Total: rows "
               f"{', '.join(map(str, self.summary_rows[:5]))}), not records" if self.summary_rows else ""),
            f"one row is: {self.entity} ({self.entity_reason})",
            f"best built-in profile: {self.profile} (score {self.profile_score:.2f})" if self.profile else
            "no built-in profile fits" + (f" (near: {self._near()})" if self.near_profiles else "")
            + "; draft one with `amomigrate init`",
            "",
            f"{'column':<32} {'filled':>7} {'distinct':>8}  examples",
        ]  # fmt: skip
        for c in self.columns:
            examples = " | ".join(e.replace("\n", " ")[:24] for e in c.examples)
            lines.append(f"{c.name[:32]:<32} {c.fill_rate:>6.0%} {c.distinct:>8}  {examples}")
        return "\n".join(line for line in lines if line is not None)


def column_stats(frame: pd.DataFrame, examples: int = 3) -> list[ColumnStats]:
    """Fill rate, distinct count and the first few distinct non-empty values of every column."""
    out = []
    rows = max(len(frame), 1)
    for name in frame.columns:
        col = frame[name]
        nonempty = col[col.str.strip() != ""]
        uniques = nonempty.unique()
        out.append(ColumnStats(str(name), len(nonempty), round(len(nonempty) / rows, 4), len(uniques),
                               [str(v) for v in uniques[:examples]]))  # fmt: skip
    return out


def guess_entity(table: SourceTable, schema: AccountSchema) -> tuple[str, str]:
    """What one row is: the file's own word when it has one, else what its name columns suggest."""
    if table.entity_hint in _HINT_ENTITY:
        return _HINT_ENTITY[table.entity_hint], f"the {table.system or 'source'} file says {table.entity_hint}"
    targets = schema.targets("leads")
    matches = match_headers(table.columns, targets, "leads")
    signals = {(targets[m.target].entity, targets[m.target].role, targets[m.target].code)
               for m in matches if m.target and m.score >= 86}  # fmt: skip
    deal = {s for s in signals if s[0] == "leads" and s[1] in ("price", "status", "pipeline", "closed_at")}
    if deal:
        return "leads", "it has deal columns (" + ", ".join(sorted(s[1] for s in deal)) + ")"
    # phones and e-mails belong to both contacts and companies: they decide nothing
    person = {s for s in signals if s[0] == "contacts" and s[2] not in ("PHONE", "EMAIL")}
    firm = {s for s in signals if s[0] == "companies" and s[2] not in ("PHONE", "EMAIL")}
    if person or firm:
        if len(person) >= len(firm):
            return "contacts", "it has person columns (name, position) and no deal columns"
        return "companies", "it has company columns (address, web site) and no deal columns"
    if ("leads", "name", None) in signals:
        return "leads", "it has a deal name column"
    return "leads", "nothing decisive; deals are the default"


#: below this fit no built-in profile is named as fitting; the near ones are listed as candidates
FIT_THRESHOLD = 0.5


def profile_fit(table: SourceTable) -> dict[str, float]:
    """Each built-in profile's fit, 0–1: the share of the file's columns it knows × the square root of the
    share of its required (non-optional) source columns present, by folded header. The file side weighs
    most: a grid export shows only the columns a user switched on, so a profile listing every possible
    column still fits a file holding a third of them; a profile that knows little of the file does not.
    A profile of another system than the one the headers identify (see sources.signatures) counts half."""
    have = {normalise(c) for c in table.columns}
    scores = {}
    for name in builtin_profiles():
        try:
            profile = load_profile(name)
        except Exception:  # noqa: BLE001 - a broken built-in must not break inspect; its tests catch it
            continue
        known = {normalise(c) for c in profile.columns}
        wanted = {normalise(c) for c, spec in profile.columns.items() if spec is None or not spec.optional}
        if not wanted or not have:
            continue
        score = len(known & have) / len(have) * (len(wanted & have) / len(wanted)) ** 0.5
        if table.system and not name.startswith(table.system):
            score /= 2
        scores[name] = round(score, 3)
    return dict(sorted(scores.items(), key=lambda kv: -kv[1]))


def inspect_table(table: SourceTable, schema: AccountSchema) -> Inspection:
    entity, reason = guess_entity(table, schema)
    fits = profile_fit(table)
    best = next(iter(fits.items()), (None, 0.0))
    near = [name for name, score in fits.items() if 0.1 <= score < FIT_THRESHOLD][:3]
    totals = sorted(summary_rows(table.frame))
    return Inspection(
        path=str(table.path), kind=table.kind, system=table.system, encoding=table.encoding,
        delimiter=table.delimiter, sheets=table.sheets, sheet=table.sheet, header_row=table.header_row,
        rows=table.rows - len(totals), empty_rows=table.empty_rows, entity=entity, entity_reason=reason,
        columns=column_stats(table.frame), profile=best[0] if best[1] >= FIT_THRESHOLD else None,
        profile_score=best[1], profile_scores=fits, summary_rows=totals, near_profiles=near,
    )  # fmt: skip
