"""MappedTable rows → API v4 JSON items (amocrm.md §2.4–2.5), with a map back from JSON paths to headers.

Why the path map: AmoCRM reports a refused value as `request_id` + a dotted `path` inside the item
(`_embedded.contacts.0.custom_fields_values.1.values.0.value`). Each built item carries `origins`, path
prefix → target header, so an error becomes "row 12, column 'Телефон'" in the error workbook.

Everything is resolved from the account schema: owners to user ids, stages to `pipeline_id`/`status_id`
(from `MappedTable.stages`), list options to `enum_id`, PHONE/EMAIL columns to `enum_code` from the layout,
dates to Unix time in the account's timezone. A value that cannot be resolved raises `RowProblem`, and the
row is refused before anything is sent.

Unconfirmed against the live service (documented for plain POSTs, assumed for `/leads/complex`): tags on
the embedded new contact/company via their own `_embedded.tags`, and an existing contact/company linked by
`_embedded.contacts[{"id"}]` inside a complex lead (`--match-existing`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ...core.mapping import MappedTable
from ...core.schema import AccountSchema, Target
from ...quality.fuzzy import normalise

SIMPLE = {"name": "name", "first_name": "first_name", "last_name": "last_name"}
USER_ROLES = {"responsible_user": "responsible_user_id", "created_by": "created_by"}
TIME_ROLES = {"created_at": "created_at", "closed_at": "closed_at"}
_TEXT_TYPES = {"text", "textarea", "url", "streetaddress", "multitext", "tracking_data", "org_legal_name"}
_NUMBER_TYPES = {"numeric", "price", "monetary"}
_DATE_TYPES = {"date", "birthday", "date_time", "datetime"}
_SPLIT_TYPES = {"phone", "email"}  # a second phone/e-mail rides in the same cell, comma-joined
_TRUE = {"1", "да", "true", "yes", "y", "+", "x", "д", "истина", "on"}
_FALSE = {"0", "нет", "false", "no", "n", "-", "н", "ложь", "off"}
_DEFAULT_TZ = {"RU": "Europe/Moscow", "KZ": "Asia/Almaty", "BY": "Europe/Minsk", "UA": "Europe/Kyiv"}


class RowProblem(Exception):
    """A value that cannot be put in the API's terms; the row is refused before sending."""

    def __init__(self, header: str, message: str) -> None:
        super().__init__(message)
        self.header, self.message = header, message


@dataclass
class Built:
    """One JSON item and where its parts came from (`origins`: dotted path prefix → target header)."""

    item: dict[str, Any]
    origins: dict[str, str] = field(default_factory=dict)

    def header_for(self, path: str) -> str | None:
        """The header behind an error path: the longest recorded prefix of it."""
        parts = path.split(".")
        for n in range(len(parts), 0, -1):
            found = self.origins.get(".".join(parts[:n]))
            if found:
                return found
        return None


class PayloadBuilder:
    """Builds the items of one MappedTable. Cheap per row: every lookup table is made once here."""

    def __init__(self, mapped: MappedTable, schema: AccountSchema) -> None:
        self.frame = mapped.frame
        self.layout = mapped.entity
        self.targets = mapped.targets
        self.stages = mapped.stages
        self.schema = schema
        self.tz = _timezone(schema)
        self._users = _user_index(schema)
        self._pipelines = {normalise(p.name): p.id for p in schema.pipelines}
        self._fields = {(e, f.get("id")): f for e in ("leads", "contacts", "companies") for f in schema.fields(e)}
        self.owner_header = next((h for h, t in self.targets.items() if t.role == "responsible_user"), None)
        self._by_entity: dict[str, list[tuple[str, Target]]] = {}
        for header, t in self.targets.items():
            self._by_entity.setdefault(t.entity, []).append((header, t))

    # --- what a row has ---------------------------------------------------------------------------------
    def value(self, row: int, header: str) -> str:
        v = self.frame.at[row, header]
        return v.strip() if isinstance(v, str) else ""

    def has(self, row: int, entity: str) -> bool:
        """Whether the row holds anything for `entity` (a contact, a company) besides notes."""
        return any(self.value(row, h) for h, t in self._by_entity.get(entity, []) if t.role != "note")

    def notes(self, row: int) -> dict[str, tuple[str, str]]:
        """entity → (header, text) of the row's note columns."""
        out = {}
        for header, t in self.targets.items():
            if t.role == "note" and self.value(row, header):
                out[t.entity] = (header, self.value(row, header))
        return out

    def owner_id(self, row: int) -> int | None:
        """The row's responsible user: also made responsible for the contact and company created with it."""
        h = self.owner_header
        return self._user(h, self.value(row, h)) if h and self.value(row, h) else None

    # --- items --------------------------------------------------------------------------------------------
    def entity_item(self, row: int, entity: str, tags: list[str], *, owner: int | None = None,
                    prefix: str = "", also: Sequence[int] = ()) -> Built:  # fmt: skip
        """A contact, company or lead (without its embedded parts) as POST /{entity} takes it.

        `also`: later rows naming the same client (a repeated contact or company), whose values complete
        the record created once for all of them: every distinct phone and e-mail, and any field `row`
        leaves empty — so linking those rows to it loses nothing they say about the client."""
        built = Built({})
        item = built.item
        cfv: dict[Any, dict[str, Any]] = {}
        row_tags: list[str] = []
        for header, t in self._by_entity.get(entity, []):
            text = self.value(row, header)
            if t.role == "note":
                continue
            if also and t.enum:
                self._add_enum_values(cfv, header, t, [text, *(self.value(r, header) for r in also)], entity)
                continue
            if not text:
                text = next((v for r in also if (v := self.value(r, header))), "")
            if not text:
                continue
            if t.role in SIMPLE:
                item[SIMPLE[t.role]] = text
                built.origins[prefix + SIMPLE[t.role]] = header
            elif t.role in USER_ROLES:
                item[USER_ROLES[t.role]] = self._user(header, text)
                built.origins[prefix + USER_ROLES[t.role]] = header
            elif t.role in TIME_ROLES:
                item[TIME_ROLES[t.role]] = self._unix(header, text)
                built.origins[prefix + TIME_ROLES[t.role]] = header
            elif t.role == "price":
                item["price"] = self._int(header, text)
                built.origins[prefix + "price"] = header
            elif t.role == "tags":
                row_tags += [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
            elif t.role in ("field", "custom"):
                self._add_cf(cfv, header, t, text, entity)
        if entity == "leads":
            self._stage(row, item, built.origins, prefix)
        if owner is not None and "responsible_user_id" not in item:
            item["responsible_user_id"] = owner
            built.origins[prefix + "responsible_user_id"] = self.owner_header or ""
        if cfv:
            item["custom_fields_values"] = []
            for i, entry in enumerate(cfv.values()):
                headers = entry.pop("_headers")
                built.origins[f"{prefix}custom_fields_values.{i}"] = headers[0]
                for j, h in enumerate(headers):
                    built.origins[f"{prefix}custom_fields_values.{i}.values.{j}"] = h
                item["custom_fields_values"].append(entry)
        all_tags = list(dict.fromkeys(tags + row_tags))
        if all_tags:
            item["_embedded"] = {"tags": [{"name": n} for n in all_tags]}
        return built

    def complex_item(self, row: int, tags: list[str], links: dict[str, int] | None = None,
                     also: dict[str, list[int]] | None = None) -> Built:  # fmt: skip
        """One `/leads/complex` item: the lead, its new (or linked, by id) contact and company; `also`:
        entity → later rows of the same client, completing the new contact/company (see `entity_item`)."""
        links = links or {}
        owner = self.owner_id(row)
        built = self.entity_item(row, "leads", tags)
        item = built.item
        embedded = item.setdefault("_embedded", {})
        for entity in ("contacts", "companies"):
            if entity in links:
                embedded[entity] = [{"id": links[entity]}]
            elif self.has(row, entity):
                part = self.entity_item(row, entity, tags, owner=owner, prefix=f"_embedded.{entity}.0.",
                                        also=(also or {}).get(entity, ()))  # fmt: skip
                embedded[entity] = [part.item]
                built.origins.update(part.origins)
        item["request_id"] = str(row)
        return built

    # --- values -------------------------------------------------------------------------------------------
    def _user(self, header: str, text: str) -> int:
        uid = self._users.get(text) or self._users.get(text.casefold()) or self._users.get(normalise(text))
        if uid is None:
            hint = "" if self.schema.users else " The account schema lists no users: run `amomigrate schema pull`."
            raise RowProblem(header, f"{text!r} is not a user of the account, so it has no user id.{hint}")
        return uid

    def _unix(self, header: str, text: str) -> int:
        for fmt in ("%d.%m.%Y %H:%M", "%d.%m.%Y", "%d.%m.%Y %H:%M:%S"):
            try:
                return int(datetime.strptime(text, fmt).replace(tzinfo=self.tz).timestamp())
            except ValueError:
                continue
        raise RowProblem(header, f"{text!r} is not a date in DD.MM.YYYY [HH:MM].")

    def _int(self, header: str, text: str) -> int:
        number = self._number(header, text)
        return int(number.to_integral_value())

    def _number(self, header: str, text: str) -> Decimal:
        try:
            return Decimal(text.replace(" ", "").replace("\u00a0", "").replace(",", "."))
        except InvalidOperation:
            raise RowProblem(header, f"{text!r} is not a number.") from None

    def _stage(self, row: int, item: dict[str, Any], origins: dict[str, str], prefix: str) -> None:
        stage_h = next((h for h, t in self.targets.items() if t.type == "status"), None)
        pipe_h = next((h for h, t in self.targets.items() if t.type == "pipeline"), None)
        key = self.stages.get(row, "") if self.stages is not None else ""
        if key:
            pid, _, sid = key.partition(":")
            item["pipeline_id"], item["status_id"] = int(pid), int(sid)
            origins[prefix + "status_id"] = stage_h or pipe_h or ""
            origins[prefix + "pipeline_id"] = pipe_h or stage_h or ""
        elif pipe_h and self.value(row, pipe_h):
            pid = self._pipelines.get(normalise(self.value(row, pipe_h)))
            if pid is None:
                raise RowProblem(pipe_h, f"Pipeline {self.value(row, pipe_h)!r} is not in the account schema.")
            item["pipeline_id"] = pid
            origins[prefix + "pipeline_id"] = pipe_h

    def _add_cf(self, cfv: dict[Any, dict[str, Any]], header: str, t: Target, text: str, entity: str) -> None:
        fdef = self._fields.get((entity, t.field_id)) if t.field_id is not None else None
        ftype = (fdef or {}).get("type") or t.type
        if t.field_id is not None:
            key, ref = t.field_id, {"field_id": t.field_id}
        elif t.code:
            key, ref = t.code, {"field_code": t.code}
        else:
            raise RowProblem(header, f"Field {header!r} has no id in the account schema: run `amomigrate schema pull`.")
        values = self._cf_values(header, t, ftype, fdef, text)
        entry = cfv.setdefault(key, {**ref, "values": [], "_headers": []})
        entry["values"] += values
        entry["_headers"] += [header] * len(values)

    def _add_enum_values(self, cfv: dict[Any, dict[str, Any]], header: str, t: Target, texts: list[str],
                         entity: str) -> None:  # fmt: skip
        """A PHONE/EMAIL column over several rows of one client: each distinct value once, in row order."""
        seen = {v.get("value") for e in cfv.values() for v in e["values"]}
        for text in texts:
            for part in [p.strip() for p in text.split(",")] if t.type in _SPLIT_TYPES else [text]:
                if part and part not in seen:
                    seen.add(part)
                    self._add_cf(cfv, header, t, part, entity)

    def _cf_values(self, header: str, t: Target, ftype: str, fdef: dict[str, Any] | None,
                   text: str) -> list[dict[str, Any]]:  # fmt: skip
        if t.enum:  # PHONE/EMAIL/IM columns: the layout says which enum
            parts = [p.strip() for p in text.split(",")] if t.type in _SPLIT_TYPES else [text]
            return [{"value": p, "enum_code": t.enum} for p in parts if p]
        if ftype in ("select", "radiobutton"):
            return [self._enum(header, fdef, text)]
        if ftype == "multiselect":
            return [self._enum(header, fdef, v) for v in _split_options(text, t.options)]
        if ftype in _NUMBER_TYPES:
            number = self._number(header, text)
            return [{"value": int(number) if number == number.to_integral_value() else float(number)}]
        if ftype in _DATE_TYPES:
            return [{"value": self._unix(header, text)}]
        if ftype == "checkbox":
            low = text.casefold()
            if low not in _TRUE | _FALSE:
                raise RowProblem(header, f"{text!r} is not yes/no for checkbox field {header!r}.")
            return [{"value": low in _TRUE}]
        if ftype in _TEXT_TYPES:
            return [{"value": text}]
        raise RowProblem(header, f"Field type {ftype!r} of {header!r} cannot be uploaded by amomigrate yet.")

    def _enum(self, header: str, fdef: dict[str, Any] | None, text: str) -> dict[str, Any]:
        for e in (fdef or {}).get("enums") or []:
            if e["value"] == text and e.get("id") is not None:
                return {"enum_id": e["id"]}
        return {"value": text}  # no enum id in a hand-written schema: the API also takes the option text


def _split_options(text: str, options: tuple[str, ...]) -> list[str]:
    """A comma-joined multiselect cell back into options, keeping options that contain a comma whole."""
    if text in options:
        return [text]
    out, current = [], ""
    for piece in text.split(","):
        current = f"{current},{piece}" if current else piece
        if current.strip() in options or not options:
            out.append(current.strip())
            current = ""
    if current.strip():
        out.append(current.strip())
    return [v for v in out if v]


def _user_index(schema: AccountSchema) -> dict[str, int]:
    index: dict[str, int] = {}
    for u in schema.users:
        index.setdefault(str(u.id), u.id)
        index.setdefault(u.name, u.id)
        index.setdefault(normalise(u.name), u.id)
        if u.email:
            index.setdefault(u.email.casefold(), u.id)
    return index


def _timezone(schema: AccountSchema) -> ZoneInfo:
    """The account's timezone (pulled), else the usual one for its country, else UTC."""
    account = schema.raw.get("account") or {}
    name = account.get("timezone") or _DEFAULT_TZ.get(schema.country, "UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
