"""Which AmoCRM target a source header most likely means: synonyms first, fuzzy matching second.

Shared by `inspect` (which built-in profile and entity fit a file) and `init` (drafting a profile). The
synonym table (`data/synonyms.json`) holds the captions Bitrix24, Megaplan and people use for each target,
keyed by meaning (`contacts:PHONE:MOB`) rather than by header text, so it serves every layout: the same
"Моб. телефон" means "Мобильный телефон (контакт)" in the combined leads import and "Мобильный телефон"
in a contacts import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ..core.schema import Target
from ..quality.fuzzy import Matcher, normalise

#: a synonym hit scores this; fuzzy scores are rapidfuzz's 0–100
SYNONYM_SCORE = 100.0
#: at or above: mapped in a draft; below but at or above REVIEW: written commented out for review
CONFIDENT = 86.0
REVIEW = 60.0


@dataclass(frozen=True)
class HeaderMatch:
    source: str
    target: str | None
    score: float
    how: str  # "synonym" | "fuzzy" | "none"


def meaning(target: Target) -> str:
    """The synonym-table key of a target: entity:role, or entity:CODE[:ENUM] for predefined fields."""
    if target.code and target.role in ("field",):
        return f"{target.entity}:{target.code}" + (f":{target.enum}" if target.enum else "")
    return f"{target.entity}:{target.role}"


@lru_cache(maxsize=1)
def _synonyms() -> dict[str, list[str]]:
    data = json.loads(resources.files("migrate").joinpath("data", "synonyms.json").read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def synonym_index(targets: dict[str, Target], entity: str) -> dict[str, str]:
    """Folded caption → target header for one layout; on a clash the layout's own entity wins, then
    contacts, then companies (a bare "Телефон" in a deals sheet is the contact's phone)."""
    priority = {entity: 0, "contacts": 1, "companies": 2, "leads": 3}
    ordered = sorted(targets.values(), key=lambda t: priority.get(t.entity, 9))
    index: dict[str, str] = {}
    for t in ordered:
        for caption in [t.header, *_synonyms().get(meaning(t), [])]:
            index.setdefault(normalise(caption), t.header)
    return index


def match_headers(sources: list[str], targets: dict[str, Target], entity: str) -> list[HeaderMatch]:
    """Best target for each source header; no two sources get the same target (the stronger keeps it)."""
    index = synonym_index(targets, entity)
    fuzzy = Matcher(list(targets), cutoff=REVIEW)
    found: list[HeaderMatch] = []
    for source in sources:
        hit = index.get(normalise(source))
        if hit:
            found.append(HeaderMatch(source, hit, SYNONYM_SCORE, "synonym"))
            continue
        m = fuzzy.suggest(source)
        found.append(
            HeaderMatch(source, m.choice, round(m.score, 1), "fuzzy") if m else HeaderMatch(source, None, 0, "none")
        )
    return _one_source_per_target(found)


def _one_source_per_target(found: list[HeaderMatch]) -> list[HeaderMatch]:
    best: dict[str, HeaderMatch] = {}
    for m in found:
        if m.target and (m.target not in best or m.score > best[m.target].score):
            best[m.target] = m
    return [m if (m.target is None or best[m.target] is m) else HeaderMatch(m.source, None, 0, "taken") for m in found]
