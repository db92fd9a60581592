"""Header folding: a profile key typed by a person matches the header a program wrote.

1C, Bitrix24 and Excel write headers with non-breaking spaces ('Эл.\\xa0почта'), narrow NBSP, tabs,
zero-width characters, doubled spaces, odd case, 'ё' for 'е' and Latin letters drawn like Cyrillic
ones ('Cумма' with a Latin C). A person types the key with a plain space. `fold_header` maps both to
one key; `resolve_headers` pairs each profile key with the file header it means — exact text first,
then the folded key — so a column is never reported missing for a difference nobody can see.

Unlike `quality.fuzzy.normalise` punctuation is kept: 'Телефон (2)' and 'Телефон 2' are different
columns. `visible` shows the invisible characters of a header in a message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

#: characters with no width that programs leave inside headers (ZWSP, ZWNJ, ZWJ, word joiner, BOM,
#: soft hyphen, left-to-right and right-to-left marks)
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f]")
#: every kind of blank, runs included: NBSP, narrow NBSP, figure space, tabs, line breaks, ideographic space
_BLANKS = re.compile(r"[\s\u00a0\u202f\u2007\u2000-\u200a\u3000]+")
# Latin letters drawn like Cyrillic ones; folded only inside words that also hold Cyrillic letters,
# so a Latin word ('Skype', 'E-mail') stays Latin and still matches itself.
_HOMOGLYPHS = str.maketrans(
    {"a": "а", "b": "в", "c": "с", "e": "е", "h": "н", "k": "к", "m": "м", "o": "о", "p": "р", "t": "т",
     "x": "х", "y": "у", "ё": "е"}
)  # fmt: skip
_CYRILLIC = re.compile(r"[а-яё]")
_WORD = re.compile(r"\w+")

_NAMES = {
    "\u00a0": "NBSP", "\u202f": "NNBSP", "\u2007": "FIGURE SPACE", "\t": "TAB", "\n": "LF", "\r": "CR",
    "\u200b": "ZWSP", "\u200c": "ZWNJ", "\u200d": "ZWJ", "\u2060": "WJ", "\ufeff": "BOM", "\u00ad": "SHY",
    "\u200e": "LRM", "\u200f": "RLM", "\u3000": "IDEOGRAPHIC SPACE",
}  # fmt: skip


def typed(header: str) -> str:
    """The header as a person would type it: blanks of any kind and run → one space, zero-width
    characters removed, ends stripped. Case and letters are kept (this is what `init` writes)."""
    return _BLANKS.sub(" ", _ZERO_WIDTH.sub("", header)).strip()


def fold_header(header: str) -> str:
    """Comparison key: `typed`, then casefolded, ё → е, Latin look-alikes → Cyrillic in Cyrillic words."""
    text = unicodedata.normalize("NFC", typed(header)).casefold()
    return _WORD.sub(lambda m: m.group().translate(_HOMOGLYPHS) if _CYRILLIC.search(m.group()) else
                     m.group().replace("ё", "е"), text)  # fmt: skip


def visible(header: str) -> str:
    """The header with its invisible or look-alike characters spelled out: 'Эл.<NBSP>почта', '<Latin C>умма'.
    A Latin letter is marked only inside a word that also holds Cyrillic ones ('Skype' stays as it is)."""
    def word(m: re.Match[str]) -> str:
        w = m.group()
        if not _CYRILLIC.search(w.lower()):
            return w
        return "".join(f"<Latin {ch}>" if ch.isascii() and ch.isalpha() else ch for ch in w)

    marked = _WORD.sub(word, header)
    return "".join(f"<{_NAMES[ch]}>" if ch in _NAMES else ch for ch in marked)


def resolve_headers(keys: Iterable[str], headers: Iterable[str]) -> dict[str, str]:
    """Each profile key → the file header it means: the same text, else the only header with the same
    folded key not already claimed by an exact match. Keys with no such header are left out."""
    headers = list(headers)
    exact = set(headers)
    keys = list(keys)
    claimed = {k for k in keys if k in exact}
    by_fold: dict[str, list[str]] = {}
    for h in headers:
        if h not in claimed:
            by_fold.setdefault(fold_header(h), []).append(h)
    found: dict[str, str] = {}
    for key in keys:
        if key in exact:
            found[key] = key
            continue
        candidates = [h for h in by_fold.get(fold_header(key), []) if h not in found.values()]
        if len(candidates) == 1:
            found[key] = candidates[0]
    return found
