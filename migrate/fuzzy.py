"""The one place rapidfuzz is called: text normalisation and "did you mean" suggestions.

Why one place: every comparison of user text with account names (headers, users, stages, list options)
must fold the same things, or the same value would match in one check and not in another. Callers pass
*distinct* values; `Matcher` caches per value too, so a 100,000-row column with 20 owners costs 20
lookups, never 100,000.

Normalisation folds case, `ё`→`е`, Latin letters that look like Cyrillic ones inside Cyrillic words
("Cчёт" with a Latin C), NBSP and runs of spaces, and punctuation. People's names also ignore word order,
so "Иванова Анна" and "Анна Иванова" are the same key.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

# Latin letters that are drawn like Cyrillic ones. Folded only inside words that contain Cyrillic,
# so a Latin word ("Web", "Skype") stays Latin and still matches itself.
_HOMOGLYPHS = str.maketrans(
    {
        "a": "а", "b": "в", "c": "с", "e": "е", "h": "н", "k": "к", "m": "м", "o": "о",
        "p": "р", "t": "т", "x": "х", "y": "у", "ё": "е",
    }
)  # fmt: skip
_CYRILLIC = re.compile(r"[а-яё]")
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)

#: the default score (0–100) below which no suggestion is offered
SUGGEST_CUTOFF = 60.0


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Comparison key for a label: casefolded, ё→е, homoglyphs folded, punctuation and spaces collapsed.

    Two labels a person would call "the same" get the same key; the key is never shown to anyone.
    """
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    words = _NOT_WORD.sub(" ", text).split()
    folded = [w.translate(_HOMOGLYPHS) if _CYRILLIC.search(w) else w.replace("ё", "е") for w in words]
    return " ".join(folded)


@lru_cache(maxsize=65536)
def name_key(text: str) -> str:
    """Comparison key for a person's name: `normalise` with the words sorted, so order does not matter."""
    return " ".join(sorted(normalise(text).split()))


@dataclass(frozen=True, slots=True)
class Match:
    choice: str
    score: float


@dataclass
class Matcher:
    """Matches user values against a fixed list of choices (user names, stages, options, headers).

    `exact()` answers "is this the same label once trivia are folded" — safe to apply silently.
    `suggest()` answers "what did the user probably mean" — only ever shown, never applied.
    """

    choices: list[str]
    names: bool = False
    cutoff: float = SUGGEST_CUTOFF
    _keys: dict[str, str] = field(init=False, repr=False)
    _key_list: list[str] = field(init=False, repr=False)
    _cache: dict[str, Match | None] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        keyf = name_key if self.names else normalise
        self._keys = {}
        for choice in self.choices:
            self._keys.setdefault(keyf(choice), choice)
        self._key_list = list(self._keys)

    def key(self, value: str) -> str:
        return name_key(value) if self.names else normalise(value)

    def exact(self, value: str) -> str | None:
        """The choice whose normalised key equals the value's, else None."""
        return self._keys.get(self.key(value))

    def suggest(self, value: str) -> Match | None:
        """The best choice by fuzzy score at or above the cutoff, else None. Cached per distinct value."""
        if value in self._cache:
            return self._cache[value]
        result = None
        if self._key_list and value.strip():
            scorer = fuzz.token_sort_ratio if self.names else fuzz.WRatio
            best = process.extractOne(self.key(value), self._key_list, scorer=scorer, score_cutoff=self.cutoff)
            if best is not None:
                result = Match(self._keys[best[0]], float(best[1]))
        self._cache[value] = result
        return result

    def suggest_many(self, value: str, limit: int = 3) -> list[Match]:
        """Up to `limit` choices at or above the cutoff, best first."""
        if not self._key_list or not value.strip():
            return []
        scorer = fuzz.token_sort_ratio if self.names else fuzz.WRatio
        found = process.extract(self.key(value), self._key_list, scorer=scorer, limit=limit, score_cutoff=self.cutoff)
        return [Match(self._keys[k], float(s)) for k, s, _ in found]


def suggest(value: str, choices: list[str], *, names: bool = False, cutoff: float = SUGGEST_CUTOFF) -> str | None:
    """Convenience: the best choice for one value, or None (builds a throw-away Matcher)."""
    match = Matcher(list(choices), names=names, cutoff=cutoff).suggest(value)
    return match.choice if match else None
