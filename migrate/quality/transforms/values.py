"""The core value transforms (text, number, phone, e-mail, html, date): cell text in, canonical text out.

Every source cell is a `str` exactly as the user typed it. A transform turns it into the text the AmoCRM
importer wants (amocrm.md §1.2) or reports that it cannot: then `Outcome.value` is the original text,
unchanged, and `ok` is False so the caller can raise BAD_<kind>. Transforms are pure and deterministic, which
is what lets `apply_transform` run each one once per distinct value of a column and broadcast the result.

What a caller may rely on, per transform (`TRANSFORMS` holds them by name):

- `text`: every run of Unicode whitespace (NBSP, narrow NBSP, tabs, line breaks, ...) becomes one space,
  zero-width characters (ZWSP, ZWNJ, ZWJ, word joiner, BOM) are removed, the ends are stripped; nothing
  else changes (no case change). Never fails.
- `number`: decimal text with `.` as the separator, no grouping, no exponent, no trailing zeros
  (`1500000`, `0.5`, `-12`). With `ctx.integer`, rounded half away from zero (commercial rounding:
  2.5 → 3, -2.5 → -3) and `rounded=True` when a non-zero fraction was dropped. Digits are kept exactly
  (`decimal.Decimal`, never float). Separator rules: see `_split_number`.
- `phone`: E.164 (`+79161234567`); an extension is written after it as ` доб. 123`, because the importer
  stores the phone as text and ` доб. ` is how Russian users read it (and it parses back to itself). A
  number must pass `phonenumbers.is_valid_number` (not just the length check of `is_possible_number`):
  a placeholder like `8 (000) 000-00-00` is better reported than imported. Several numbers in one cell
  (split on `,` `;` `/` newline, ` или `, ` и `) → the first is `value`, the rest `extras`; one bad part
  fails the whole cell, so nothing is dropped silently.
- `email`: `mailto:` removed, domain lower-cased (local part kept as typed), syntax checked (see
  `_EMAIL`); internationalised addresses (`иван@почта.рф`) pass. Several addresses (split on `,` `;`
  whitespace) → first in `value`, the rest in `extras`; one bad part fails the cell.
- `html`: rich text as CRMs store comments (Bitrix24 COMMENTS: HTML or BB-code, sometimes HTML-escaped)
  → plain text: entities unescaped; `<br>`, `[br]` and the ends of paragraphs/list items become line
  breaks (with the newline right after one: nl2br's `<br />\n` is one break); other known HTML/BB tags
  are removed (`<ivan@example.ru>` is not a tag and stays); spaces collapsed per line, at most one empty
  line in a row. Never fails; a fixed point unless the input was escaped twice (`&amp;lt;`).
- `date` / `datetime`: parsing rules in `migrate.quality.transforms.dates`. `date` writes `DD.MM.YYYY` (the time,
  if any, is dropped) unless `ctx.with_time`; `datetime` always writes `DD.MM.YYYY HH:MM` (00:00 when the
  text had no time). Seconds are dropped, a UTC offset is ignored (wall-clock time kept as written).

Every successful `value` is a fixed point: running the same transform on it returns it unchanged.
"""

from __future__ import annotations

import html
import re
from datetime import date, time
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import cache

import phonenumbers

from .base import ZERO_WIDTH, Outcome, TransformContext, clean_lines, clean_spaces, fail
from .dates import parse_when
from .phone_validity import is_valid


def transform_text(text: str, ctx: TransformContext) -> Outcome:
    """Whitespace normalised, nothing else touched; line breaks kept when `ctx.multiline` (notes and text
    fields), folded into spaces otherwise (names and other one-line fields). Never fails."""
    return Outcome(clean_lines(text) if ctx.multiline else clean_spaces(text))


# --- number -----------------------------------------------------------------------------------------

_CURRENCY = r"(?:[₽$€£¥₸₴]|руб(?:\.|лей|ля|ль)?|р\.?|rub|rur|usd|eur|долл?\.?|евро)"
_NUMBER = re.compile(
    rf"(?:{_CURRENCY}\s?)?(?P<sign>[-+−]?)\s?(?:{_CURRENCY}\s?)?"
    r"(?P<body>[\d.,' ]*\d)"
    rf"(?:\s?(?:%|{_CURRENCY}))?",
    re.IGNORECASE,
)
_GROUPED = re.compile(r"\d{1,3}(?:(?P<sep>[ .,'])\d{3})(?:(?P=sep)\d{3})*")


def _split_number(body: str) -> tuple[str, str] | None:
    """Split a number body into (integer digits, fraction digits), or None when it is malformed.

    Rules, in order (spaces and apostrophes are only ever grouping):
    1. both `.` and `,` present → the last one is the decimal separator and must occur once;
    2. one of them occurring more than once → it groups thousands (`1.500.000`);
    3. one of them occurring once → it is the decimal separator (`1,5`, `1500000.5`); so `1,500` is 1.5,
       the Russian reading, and our own output `12.345` reads back as itself;
    4. grouping must be regular: 1-3 leading digits, then groups of exactly 3, one grouping character.
    """
    if body[0] in ".,":
        body = "0" + body
    marks = [c for c in body if c in ".,"]
    decimal_mark = None
    if "." in marks and "," in marks:
        decimal_mark = marks[-1]
        if marks.count(decimal_mark) != 1:
            return None
    elif len(marks) == 1:
        decimal_mark = marks[0]
    whole, frac = body.rsplit(decimal_mark, 1) if decimal_mark else (body, "")
    if frac and not frac.isdigit():
        return None
    if whole.isdigit():
        return whole, frac
    return (whole.translate(str.maketrans("", "", " .,'")), frac) if _GROUPED.fullmatch(whole) else None


def _decimal_text(d: Decimal) -> str:
    """Plain decimal text of `d`: no exponent, no trailing fractional zeros, no negative zero."""
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def transform_number(text: str, ctx: TransformContext) -> Outcome:
    """Money/amount/percent text → canonical decimal text; see the module docstring and `_split_number`."""
    m = _NUMBER.fullmatch(clean_spaces(text))
    parts = _split_number(m["body"]) if m else None
    if m is None or parts is None:
        return fail(text)
    whole, frac = parts
    sign = "-" if m["sign"] in ("-", "−") else ""
    value = Decimal(f"{sign}{whole}.{frac or '0'}")
    if not ctx.integer:
        return Outcome(_decimal_text(value))
    with localcontext() as dc:
        dc.prec = len(whole) + len(frac) + 2
        whole_value = value.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return Outcome(_decimal_text(whole_value), rounded=whole_value != value)


# --- phone ------------------------------------------------------------------------------------------

# Every pattern applied to cell text is linear: no two adjacent quantifiers can share a character (a run of
# 100,000 spaces once took minutes in `\s*(?:…)\s*`); the parts are stripped after the split instead.
_PHONE_SPLIT = re.compile(r"[,;/\r\n]|\s(?:или|и)\s", re.IGNORECASE)
_EXT_WORD = r"(?:доб(?:авочный)?|вн(?:утр(?:енний)?)?|ext(?:ension)?|x|#)\.?\s*+(?::\s*+)?(?P<ext>\d{1,6})\s*+$"
_EXTENSION = re.compile(r"(?<![\s,])[\s,]*+" + _EXT_WORD, re.IGNORECASE)
_EXT_ONLY = re.compile(r"\s*+" + _EXT_WORD, re.IGNORECASE)
_E164 = phonenumbers.PhoneNumberFormat.E164


_PLAIN_PHONE = re.compile(r"\+?[\d\s\-().]{7,24}")
_NOT_DIGIT = re.compile(r"\D")
#: one number with plain punctuation, spaced as clean_spaces leaves it: transform_phone's quick path
_TIDY_PHONE = re.compile(r"\+?[\d\-().]+(?: [\d\-().]+)*")


@cache
def _region_shape(region: str) -> tuple[str, str] | None:
    """(country code, national prefix) of a region whose numbers `_fast_phone` may read, else None."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta is None or meta.national_prefix_transform_rule:
        return None
    if (meta.national_prefix_for_parsing or "") != (meta.national_prefix or ""):
        return None
    return str(meta.country_code), meta.national_prefix or ""


def _fast_phone(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    """`_fast_national` as a PhoneNumber."""
    found = _fast_national(text, region)
    return None if found is None else phonenumbers.PhoneNumber(country_code=found[0], national_number=int(found[1]))


def _fast_national(text: str, region: str) -> tuple[int, str] | None:
    """(country code, national number) of the common shapes, read without `phonenumbers.parse` (its
    ~40 µs a number dominate an export):
    `+<region code>…`, `<national prefix>…` and bare national digits, each accepted only when
    `is_valid_number` says so (asked once per leading-digit prefix: `phone_validity.is_valid`); anything
    else returns None and goes the full way (`_parse_phone`).
    Each accepted shape is one `parse` reads the same way (tests compare the two on generated numbers).
    """
    shape = _region_shape(region)
    if shape is None or not _PLAIN_PHONE.fullmatch(text):
        return None
    digits = _NOT_DIGIT.sub("", text)  # \d and isdigit() agree on the characters _PLAIN_PHONE lets through
    cc, prefix = shape
    if text.lstrip().startswith("+"):
        tries = [digits[len(cc) :]] if digits.startswith(cc) else []
    elif prefix and digits.startswith(prefix):
        tries = [digits[len(prefix) :]]
    else:
        tries = [digits] + ([digits[len(cc) :]] if digits.startswith(cc) else [])
    for national in tries:
        if not national or national[0] == "0" or (prefix and national.startswith(prefix) and national != digits):
            continue
        if is_valid(int(cc), national):
            return int(cc), str(int(national))
    return None


def _parse_phone(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    """A valid number from `text`: read in the default region first, then as international.

    The second reading is tried only for `00…` and for bare digits (spaces/dashes allowed) that do not
    start with the region's national prefix: `380441234567` → +380…, but an invalid `8 (000) 000-00-00`
    must not turn into a valid +800 freephone number.
    """
    fast = _fast_phone(text, region)
    if fast is not None:
        return fast
    candidates = [text]
    digits = re.sub(r"[\s\-.]", "", text)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    national_prefix = (metadata.national_prefix if metadata else None) or "\0"
    if digits.startswith("00") and digits[2:].isdigit():
        candidates.append("+" + digits[2:])
    elif digits.isdigit() and not digits.startswith(national_prefix):
        candidates.append("+" + digits)
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if _valid(number):
            return number
    return None


def _valid(number: phonenumbers.PhoneNumber) -> bool:
    if number.italian_leading_zero or number.country_code is None:
        return phonenumbers.is_valid_number(number)
    return is_valid(number.country_code, str(number.national_number))


def _one_phone(part: str, region: str) -> str | None:
    """One number (with an optional extension) → `+E164` or `+E164 доб. N`; None when invalid."""
    ext_match = _EXTENSION.search(part)
    ext = ext_match["ext"] if ext_match else ""
    number = _parse_phone(part[: ext_match.start()] if ext_match else part, region)
    if number is None:
        return None
    ext = ext or (number.extension or "")
    e164 = phonenumbers.format_number(number, _E164) if number.italian_leading_zero else (
        f"+{number.country_code}{number.national_number}"  # what format_number(E164) writes, without its cost
    )
    return f"{e164} доб. {ext}" if ext else e164


def _phone_parts(text: str) -> list[str]:
    """Split a cell into one text per number; a bare extension part (`…, доб. 12`) joins its predecessor."""
    parts: list[str] = []
    for part in map(clean_spaces, _PHONE_SPLIT.split(text)):
        if parts and _EXT_ONLY.match(part):
            parts[-1] = f"{parts[-1]} {part}"
        elif part:
            parts.append(part)
    return parts


def transform_phone(text: str, ctx: TransformContext) -> Outcome:
    """One or more phone numbers → E.164 (`value` + `extras`); any invalid part fails the cell."""
    if _TIDY_PHONE.fullmatch(text):
        # One number, no extension, spaced as clean_spaces leaves it: the split and the extension
        # search below would hand exactly `text` to _one_phone, and its fast reading decides it.
        quick = _fast_national(text, ctx.region)
        if quick is not None:
            return Outcome(f"+{quick[0]}{quick[1]}")
    normalised = [_one_phone(p, ctx.region) for p in _phone_parts(text)]
    if not normalised or any(n is None for n in normalised):
        return fail(text)
    first, *rest = (n for n in normalised if n is not None)
    return Outcome(first, extras=tuple(rest))


# --- email ------------------------------------------------------------------------------------------

_LOCAL_ATOM = r"[\w!#$%&'*+/=?^`{|}~-]+"
_LABEL = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
_TLD = r"(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})"
_EMAIL = re.compile(rf"(?P<local>{_LOCAL_ATOM}(?:\.{_LOCAL_ATOM})*)@(?P<domain>(?:{_LABEL}\.)+{_TLD})", re.IGNORECASE)
_EMAIL_SPLIT = re.compile(r"[,;\s]+")
_MAILTO = re.compile(r"^mailto:", re.IGNORECASE)


def _one_email(part: str) -> str | None:
    """`local@domain` with the domain lower-cased, or None when the syntax is wrong."""
    part = _MAILTO.sub("", part).split("?", 1)[0]
    m = _EMAIL.fullmatch(part)
    if m is None or len(m["local"]) > 64 or len(part) > 254:
        return None
    domain = m["domain"].lower()
    return f"{m['local']}@{domain}" if _EMAIL.fullmatch(f"{m['local']}@{domain}") else None


def transform_email(text: str, ctx: TransformContext) -> Outcome:
    """One or more e-mail addresses → `value` + `extras`; any invalid part fails the cell."""
    if "?" not in text and (m := _EMAIL.fullmatch(text)) is not None:
        # The common cell, one address already in canonical form, decided by one match: the pattern
        # admits no separator, space, zero-width character or "mailto:", so the split below would hand
        # `text` itself to _one_email, which returns it unchanged when the domain is lower case.
        domain = m["domain"]
        if len(m["local"]) <= 64 and len(text) <= 254 and domain == domain.lower():
            return Outcome(text)
    return email_full_path(text)


def email_full_path(text: str) -> Outcome:
    """`transform_email` without its one-match shortcut: split, clean and check every address."""
    parts = [p for p in _EMAIL_SPLIT.split(ZERO_WIDTH.sub("", text)) if p]
    normalised = [_one_email(p) for p in parts]
    if not normalised or any(n is None for n in normalised):
        return fail(text)
    first, *rest = (n for n in normalised if n is not None)
    return Outcome(first, extras=tuple(rest))


# --- html (rich-text comments) ----------------------------------------------------------------------

# only known tag names: "<ivan@example.ru>" or "<Ромашка>" in a comment is text, not markup
_HTML_TAGS = (
    r"a|b|big|blockquote|center|code|del|div|em|font|h[1-6]|hr|i|img|ins|li|ol|p|pre|s|small|span|strike"
    r"|strong|sub|sup|table|tbody|td|th|thead|tr|u|ul"
)
_BB_TAGS = r"b|i|u|s|p|url|color|size|font|quote|code|list|left|center|right|justify|img|user|table|tr|td"
# a break tag and the newline right after it are one break: PHP's nl2br writes "<br />\n"
_RICH_BREAK = re.compile(r"(?:<br\s*/?>|</(?:p|div|li|tr|h[1-6])\s*>|\[br\]|\[\*\]|\[/p\])[^\S\n]*\n?", re.IGNORECASE)
_RICH_TAG = re.compile(rf"</?(?:{_HTML_TAGS})(?:\s[^<>]*)?/?>|\[/?(?:{_BB_TAGS})(?:=[^\[\]]*)?\]", re.IGNORECASE)
_LINE_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def transform_html(text: str, ctx: TransformContext) -> Outcome:
    """HTML/BB-code rich text → plain text with its line breaks kept. Never fails."""
    plain = html.unescape(ZERO_WIDTH.sub("", text).replace("\r\n", "\n").replace("\r", "\n"))
    plain = _RICH_TAG.sub("", _RICH_BREAK.sub("\n", plain))
    lines = (_LINE_SPACES.sub(" ", line).strip() for line in plain.split("\n"))
    return Outcome(_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip())


# --- date / datetime --------------------------------------------------------------------------------


def _format_when(d: date, t: time | None, with_time: bool) -> str:
    if not with_time:
        return d.strftime("%d.%m.%Y")
    return f"{d:%d.%m.%Y} {(t or time(0)):%H:%M}"


def transform_date(text: str, ctx: TransformContext) -> Outcome:
    """A date → `DD.MM.YYYY` (or `DD.MM.YYYY HH:MM` with `ctx.with_time`); impossible dates fail."""
    found = parse_when(text, ctx.dayfirst)
    return fail(text) if found is None else Outcome(_format_when(*found, with_time=ctx.with_time))


def transform_datetime(text: str, ctx: TransformContext) -> Outcome:
    """A date with optional time → `DD.MM.YYYY HH:MM` (00:00 when no time was given)."""
    found = parse_when(text, ctx.dayfirst)
    return fail(text) if found is None else Outcome(_format_when(*found, with_time=True))
