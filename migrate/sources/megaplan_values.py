"""Megaplan API v3 values → the text a user sees: contactInfo items, linked names, money, dates, HTML.

Split from `megaplan.py` (which recognises a dump and lays out its columns) because these rules are the
value-level half: each takes one JSON value and returns display text, so they are tested one by one.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

PHONE, MOBILE, HOME, FAX = "Телефон", "Телефон (мобильный)", "Телефон (домашний)", "Факс"
EMAIL, EMAIL_PERSONAL = "E-mail", "E-mail (личный)"
SITE, ADDRESS = "Сайт", "Адрес"
MESSENGERS = {
    "skype": "Skype", "telegram": "Telegram", "whatsapp": "WhatsApp", "viber": "Viber",
    "instagram": "Instagram", "icq": "ICQ", "jabber": "Jabber", "max_messenger": "MAX",
}  # fmt: skip
_EXTENSION = re.compile(r"\b(?:доб(?:авочный)?|вн(?:утр(?:енний)?)?|ext)\.?\s*:?\s*(\d{1,6})\b", re.IGNORECASE)
_BREAK = re.compile(r"<\s*br\s*/?\s*>|<\s*/\s*(?:p|div|li|h\d)\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


# --- contactInfo ------------------------------------------------------------------------------------


def contact_columns(items: Iterable[Any]) -> dict[str, str]:
    """`contactInfo[]` (ContactInfo and Address items) → {column: ", "-joined values}, main items first."""
    found: dict[str, list[str]] = {}
    ordered = sorted((i for i in items if isinstance(i, Mapping)), key=lambda i: not i.get("isMain"))
    for item in ordered:
        column, value = _contact_item(item)
        if value:
            found.setdefault(column, []).append(value)
    return {c: ("; " if c == ADDRESS else ", ").join(v) for c, v in found.items()}


def _contact_item(item: Mapping[str, Any]) -> tuple[str, str]:
    if item.get("contentType") == "Address":
        return ADDRESS, _address(item)
    kind, comment = text(item.get("type")).lower(), text(item.get("comment")).casefold()
    value = contact_value(item)
    if kind == "phone":
        return _phone_column(comment), value
    if kind == "email":
        personal = any(k in comment for k in ("личн", "персон", "private", "personal", "home", "дом"))
        return (EMAIL_PERSONAL if personal else EMAIL), value
    if kind == "link":
        return SITE, value
    return MESSENGERS.get(kind, f"Контакт ({kind or 'без типа'})"), value


def _phone_column(comment: str) -> str:
    if any(k in comment for k in ("факс", "fax")):
        return FAX
    if any(k in comment for k in ("моб", "сот", "mob", "cell")):
        return MOBILE
    if any(k in comment for k in ("дом", "home")):
        return HOME
    return PHONE


def contact_value(item: Any) -> str:
    """A ContactInfo's value; a phone's extension written in its comment is appended (`… доб. 214`)."""
    if not isinstance(item, Mapping):
        return text(item)
    value = text(item.get("value")).strip()
    ext = _EXTENSION.search(text(item.get("comment")))
    if value and ext and text(item.get("type")).lower() == "phone" and not _EXTENSION.search(value):
        value += f" доб. {ext[1]}"
    return value


def _address(item: Mapping[str, Any]) -> str:
    if text(item.get("value")).strip():
        return text(item.get("value")).strip()
    parts = [name_of(item.get("city")), text(item.get("street")), text(item.get("house"))]
    return ", ".join(p for p in parts if p)


# --- values -----------------------------------------------------------------------------------------


def items_of(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list) else [value]


def name_of(ref: Any) -> str:
    """Display name of a linked object (employee, company, state, tag, ...)."""
    if not isinstance(ref, Mapping):
        return text(ref)
    if text(ref.get("name")).strip():
        return text(ref.get("name")).strip()
    parts = " ".join(p for p in (text(ref.get(k)).strip() for k in ("lastName", "firstName")) if p)
    if parts:
        return parts
    if ref.get("contentType") in ("DateTime", "DateOnly", "Money") or "value" in ref:
        return text(ref)
    if ref.get("id") is None:
        return ""
    return f"Сотрудник #{ref['id']}" if ref.get("contentType") == "Employee" else f"#{ref['id']}"


def names(value: Any) -> str:
    return ", ".join(n for n in map(name_of, items_of(value)) if n)


def text(value: Any) -> str:
    """Any JSON value as the text a user would read (see the module docstring, "Values")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Да" if value else "Нет"
    if isinstance(value, int | float):
        return number_text(value)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return ", ".join(t for t in map(text, value) if t)
    if isinstance(value, Mapping):
        kind = value.get("contentType")
        if kind == "DateOnly":
            return date_only(value)
        if kind == "Money":
            return " ".join(p for p in (amount(value), text(value.get("currency"))) if p)
        if kind == "DateTime" or ("value" in value and "name" not in value):
            return text(value.get("value"))
        return name_of(value)
    return str(value)


def number_text(value: Any) -> str:
    """A JSON number as plain decimal text: no exponent, no trailing zeros (`150000`, `99999.99`)."""
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    out = format(d, "f")
    return out.rstrip("0").rstrip(".") if "." in out else out


def amount(money: Any) -> str:
    """The amount of a Money object (or a bare number) as plain decimal text; "" when absent."""
    value = money.get("value") if isinstance(money, Mapping) else money
    if value is None or value == "":
        return ""
    return number_text(value) if isinstance(value, int | float | str) else text(value)


def date_only(value: Mapping[str, Any]) -> str:
    """DateOnly → `YYYY-MM-DD`, from `value` or from year/month/day (no year → `DD.MM`)."""
    if value.get("value"):
        return text(value["value"])
    y, m, d = (value.get(k) for k in ("year", "month", "day"))
    if not (m and d):
        return ""
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}" if y else f"{int(d):02d}.{int(m):02d}"


def description(r: Mapping[str, Any]) -> str:
    """The description as plain text: `textDescription` if given, else `description` with HTML removed."""
    plain = text(r.get("textDescription")).strip()
    return plain or html_text(text(r.get("description")))


def html_text(markup: str) -> str:
    """Rendered text of an HTML fragment: line breaks kept, tags dropped, entities unescaped."""
    if "<" not in markup and "&" not in markup:
        return markup.strip()
    body = html.unescape(_TAG.sub("", _BREAK.sub("\n", markup))).replace("\xa0", " ")
    lines = [line.strip() for line in body.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
