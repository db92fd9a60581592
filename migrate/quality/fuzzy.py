"""The one place rapidfuzz is called: text normalisation, "did you mean" suggestions, and company names
that are spelling variants of each other (the duplicate search, `duplicates.py`).

Why one place: every comparison of user text with account names (headers, users, stages, list options)
must fold the same things, or the same value would match in one check and not in another. Callers pass
*distinct* values; `Matcher` caches per value too, so a 100,000-row column with 20 owners costs 20
lookups, never 100,000.

Normalisation folds case, `ё`→`е`, Latin letters that look like Cyrillic ones inside Cyrillic words
("Cчёт" with a Latin C), NBSP and runs of spaces, and punctuation. People's names also ignore word order,
so "Иванова Анна" and "Анна Иванова" are the same key. Company names also drop their legal form
(`company_key`), and `near_duplicate_names` finds one-typo variants among them through their one-letter
deletions, so the cost grows with the names' letters and the pairs found, not with the square of the names.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

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


# --- company names: legal forms folded, near-duplicates found by their one-letter deletions -------------

#: legal forms, abbreviated and spelled out; removed as whole words wherever they stand ("ООО Ромашка",
#: "Ромашка ООО", "Общество с ограниченной ответственностью «Ромашка»"). Longer phrases first, so the
#: spelled-out form wins over its last word ("акционерное общество" inside "закрытое акционерное общество").
_LEGAL_FORMS = sorted(
    {
        "общество с ограниченной ответственностью", "товарищество с ограниченной ответственностью",
        "открытое акционерное общество", "закрытое акционерное общество", "публичное акционерное общество",
        "непубличное акционерное общество", "акционерное общество", "индивидуальный предприниматель",
        "некоммерческая организация", "автономная некоммерческая организация",
        "федеральное государственное унитарное предприятие", "государственное унитарное предприятие",
        "муниципальное унитарное предприятие", "частное предприятие", "крестьянское фермерское хозяйство",
        "ооо", "оао", "зао", "пао", "нао", "ао", "ип", "нко", "ано", "гуп", "муп", "фгуп", "гбу", "мбу",
        "фгбу", "тоо", "чп", "пбоюл", "кфх",
        "ooo", "llc", "l l c", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "co ltd",
        "gmbh", "plc", "llp", "jsc", "ojsc", "cjsc", "pjsc",
    },
    key=lambda form: (-len(form), form),
)  # fmt: skip
_LEGAL_RE = re.compile(r"(?<!\S)(?:" + "|".join(re.escape(normalise(f)) for f in _LEGAL_FORMS) + r")(?!\S)")
_DIGITS = re.compile(r"\d+")

#: the shortest company name (letters and digits, spaces removed) a typo is tolerated in. Below it every
#: letter is meaning: «Вектор» / «Вектор-М», «Гарант» / «Гранит», «Партнер» / «Партнеры» are different firms.
FUZZY_MIN_LEN = 9
#: a word shorter than this is a code or a place, not a typo site: «Стройресурс НН» ≠ «Стройресурс НК»
_SHORT_WORD = 5


def one_typo(value: str, choice: str, *, names: bool = False) -> bool:
    """Whether `value` is `choice` with one typo (a letter wrong, missing, extra, or two neighbours
    swapped), compared folded (`normalise`; `name_key` for people's names). Equal keys are not a typo."""
    a, b = (name_key(value), name_key(choice)) if names else (normalise(value), normalise(choice))
    return a != b and min(len(a), len(b)) >= 4 and OSA.distance(a, b) <= 1


def has_legal_form(text: str) -> bool:
    """Whether a name carries a legal form («ООО …», «ИП Фомина Ю.Ю.», «… LLC»): a company's, not a person's."""
    return bool(_LEGAL_RE.search(normalise(text)))


@lru_cache(maxsize=262144)
def company_key(name: str) -> str:
    """Comparison key for a company name: `normalise` with legal forms removed.

    «ООО "Ромашка"», «Ромашка ООО» and «Общество с ограниченной ответственностью „Ромашка“» all give
    "ромашка": quotes are punctuation to `normalise`, the legal form is not part of the name. A name that
    is nothing but a legal form keeps it, so "ООО" does not become an empty (= missing) name.
    """
    text = normalise(name)
    stripped = " ".join(_LEGAL_RE.sub(" ", text).split())
    return stripped or text


def max_edits(length: int) -> int:
    """Edits tolerated between two company names whose shorter compact form has `length` characters.

    One typo — a letter wrong, missing, extra, or two neighbours swapped (OSA distance) — and never two:
    two edits already turn «Стройресурс Казань» into «Стройресурс Рязань», a different firm.
    """
    return 0 if length < FUZZY_MIN_LEN else 1


def near_duplicate_names(keys: list[str]) -> list[tuple[int, int, float]]:
    """Pairs `(i, j, score)`, i < j, of distinct `company_key`s that are spelling variants of one name.

    Two keys are variants when their compact forms (spaces removed: «Строй-Ресурс» = «Стройресурс»,
    «Гранд Маркет» = «Грандмаркет») are equal, or one typo apart (`max_edits`) — and they carry the same
    numbers («Сигма-1» ≠ «Сигма-2»), neither is the other plus a word («Стройресурс-М» ≠ «Стройресурс»),
    and the typo is not in a short word («Стройресурс НН» ≠ «Стройресурс НК»). `score` is `fuzz.ratio`
    of the two keys (0–100), shown to the user; the decision is the edit count, not the score, because
    one typo costs a 9-letter name more ratio than a 20-letter one.

    Cost: only names sharing a one-letter deletion are compared (`_one_edit_pairs`), which loses no pair
    one edit apart.
    """
    compact = [k.replace(" ", "") for k in keys]
    pairs = _equal_compact_pairs(compact) | _close_compact_pairs(compact)
    return sorted(
        (i, j, float(round(fuzz.ratio(keys[i], keys[j]), 1)))
        for i, j in pairs
        if _same_numbers(keys[i], keys[j])
        and not _one_adds_a_word(keys[i], keys[j])
        and not _short_word_differs(keys[i], keys[j])
    )


#: short names (compact length SHORT_MIN_LEN to FUZZY_MIN_LEN − 1) one typo apart are only *candidates*
SHORT_MIN_LEN = 6


def short_near_duplicate_names(keys: list[str]) -> list[tuple[int, int, float]]:
    """Pairs `(i, j, score)` of `company_key`s one typo apart, the longer compact form 6 or more characters
    and the shorter under `FUZZY_MIN_LEN` («Хакезопу» / «Хакзопу», «Нумеино» / «Нумевино», «Ромашк» /
    «Ромашка»), under the same guards as `near_duplicate_names`.

    Too short to join on spelling alone («Партнер» / «Партнеры» are two firms): a caller joins such a pair
    only when something else in the rows agrees (duplicates.py), and otherwise reports it as a possible
    duplicate. Found as `near_duplicate_names` finds its pairs (`_one_edit_pairs`).
    """
    compact = [k.replace(" ", "") for k in keys]
    ids = [i for i, c in enumerate(compact) if SHORT_MIN_LEN - 1 <= len(c) <= FUZZY_MIN_LEN]
    pairs = _one_edit_pairs(ids, compact)
    return sorted(
        (i, j, float(round(fuzz.ratio(keys[i], keys[j]), 1)))
        for i, j in pairs
        if compact[i] != compact[j] and min(len(compact[i]), len(compact[j])) < FUZZY_MIN_LEN
        and max(len(compact[i]), len(compact[j])) >= SHORT_MIN_LEN
        and _same_numbers(keys[i], keys[j]) and not _one_adds_a_word(keys[i], keys[j])
        and not _short_word_differs(keys[i], keys[j])
    )  # fmt: skip


def _equal_compact_pairs(compact: list[str]) -> set[tuple[int, int]]:
    """Keys that differ only in spacing or hyphenation: each joined to the first of its compact group."""
    first: dict[str, int] = {}
    pairs = set()
    for i, c in enumerate(compact):
        j = first.setdefault(c, i)
        if j != i:
            pairs.add((j, i))
    return pairs


def _close_compact_pairs(compact: list[str]) -> set[tuple[int, int]]:
    """Pairs within `max_edits` among compact forms long enough to tolerate a typo."""
    ids = [i for i, c in enumerate(compact) if max_edits(len(c)) > 0]
    return _one_edit_pairs(ids, compact)


def _one_edit_pairs(ids: list[int], compact: list[str]) -> set[tuple[int, int]]:
    """Every pair (i, j), i < j, of `ids` whose compact forms are at most one edit apart (`OSA`: a letter
    wrong, missing, extra, or two neighbours swapped), equal forms included.

    How: two forms one edit apart share a form with one letter deleted (or one is the other with a letter
    deleted): a swap or a wrong letter deletes to the same form at its place, a missing letter leaves the
    shorter form itself. So each form and its one-letter deletions are hashed, the hashes sorted, and only
    the ids that share a hash are compared. Cost: the letters of the distinct names, and the pairs found;
    a group sharing a deletion holds at most (length × alphabet) forms, whatever the file. Memory: arrays
    of ~28 bytes a letter while they are sorted (47 MB at the 100,000 firms below).

    Why not blocks of a shared prefix or suffix (the earlier way): names share prefixes («Строй…», «Урал…»),
    so a block grew with the file and its comparisons with its square: the 2M-row benchmark's 100,000 firms
    took 4.8 s there, 0.95 s here (1M: 1.44 s, 0.43 s; the same pairs)."""
    forms = [compact[i] for i in ids]
    sizes = np.fromiter(map(len, forms), dtype=np.int64, count=len(forms)) + 1
    # hashed as they are made, into one array (lists of the hashes and ids were ~120 MB at 100,000 names)
    made = (hash(f[:k] + f[k + 1 :]) if k >= 0 else hash(f) for f in forms for k in range(-1, len(f)))
    hashes = np.fromiter(made, dtype=np.int64, count=int(sizes.sum()))
    order = np.argsort(hashes, kind="stable")
    keys = hashes[order]
    del hashes
    who = np.repeat(np.asarray(ids, dtype=np.int64 if len(compact) >= 1 << 31 else np.int32), sizes)[order]
    del order
    edges = np.diff(np.concatenate(([0], (keys[1:] == keys[:-1]).astype(np.int8), [0])))
    pairs: set[tuple[int, int]] = set()
    for start, end in zip(np.flatnonzero(edges == 1).tolist(), (np.flatnonzero(edges == -1) + 1).tolist(),
                          strict=True):  # fmt: skip
        members = sorted(set(who[start:end].tolist()))  # a form deletes to one text at two places: "аа"
        for x, a in enumerate(members):
            for b in members[x + 1 :]:  # a hash collision is only a comparison more: the distance decides
                if (a, b) not in pairs and OSA.distance(compact[a], compact[b], score_cutoff=1) <= 1:
                    pairs.add((a, b))
    return pairs


def _short_word_differs(a: str, b: str) -> bool:
    words_a, words_b = a.split(), b.split()
    if len(words_a) != len(words_b):
        return False
    return any(x != y and min(len(x), len(y)) < _SHORT_WORD for x, y in zip(words_a, words_b, strict=True))


def _same_numbers(a: str, b: str) -> bool:
    return _DIGITS.findall(a) == _DIGITS.findall(b)


def _one_adds_a_word(a: str, b: str) -> bool:
    """«Вектор» vs «Вектор М», «Строй-Ресурс» vs «Стройресурс-М»: one name is the other plus a word in
    front or behind (compared without spaces) — a sister firm, not a typo."""
    return _adds_word(a, b) or _adds_word(b, a)


def _adds_word(short: str, long: str) -> bool:
    words = long.split()
    if len(words) < 2:
        return False
    target = short.replace(" ", "")
    return "".join(words[1:]) == target or "".join(words[:-1]) == target
