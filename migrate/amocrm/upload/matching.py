"""`--match-existing`: link a row to a contact or company the account already has, instead of a duplicate.

The account's contacts and companies are read once (every page, 250 a page, through the paced client) and
indexed by normalised phone (the `phone` transform's E.164), e-mail (lower case) and name
(`fuzzy.normalise`). A row's contact/company is the existing record that shares a phone, else an e-mail,
else a name — a name only when exactly one record has it, since two "Иван Петров" are not one person.
Records the upload itself creates are added as it goes, so the same company in several rows is created
once and linked afterwards (rows within one batch are not deduplicated against each other).
A linked record is named by id inside the complex lead (`_embedded.contacts[{"id": …}]`); that the real
`/leads/complex` links rather than refuses an id there is assumed, not confirmed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ...core.schema import AccountSchema
from ...quality.fuzzy import normalise
from ...quality.transforms import TransformContext, transform_email, transform_phone
from ..client import AmoClient


@dataclass
class Index:
    """Lookups of one entity kind: key → ids having it."""

    phones: dict[str, set[int]] = field(default_factory=dict)
    emails: dict[str, set[int]] = field(default_factory=dict)
    names: dict[str, set[int]] = field(default_factory=dict)

    def add(self, rid: int, name: str | None, phones: Iterable[str], emails: Iterable[str]) -> None:
        for key, book in ((normalise(name or ""), self.names),):
            if key:
                book.setdefault(key, set()).add(rid)
        for p in phones:
            self.phones.setdefault(p, set()).add(rid)
        for e in emails:
            self.emails.setdefault(e, set()).add(rid)

    def find(self, name: str | None, phones: Iterable[str], emails: Iterable[str]) -> int | None:
        for keys, book in ((phones, self.phones), (emails, self.emails)):
            for k in keys:
                if book.get(k):
                    return min(book[k])  # the oldest record: the one people have been using
        ids = self.names.get(normalise(name or ""), set()) if name else set()
        return next(iter(ids)) if len(ids) == 1 else None

    def __len__(self) -> int:
        return len({i for book in (self.phones, self.emails, self.names) for ids in book.values() for i in ids})


class Matcher:
    """Indexes of the account's contacts and companies, and the rule that picks a match for a row."""

    def __init__(self, schema: AccountSchema) -> None:
        self.ctx = TransformContext(region=schema.country)
        self.indexes = {"contacts": Index(), "companies": Index()}
        #: payload items name PHONE/EMAIL by field_id; records by field_code
        self.codes = {(e, f.get("id")): f.get("code") for e in self.indexes for f in schema.fields(e)}

    def load(self, client: AmoClient, tick: Callable[[int], object] | None = None) -> None:
        for entity, index in self.indexes.items():
            for record in client.pages(f"/api/v4/{entity}", entity):
                index.add(record["id"], record.get("name"), *self._keys_of_record(record))
                if tick:
                    tick(1)

    def find(self, entity: str, item: dict[str, Any]) -> int | None:
        """The existing record for a new contact/company payload item, or None."""
        return self.indexes[entity].find(item.get("name"), *self._keys_of_item(entity, item))

    def remember(self, entity: str, rid: int, item: dict[str, Any]) -> None:
        self.indexes[entity].add(rid, item.get("name"), *self._keys_of_item(entity, item))

    # --- keys ---------------------------------------------------------------------------------------------
    def _keys_of_record(self, record: dict[str, Any]) -> tuple[list[str], list[str]]:
        return self._keys(record.get("custom_fields_values") or [], lambda cf: cf.get("field_code"))

    def _keys_of_item(self, entity: str, item: dict[str, Any]) -> tuple[list[str], list[str]]:
        return self._keys(
            item.get("custom_fields_values") or [],
            lambda cf: cf.get("field_code") or self.codes.get((entity, cf.get("field_id"))),
        )

    def _keys(self, cfv: list[dict[str, Any]], code_of: Callable[[dict[str, Any]], Any]) -> tuple[list[str], list[str]]:
        phones: list[str] = []
        emails: list[str] = []
        for cf in cfv:
            code = code_of(cf)
            for v in cf.get("values") or []:
                text = str(v.get("value") or "").strip()
                if not text:
                    continue
                if code == "PHONE":
                    out = transform_phone(text, self.ctx)
                    phones += [out.value, *out.extras] if out.ok else []
                elif code == "EMAIL":
                    out = transform_email(text, self.ctx)
                    emails += [e.lower() for e in (out.value, *out.extras)] if out.ok else [text.lower()]
        return phones, emails
