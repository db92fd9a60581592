"""Date and date-time parsing for the `date` / `datetime` transforms (see `migrate.quality.transforms.values`).

`parse_when(text, dayfirst)` reads one cell as the user typed it and returns `(date, time | None)`, or None
when the text is not a date or names an impossible one (31.02.2024). It never guesses between two valid
readings on its own: the rules below decide, and anything outside them fails so the caller can report it.

Rules a caller may rely on:

- Dotted numeric dates (`01.02.2024`) are always day-first: that is the importer's own `DD.MM.YYYY`, so
  our output always reads back as itself, whatever `dayfirst` says.
- `/` and `-` numeric dates (`01/02/2024`) follow `dayfirst`; if that reading is impossible (`02/13/2024`
  day-first) the value fails rather than silently swapping, since the rest of the column may be misread too.
- A year first (`2024-05-01`, `2024.05.01`, `2024/05/01`) is always year-month-day (ISO 8601).
- Two-digit years: `00`-`69` → 20YY, `70`-`99` → 19YY (the POSIX `%y` pivot).
- Years outside 1800-2199 fail: they are typos, not CRM data.
- Month names: Russian (any case or abbreviation: `1 мая 2024`, `01 января 2024 г.`, `3 сент. 2024`) and
  English (`May 1, 2024`, `1 May 2024`, `Jan 5th 2024`); the day and the year are both required.
- A time may follow the date (`10:30`, `10:30:15`, `10:30:15.123`, optional `AM`/`PM`), separated by a
  space, `T`, a comma or `в`. A UTC offset or `Z` after it is accepted and dropped: the wall-clock time is
  kept as written, because the importer has no time zone and converting would move the time the user saw.
  Seconds are parsed and kept in the returned `time`; the output format drops them.
- Excel serial numbers (`45413`, `45413.4375`, comma decimal too) between 20000 and 80000 (1954-2119) are
  read in the 1900 date system, which is what CSV exports of date cells contain.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

MIN_YEAR, MAX_YEAR = 1800, 2199
SERIAL_MIN, SERIAL_MAX = 20000, 80000
_EXCEL_EPOCH = datetime(1899, 12, 30)  # serial 1 = 1900-01-01 with Excel's phantom 29.02.1900

_TIME = (
    r"(?P<hh>\d{1,2}):(?P<mi>\d{2})(?::(?P<ss>\d{2})(?:[.,]\d+)?)?"
    r"(?:\s*(?P<ampm>[ap])\.?\s*m\.?)?"
    r"(?:\s*(?:z|utc|gmt|[+-]\d{2}(?::?\d{2})?))?"
)
_TAIL = rf"(?:(?:\s*,\s*|\s+в\s+|\s+|t)(?:{_TIME}))?"
_NUMERIC_DMY = re.compile(rf"(?P<a>\d{{1,2}})(?P<sep>[./-])(?P<b>\d{{1,2}})(?P=sep)(?P<y>\d{{4}}|\d{{2}}){_TAIL}")
_NUMERIC_YMD = re.compile(rf"(?P<y>\d{{4}})(?P<sep>[./-])(?P<m>\d{{1,2}})(?P=sep)(?P<d>\d{{1,2}}){_TAIL}")
_YEAR_WORD = r"(?:\s*(?:г\.?|года?))?"
_DAY_MONTH_YEAR = re.compile(
    rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\.?\s+(?P<mon>[^\W\d_]+)\.?,?\s+(?P<y>\d{{4}}){_YEAR_WORD},?{_TAIL}"
)
_MONTH_DAY_YEAR = re.compile(rf"(?P<mon>[^\W\d_]+)\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}}),?{_TAIL}")
_SERIAL = re.compile(r"(?P<int>\d{5})(?:[.,](?P<frac>\d+))?")

# Month stems, checked in order (so "мар" wins over "ма"); a name matches when it starts with the stem
# and is itself a prefix of one of the month's full spellings.
_MONTHS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (1, ("январь", "января", "january")),
    (2, ("февраль", "февраля", "february")),
    (3, ("март", "марта", "march")),
    (4, ("апрель", "апреля", "april")),
    (5, ("май", "мая", "may")),
    (6, ("июнь", "июня", "june")),
    (7, ("июль", "июля", "july")),
    (8, ("август", "августа", "august")),
    (9, ("сентябрь", "сентября", "september", "sept")),
    (10, ("октябрь", "октября", "october")),
    (11, ("ноябрь", "ноября", "november")),
    (12, ("декабрь", "декабря", "december")),
)


def parse_when(text: str, dayfirst: bool = True) -> tuple[date, time | None] | None:
    """Read `text` as a date with an optional time; None when it is not one (see the module rules)."""
    s = re.sub(r"\s+", " ", text).strip().lower()
    for reader in (_read_serial, _read_ymd, _read_named):
        found = reader(s)
        if found is not None:
            return found or None
    return _read_dmy(s, dayfirst) or None


# Each reader returns None when its pattern does not match, False when it matched but the value is
# impossible (so no other reader gets a second guess), or the parsed (date, time).
_Read = tuple[date, time | None] | None | bool


def _read_serial(s: str) -> _Read:
    m = _SERIAL.fullmatch(s)
    if not m or not SERIAL_MIN <= int(m["int"]) <= SERIAL_MAX:
        return None
    days = Decimal(f"{m['int']}.{m['frac'] or 0}")
    seconds = int((days * 86400).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    moment = _EXCEL_EPOCH + timedelta(seconds=seconds)
    has_time = moment.time() != time(0)
    return moment.date(), (moment.time() if has_time else None)


def _read_ymd(s: str) -> _Read:
    m = _NUMERIC_YMD.fullmatch(s)
    if not m:
        return None
    return _build(int(m["y"]), int(m["m"]), int(m["d"]), m)


def _read_dmy(s: str, dayfirst: bool) -> _Read:
    m = _NUMERIC_DMY.fullmatch(s)
    if not m:
        return None
    a, b = int(m["a"]), int(m["b"])
    day, month = (a, b) if dayfirst or m["sep"] == "." else (b, a)
    return _build(_full_year(m["y"]), month, day, m)


def _read_named(s: str) -> _Read:
    m = _DAY_MONTH_YEAR.fullmatch(s) or _MONTH_DAY_YEAR.fullmatch(s)
    if not m:
        return None
    month = month_number(m["mon"])
    if month is None:
        return False
    return _build(int(m["y"]), month, int(m["d"]), m)


def month_number(name: str) -> int | None:
    """1-12 for a Russian or English month name or abbreviation of at least three letters, else None."""
    name = name.lower().rstrip(".")
    if len(name) < 3:
        return None
    for number, spellings in _MONTHS:
        if any(full.startswith(name) for full in spellings):
            return number
    return None


def _full_year(y: str) -> int:
    if len(y) == 4:
        return int(y)
    return 2000 + int(y) if int(y) <= 69 else 1900 + int(y)


def _build(year: int, month: int, day: int, m: re.Match[str]) -> _Read:
    if not MIN_YEAR <= year <= MAX_YEAR:
        return False
    try:
        d = date(year, month, day)
    except ValueError:
        return False
    if m["hh"] is None:
        return d, None
    t = _time(m)
    return (d, t) if t is not None else False


def _time(m: re.Match[str]) -> time | None:
    hour, minute, second = int(m["hh"]), int(m["mi"]), int(m["ss"] or 0)
    if m["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if m["ampm"] == "p" else 0)
    try:
        return time(hour, minute, second)
    except ValueError:
        return None
