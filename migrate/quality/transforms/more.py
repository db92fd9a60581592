"""More value transforms: checkboxes, URLs and people's names.

Same contract as `values.py` (pure `text, ctx -> Outcome`, registered by name, applied once per
distinct value). They exist because AmoCRM's importer coerces silently: a checkbox cell that is not
`Yes` is unchecked, a URL field keeps any text. We say so before the import instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .base import Outcome, TransformContext

# --- checkbox -----------------------------------------------------------------------------------------

_TRUE = {"да", "yes", "y", "true", "истина", "1", "+", "x", "х", "v", "✓", "✔", "on", "вкл", "д"}
_FALSE = {"нет", "no", "n", "false", "ложь", "0", "-", "—", "off", "выкл"}
#: what the importer reads as "checked" (amocrm.md §1.2: `Yes` = checked, empty = unchecked)
CHECKED = "Yes"


def transform_checkbox(text: str, ctx: TransformContext) -> Outcome:
    """Да/Нет, yes/no, 1/0, true/false, +/-, ✓ → "Yes" or "" (unchecked); anything else fails."""
    key = text.strip().casefold().rstrip(".")
    if not key or key in _FALSE:
        return Outcome("")
    if key in _TRUE:
        return Outcome(CHECKED)
    return Outcome(text, ok=False)


# --- url --------------------------------------------------------------------------------------------

_URL = re.compile(
    r"(?P<scheme>https?://)?(?P<host>(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59}))"
    r"(?P<port>:\d{1,5})?(?P<rest>[/?#]\S*)?",
    re.IGNORECASE,
)


def transform_url(text: str, ctx: TransformContext) -> Outcome:
    """A web address: scheme and host lower-cased, the rest kept; no scheme is invented. Text that is not
    a host name with a top-level domain (with an optional http(s) scheme, port and path) fails."""
    value = text.strip()
    m = _URL.fullmatch(value)
    if m is None:
        return Outcome(text, ok=False)
    scheme = (m["scheme"] or "").lower()
    return Outcome(f"{scheme}{m['host'].lower()}{m['port'] or ''}{m['rest'] or ''}")


# --- people's names ---------------------------------------------------------------------------------

_PATRONYMIC = re.compile(r"(?:вич|вна|ична|инична|оглы|кызы|улы)$", re.IGNORECASE)
_SURNAME = re.compile(
    r"(?:ов|ев|ёв|ин|ын|ова|ева|ёва|ина|ына|ский|цкий|ская|цкая|ко|ук|юк|ян|дзе|швили)$", re.IGNORECASE
)
_INITIALS = re.compile(r"^(?:[A-Za-zА-ЯЁа-яё]\.\s*){1,2}$")


def _cap(word: str) -> str:
    """Capitalise a word typed all in one case ("иванов", "ИВАНОВ" → "Иванов"); keep mixed case as typed."""
    if (word.islower() or word.isupper()) and not _INITIALS.match(word):
        return "-".join(part.capitalize() for part in word.split("-"))
    return word


def transform_name(text: str, ctx: TransformContext) -> Outcome:
    """A person's name: spaces collapsed, words typed in one case capitalised. Never fails."""
    return Outcome(" ".join(_cap(w) for w in text.split()))


@dataclass(frozen=True)
class PersonName:
    last: str = ""
    first: str = ""
    middle: str = ""

    @property
    def full(self) -> str:
        """Russian order, as people write it in a CRM: Фамилия Имя Отчество."""
        return " ".join(p for p in (self.last, self.first, self.middle) if p)


def split_person_name(text: str) -> PersonName:
    """Split a full name into last/first/middle, reading Russian order first.

    A patronymic (-вич, -вна, -ична, оглы, кызы) fixes the order: "Иванов Иван Иванович" and
    "Иван Иванович Иванов" both give last=Иванов. With two words, the one with a surname ending
    (-ов, -ева, -ский, …) is the surname; with none, the Russian order (surname first) is assumed.
    Initials ("Абрамова М.П.") stay with the first name.
    """
    words = [_cap(w) for w in text.split()]
    if not words:
        return PersonName()
    initials = [w for w in words if _INITIALS.match(w)]
    words = [w for w in words if not _INITIALS.match(w)]
    if len(words) == 3 and _PATRONYMIC.search(words[2]):
        return PersonName(words[0], words[1], words[2])
    if len(words) == 3 and _PATRONYMIC.search(words[1]):
        return PersonName(words[2], words[0], words[1])
    if len(words) == 2 and not initials:
        first_is_surname = bool(_SURNAME.search(words[0])) or not _SURNAME.search(words[1])
        last, first = (words[0], words[1]) if first_is_surname else (words[1], words[0])
        return PersonName(last, first)
    if len(words) == 1:
        return PersonName(words[0], " ".join(initials)) if initials else PersonName("", words[0])
    return PersonName(words[0], " ".join(words[1:] + initials))
