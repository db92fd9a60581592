"""init: draft a mapping profile from a source file, for a person to review.

The draft is YAML with comments, because its reader is a consultant deciding what to keep: each mapped
column carries its match score; matches below the confidence bar are written commented out; owner names
found in the data are listed under `owners.map` with their closest user; stage values that are not
already stage names are listed under `values` with their closest stage. The draft always validates
(every suggestion that is not certain is a comment), so `amomigrate validate` runs on it at once.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..core.headerfold import fold_header, typed
from ..core.paths import write_text_atomic
from ..core.profile import Profile, profile_from_dict
from ..core.schema import AccountSchema, Target
from ..core.table import SourceTable
from ..quality.fuzzy import Matcher, has_legal_form
from .headers import CONFIDENT, REVIEW, HeaderMatch, match_headers

_TRANSFORM_BY_TYPE = {"phone": "phone", "email": "email", "price": "number", "numeric": "number",
                      "date": "date", "birthday": "date", "datetime": "datetime", "date_time": "datetime"}  # fmt: skip
_MAX_VALUES = 200  # more distinct stage/owner values than this is not a list a person reviews line by line
#: a column whose non-empty values carry a legal form at least this often holds companies, not people
_COMPANY_SHARE = 0.5
_PERSON_ROLES = ("name", "first_name", "last_name")


@dataclass
class Draft:
    """A drafted profile: `text` is the commented YAML to save, `profile` what it loads as."""

    text: str
    profile: Profile
    matches: list[HeaderMatch]

    @property
    def to_review(self) -> int:
        """Every decision the draft leaves commented: a column, a stage value or an owner to map by hand
        (an owner line that only says a user was found needs nothing, and is not counted)."""
        return sum(1 for line in self.text.splitlines()
                   if line.lstrip().startswith('# "') and not line.endswith("no entry needed"))  # fmt: skip

    def save(self, path: str | Path) -> Path:
        """Write the YAML atomically (a crash never leaves half a profile)."""
        return write_text_atomic(path, self.text)


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _key(header: str, clashing: frozenset[str] = frozenset()) -> str:
    """A profile key as a person types it: NBSP, tabs and zero-width characters of the file's header gone
    (the key still matches the header: profile keys are compared folded, see core.headerfold). A header
    that folds like another header of the file keeps its exact text, or the key would be ambiguous."""
    return _q(header if header in clashing else typed(header))


def _clashing(headers: list[str]) -> frozenset[str]:
    folds = Counter(fold_header(h) for h in headers)
    return frozenset(h for h in headers if folds[fold_header(h)] > 1)


def _column_lines(m: HeaderMatch, target: Target | None, values: dict[str, tuple[str | None, float]],
                  clashing: frozenset[str] = frozenset()) -> list[str]:  # fmt: skip
    if target is None or m.target is None:
        why = {"taken": "another column matched its target better",
               "values: company names": "its values are company names, and another column holds the company"
               }.get(m.how, "no close target")  # fmt: skip
        return [f"  # {_key(m.source, clashing)}: null  # {why}: map it, or uncomment to drop it on purpose"]
    spec: list[str] = [f"field: {_q(target.header)}"]
    transform = _TRANSFORM_BY_TYPE.get(target.type)
    if transform:
        spec.append(f"transform: {transform}")
    if target.type == "user":
        spec.append("owner: true")
    comment = f"  # {m.how} {m.score:.0f}"
    lead = "  " if m.score >= CONFIDENT else "  # "
    if m.score < CONFIDENT:
        comment += " — low confidence, review"
    lines = [f"{lead}{_key(m.source, clashing)}: {{{', '.join(spec)}}}{comment}"]
    if values and target.type == "status" and m.score >= CONFIDENT:
        confident = any(stage and score >= CONFIDENT for stage, score in values.values())
        lines[0] = f"  {_key(m.source, clashing)}:{comment}"
        lines += [f"    {s}" for s in spec]
        lines.append("    values:" if confident else "    values: {}  # no confident match: review the lines below")
        for value, (stage, score) in values.items():
            if stage and score >= CONFIDENT:
                lines.append(f"      {_q(value)}: {_q(stage)}  # fuzzy {score:.0f}")
            elif stage:
                lines.append(f"      # {_q(value)}: {_q(stage)}  # fuzzy {score:.0f} — low confidence, review")
            else:
                lines.append(f'      # {_q(value)}: ""  # no close stage: map it by hand')
    return lines


def _stage_values(table: SourceTable, source: str, schema: AccountSchema) -> dict[str, tuple[str | None, float]]:
    """Distinct stage values that are not already a stage name, with their closest stage (main pipeline
    first, then the others)."""
    names = [s for p in [schema.main_pipeline, *schema.pipelines] for s in p.status_names()]
    matcher = Matcher(list(dict.fromkeys(names)))
    out: dict[str, tuple[str | None, float]] = {}
    for value in table.frame[source].str.strip().unique()[:_MAX_VALUES]:
        if not value or matcher.exact(value):
            continue
        m = matcher.suggest(value)
        out[value] = (m.choice, m.score) if m else (None, 0.0)
    return out


def _owner_lines(table: SourceTable, sources: list[str], schema: AccountSchema) -> list[str]:
    if not sources:
        return []
    seen = list(dict.fromkeys(v for s in sources for v in table.frame[s].str.strip().unique() if v))[:_MAX_VALUES]
    if not seen:
        return []
    if not schema.users:
        lines = ["owners:", "  # the account schema lists no users (run `amomigrate schema pull`); owners found:",
                 "  map: {}"]  # fmt: skip
        return lines + [f'  #   {_q(v)}: ""' for v in seen]
    matcher = Matcher([u.name for u in schema.users], names=True)
    active = Matcher([u.name for u in schema.users if u.active], names=True)
    inactive = {u.name for u in schema.users if not u.active}
    lines = ["owners:", "  map:"]
    for value in seen:
        exact = matcher.exact(value)
        m = matcher.suggest(value)
        if exact in inactive:
            other = active.suggest(value)
            hint = f"closest active user {other.choice!r}" if other else "no active user is close"
            lines.append(f'    # {_q(value)}: ""  # {exact!r} is deactivated in AmoCRM: map to an active user '
                         f"({hint}) — review")  # fmt: skip
        elif exact:
            lines.append(f"    # {_q(value)}: {_q(exact)}  # found by name; no entry needed")
        elif m and m.score >= CONFIDENT:
            lines.append(f"    {_q(value)}: {_q(m.choice)}  # fuzzy {m.score:.0f}")
        elif m:
            lines.append(f"    # {_q(value)}: {_q(m.choice)}  # fuzzy {m.score:.0f} — low confidence, review")
        else:
            lines.append(f'    # {_q(value)}: ""  # no close user')
    if all(line.lstrip().startswith("#") for line in lines[2:]):
        lines[1] = "  map: {}"
    lines.append('  # default: ""  # a user for empty owner cells')
    return lines


def _by_content(matches: list[HeaderMatch], table: SourceTable, targets: dict[str, Target]) -> list[HeaderMatch]:
    """A column matched to a person's name whose values are mostly company names (a legal form: «ООО …»,
    «ИП …») holds companies: it goes to the company name if no other column took it, else to review."""
    company = next((h for h, t in targets.items() if t.entity == "companies" and t.role == "name"), None)
    taken = {m.target for m in matches}
    out = []
    for m in matches:
        t = targets.get(m.target) if m.target else None
        if t is not None and t.entity == "contacts" and t.role in _PERSON_ROLES and _mostly_companies(table, m.source):
            if company and company not in taken:
                taken.add(company)
                m = HeaderMatch(m.source, company, CONFIDENT, "values: company names")
            else:
                m = HeaderMatch(m.source, None, 0, "values: company names")
        out.append(m)
    return out


def _mostly_companies(table: SourceTable, source: str) -> bool:
    values = [v for v in table.frame[source].str.strip().unique()[: _MAX_VALUES * 5] if v]
    return bool(values) and sum(map(has_legal_form, values)) >= _COMPANY_SHARE * len(values)


def draft_profile(table: SourceTable, schema: AccountSchema, entity: str = "leads") -> Draft:
    """Draft a profile mapping `table`'s headers to `entity`'s import headers in `schema`."""
    targets = schema.targets(entity)
    matches = _by_content(match_headers(table.columns, targets, entity), table, targets)
    clashing = _clashing(table.columns)
    lines = [
        f"# Draft profile for {table.path.name}" + (f", sheet {table.sheet!r}" if table.sheet else "") + ".",
        "# Scores: synonym 100 = a known caption; fuzzy N = text similarity. Commented lines need a decision.",
        "version: 1",
        f"entity: {entity}",
    ]
    source = {k: v for k, v in (("sheet", table.sheet), ("header_row", table.header_row)) if v}
    if source:
        lines.append("source: " + yaml.safe_dump(source, allow_unicode=True, default_flow_style=True).strip())
    lines.append("columns:")
    owner_sources = []
    for m in matches:
        target = targets.get(m.target) if m.target and m.score >= REVIEW else None
        values = _stage_values(table, m.source, schema) if target and target.type == "status" else {}
        lines += _column_lines(m, target, values, clashing)
        if target and target.type == "user" and target.role == "responsible_user" and m.score >= CONFIDENT:
            owner_sources.append(m.source)
    if not any(line.startswith("  ") and not line.startswith("  #") for line in lines):
        lines.append(f"  {_key(table.columns[0])}: null  # nothing matched with confidence; map columns above")
    lines += _owner_lines(table, owner_sources, schema)
    text = "\n".join(lines) + "\n"
    profile = profile_from_dict(yaml.safe_load(text), f"draft for {table.path.name}")
    return Draft(text, profile, matches)
