"""Bitrix24 exports → SourceTable: the "Excel" export (an HTML table saved as .xls) and REST JSON dumps.

Why a module of its own: Bitrix24 writes neither format the way a generic reader expects (shared/sources.md
§1-§2). Its "Excel" file is an HTML fragment (`<meta …charset…>` + `<table>`) that spreadsheet libraries
refuse, with HTML-escaped values, and UTF-8 with a BOM on cloud portals or windows-1251 on old self-hosted
ones. Its REST dumps (`crm.deal/contact/company/lead.list`) hold phones and e-mails as arrays of typed
values, which must become one column per type — named exactly as the UI export names them, so the
same captions (and the same profile lines) serve both. The UI CSV export needs nothing special: the
generic CSV reader handles its `;`, full quoting, trailing `;` and quoted line breaks.

Naming decision for REST dumps: scalar fields keep their REST names (TITLE, STAGE_ID, ASSIGNED_BY_ID, ...),
because their values are codes and IDs, not the captions the UI export shows under its Russian headers
(STAGE_ID "WON", not "Сделка успешна"); calling them "Стадия сделки" would mislead. The built-in
`bitrix24-*-rest` profiles map those names. Multi-fields are flattened to the UI captions.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from ..core.issues import SourceError
from ..core.table import SourceTable
from .csvfile import decode
from .header import frame_from_grid, gc_paused
from .records import load_json, records_table

__all__ = [
    "MULTI_FIELD_CAPTIONS",
    "guess_entity",
    "looks_like_rest",
    "read_bitrix24_html",
    "read_rest",
    "rest_records",
]

#: REST multi-field TYPE_ID → VALUE_TYPE → the column caption of the UI export (CORE crm_field_multi lang
#: file, shared/sources.md §1.5), in the order Bitrix24 lists them.
MULTI_FIELD_CAPTIONS: dict[str, dict[str, str]] = {
    "PHONE": {
        "WORK": "Рабочий телефон", "MOBILE": "Мобильный телефон", "FAX": "Номер факса",
        "HOME": "Домашний телефон", "PAGER": "Номер пейджера", "MAILING": "Телефон для рассылок",
        "OTHER": "Другой телефон",
    },
    "EMAIL": {
        "WORK": "Рабочий e-mail", "HOME": "Частный e-mail", "MAILING": "E-mail для рассылок",
        "OTHER": "Другой e-mail",
    },
    "WEB": {
        "WORK": "Корпоративный сайт", "HOME": "Личная страница", "FACEBOOK": "Страница Facebook",
        "VK": "Страница ВКонтакте", "LIVEJOURNAL": "Страница LiveJournal", "TWITTER": "Микроблог Twitter",
        "OTHER": "Другой сайт",
    },
    "IM": {
        "FACEBOOK": "Контакт Facebook", "TELEGRAM": "Контакт Telegram", "VK": "Контакт ВКонтакте",
        "SKYPE": "Контакт Skype", "VIBER": "Контакт Viber", "INSTAGRAM": "Комментарии Instagram",
        "BITRIX24": "Контакт Битрикс24.Network", "OPENLINE": "Онлайн-чат", "IMOL": "Контакт Открытая линия",
        "ICQ": "Контакт ICQ", "MSN": "Контакт MSN/Live!", "JABBER": "Контакт Jabber", "OTHER": "Другой контакт",
    },
}  # fmt: skip

#: Bitrix24's own default VALUE_TYPE when an item has none (CCrmFieldMulti::GetDefaultValueType).
_DEFAULT_VALUE_TYPE = {"PHONE": "WORK", "EMAIL": "WORK", "WEB": "WORK", "IM": "OTHER"}

#: Headers only one entity's UI export has, checked in this order (a lead also has «Название компании»,
#: a deal also has «Контакт»).
_UI_ENTITY_HEADERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("lead", frozenset({"Название лида", "Повторный лид"})),
    ("deal", frozenset({"Название сделки", "Стадия сделки"})),
    ("company", frozenset({"Название компании", "Тип компании", "Сфера деятельности"})),
    ("contact", frozenset({"Тип контакта", "Контакт"})),
)
#: REST fields only one entity has, same idea.
_REST_ENTITY_FIELDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("comment", frozenset({"COMMENT", "ENTITY_TYPE"})),  # crm.timeline.comment.list
    ("task", frozenset({"RESPONSIBLE_ID", "DEADLINE", "UF_CRM_TASK"})),  # task.item.list / tasks.task.list
    ("deal", frozenset({"STAGE_ID", "CATEGORY_ID", "CLOSEDATE"})),
    ("lead", frozenset({"STATUS_ID", "STATUS_DESCRIPTION"})),
    ("company", frozenset({"COMPANY_TYPE", "INDUSTRY", "REVENUE", "EMPLOYEES", "IS_MY_COMPANY"})),
    ("contact", frozenset({"LAST_NAME", "SECOND_NAME", "BIRTHDATE", "POST", "NAME"})),
)
#: A record must have ID and one of these to be taken for a Bitrix24 CRM record.
_REST_MARKERS = frozenset(
    {"TITLE", "NAME", "LAST_NAME", "STAGE_ID", "STATUS_ID", "ASSIGNED_BY_ID", "DATE_CREATE", "COMMENT",
     "RESPONSIBLE_ID"}
)


# --- the "Excel" export: an HTML table --------------------------------------------------------------

_META_CHARSET = re.compile(rb"<meta[^>]*charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]+)", re.IGNORECASE)
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_BITRIX_SIGNATURE = re.compile(r'^\s*<meta http-equiv="Content-type" content="text/html;charset=[^"]*" />\s*<table')


def read_bitrix24_html(path: str | Path, *, header_row: int | None = None, encoding: str | None = None) -> SourceTable:
    """Read Bitrix24's "Excel" export (an HTML table, whatever the extension) into a `SourceTable`.

    Row numbers are table rows (`<tr>`, the header row = 1). Cell text is what Excel would show: entities
    unescaped (`&quot;` → `"`), `<br>` a line break, the text of any other tag inside a cell kept (comments
    are written as raw HTML). `encoding` overrides detection (see `_decode_html`). Raises `SourceError`
    when the page holds no table rows or no header.
    """
    path = Path(path)
    where = f"'{path}'"
    text, used = _decode_html(path.read_bytes(), encoding, where)
    with gc_paused():
        rows = parse_html_rows(text)
        if not rows:
            raise SourceError(
                f"{where} is an HTML page without a table (no <tr> rows); there is nothing to import. "
                "Bitrix24 writes a message instead of a table when the exported list is empty."
            )
        grid = frame_from_grid(rows, where=where, header_row=header_row)
    entity = guess_entity(grid.frame.columns)
    bitrix = entity is not None or bool(_BITRIX_SIGNATURE.match(text.lstrip("\ufeff")))
    return SourceTable(
        frame=grid.frame, path=path, kind="bitrix24-html", header_row=grid.header_row, encoding=used,
        empty_rows=grid.empty_rows, original_headers=grid.original_headers, issues=grid.issues,
        system="bitrix24" if bitrix else None, entity_hint=entity,
    )  # fmt: skip


def _decode_html(data: bytes, encoding: str | None, where: str) -> tuple[str, str]:
    """Bytes → text: explicit encoding > BOM > valid UTF-8 > the page's `<meta charset>` > guess.

    Valid UTF-8 wins over the meta tag because a portal's declared charset is sometimes wrong, while
    non-ASCII bytes that happen to be valid UTF-8 practically never are anything else. The meta tag
    settles what the bytes are when they are not UTF-8 (windows-1251 vs. another Cyrillic code page).
    """
    if encoding or data.startswith(_BOMS) or _is_utf8(data):
        return decode(data, encoding=encoding, where=where)
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        try:
            return decode(data, encoding=declared.group(1).decode("ascii"), where=where)
        except SourceError:
            pass  # a wrong or unknown declaration: fall back to guessing from the bytes
    return decode(data, where=where)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class _TableRows(HTMLParser):
    """Collects the text of every `<th>`/`<td>` per `<tr>`; `<br>` and block ends become line breaks.

    Text outside cells (the meta tag, indentation between tags) is ignored; HTML comments are not shown
    by Excel and are dropped too. Unclosed cells and rows are closed by the next one, like a browser does.
    """

    _BREAKS = frozenset({"p", "div", "li"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._end_row()
            self._row = []
        elif tag in ("td", "th"):
            self._end_cell()
            if self._row is None:
                self._row = []
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._end_cell()
        elif tag in ("tr", "table", "thead", "tbody"):
            self._end_row()
        elif tag in self._BREAKS and self._cell:
            self._cell.append("\n")

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def close(self) -> None:
        super().close()
        self._end_row()

    def _end_cell(self) -> None:
        if self._cell is not None and self._row is not None:
            self._row.append(_cell_text("".join(self._cell)))
        self._cell = None

    def _end_row(self) -> None:
        self._end_cell()
        if self._row is not None:
            self.rows.append(self._row)
        self._row = None


def _cell_text(raw: str) -> str:
    """A cell's text as shown: line ends unified, surrounding whitespace (the page's indentation) gone."""
    return raw.replace("\r\n", "\n").replace("\r", "\n").strip()


_FEED = 1 << 20


def parse_html_rows(text: str) -> list[list[str]]:
    """Every table row of an HTML page as a list of cell texts (row i of the list = physical row i + 1)."""
    parser = _TableRows()
    # fed in slices: the parser then keeps only an unfinished tag between feeds, never the page twice
    for lo in range(0, len(text), _FEED):
        parser.feed(text[lo : lo + _FEED])
    parser.close()
    return parser.rows


def guess_entity(headers: Iterable[str]) -> str | None:
    """The entity of a Bitrix24 UI export ("deal", "contact", "company", "lead") by its headers, else None.

    Works for the CSV export too (the headers are the same).
    """
    names = {str(h).strip() for h in headers}
    return next((entity for entity, marks in _UI_ENTITY_HEADERS if names & marks), None)


# --- REST dumps --------------------------------------------------------------------------------------


def rest_records(data: Any) -> list[Any] | None:
    """The records of a crm.*.list dump, pages concatenated in order; None when it is not that shape.

    Accepted: a list of records; one page `{"result": [...], "next": 50, "total": N}`; a list of pages.
    """
    if isinstance(data, Mapping):
        return list(data["result"]) if isinstance(data.get("result"), list) else None
    if not isinstance(data, list):
        return None
    if data and all(isinstance(p, Mapping) and isinstance(p.get("result"), list) for p in data):
        return [record for page in data for record in page["result"]]
    return data


def looks_like_rest(data: Any) -> bool:
    """True for a Bitrix24 REST list dump (or a saved REST error response, so its message can be shown).

    Records must be objects with upper-case REST field names: ID plus a field every CRM entity has
    (TITLE, NAME, ASSIGNED_BY_ID, ...). An empty page counts when it carries REST's `total`.
    """
    if _rest_error(data):
        return True
    records = rest_records(data)
    if records is None or not all(isinstance(r, Mapping) for r in records):
        return False
    if not records:
        return isinstance(data, Mapping) and "total" in data
    return any("ID" in r and _REST_MARKERS & r.keys() for r in records) and all(
        str(k) == str(k).upper() for r in records[:10] for k in r
    )


def read_rest(data: Any, path: Path) -> SourceTable:
    """Flatten a crm.deal/contact/company/lead.list dump into a `SourceTable` (kind "bitrix24-rest").

    Row n is record n across all pages (the first record is row 1). Scalars keep their REST names; PHONE,
    EMAIL, WEB and IM become one column per value type under the UI export's caption (every caption is
    present once the dump holds any multi-field, so a profile finds its columns even when no record has,
    say, a fax — see `_add_all_captions`), several values of one type joined with ", ". Numbers keep
    their JSON text.
    """
    error = _rest_error(data)
    if error:
        raise SourceError(f"'{path}' is a saved Bitrix24 REST error response, not data: {error}.")
    records = rest_records(data) or []
    if any(_has_float(r) for r in records):
        records = rest_records(load_json(path, exact_numbers=True)) or []
    flat = [flatten_record(r) for r in records]
    keys = {k for r in records for k in r}
    if keys & MULTI_FIELD_CAPTIONS.keys():
        _add_all_captions(flat)
    entity = next((e for e, marks in _REST_ENTITY_FIELDS if keys & marks), None)
    return records_table(flat, path, kind="bitrix24-rest", system="bitrix24", entity_hint=entity)


def _add_all_captions(flat: list[dict[str, str]]) -> None:
    """Give every record every multi-field caption once the dump holds any multi-field.

    Bitrix24 leaves PHONE/EMAIL/WEB/IM out of a record that has no such values, so a dump where nobody has
    a messenger would otherwise lack the messenger columns, and a profile mapping them would report them
    missing. A dump with no multi-field at all was made without selecting them: that stays visible.
    """
    captions = [c for by_type in MULTI_FIELD_CAPTIONS.values() for c in by_type.values()]
    for record in flat:
        for caption in captions:
            record.setdefault(caption, "")


def _rest_error(data: Any) -> str | None:
    if isinstance(data, Mapping) and "error" in data and "result" not in data:
        return str(data.get("error_description") or data.get("error") or "unknown error")
    return None


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, Mapping):
        return any(_has_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_float(v) for v in value)
    return False


def flatten_record(record: Mapping[str, Any]) -> dict[str, str]:
    """One REST record as text columns; multi-fields spread over their typed columns (see `read_rest`)."""
    out: dict[str, str] = {}
    for key, value in record.items():
        if key in MULTI_FIELD_CAPTIONS and (value is None or isinstance(value, list)):
            out.update(multi_field_columns(key, value or []))
        else:
            out[str(key)] = value_text(value)
    return out


def multi_field_columns(type_id: str, items: Sequence[Any]) -> dict[str, str]:
    """`[{"VALUE_TYPE": "MOBILE", "VALUE": "+7..."}, ...]` → {"Мобильный телефон": "+7..., +7...", ...}.

    Every known caption of the type is present ("" when empty). A value type Bitrix24 does not document
    gets the column "PHONE SIP"-style rather than being lost; an item without a type gets Bitrix24's default.
    """
    captions = MULTI_FIELD_CAPTIONS[type_id]
    cells: dict[str, list[str]] = {caption: [] for caption in captions.values()}
    for item in items:
        raw_type = item.get("VALUE_TYPE") if isinstance(item, Mapping) else None
        value_type = str(raw_type or _DEFAULT_VALUE_TYPE[type_id]).upper()
        value = value_text(item.get("VALUE") if isinstance(item, Mapping) else item).strip()
        if value:
            cells.setdefault(captions.get(value_type, f"{type_id} {value_type}"), []).append(value)
    return {caption: ", ".join(values) for caption, values in cells.items()}


def value_text(value: Any) -> str:
    """A JSON value as cell text: None → "", strings as they are, lists of scalars joined with ", "
    (CONTACT_IDS), numbers and booleans as JSON writes them, other structures as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    if isinstance(value, list) and all(v is None or isinstance(v, str | int | float) for v in value):
        return ", ".join(value_text(v) for v in value if v is not None)
    return json.dumps(value, ensure_ascii=False)
