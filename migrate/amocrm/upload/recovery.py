"""Find out what an unconfirmed batch created, through the API, before any of its rows is sent again.

A batch is unconfirmed when its answer was lost (crash, dropped connection, timeout, 5xx) after it was
journalled as pending. Every lead, contact and company a batch creates carries the batch's own tag
(`<run tag>-<seq>`), and the batch's rows are rebuilt from the source, so we know what was sent. Three ways
to look, cheapest first; each answer is *verified* before it is trusted, because an API may silently
ignore a filter it does not support and return everything instead:

1. `GET /api/v4/{entity}?filter[tags][]=<batch tag>` — one request. The public API is not documented to
   filter by tag (a maintainer says leads cannot be: amocrm-api-php#474). Trusted only while every record
   returned carries the tag and there are no more of them than the batch had rows.
2. `GET /api/v4/{entity}?filter[name][]=<each name>` — one request per batch. `filter[name]` (several
   values allowed) is in the v4 filter docs, which also call that filtering an alpha feature, so it is
   trusted only while every record returned has one of the names.
3. `GET /api/v4/{entity}?query=<name>`, one name at a time — `query` is the documented full-text search
   over an entity's filled fields. Slow (≤ 50 requests a batch) but the most widely available.

A filter seen ignored is not tried again in the run. Of what is returned, only records carrying the batch
tag (`_embedded.tags` is part of the documented list answer) and not yet journalled count; they are matched
to rows by the values sent (name, price, stage, owner, created_at). Not confirmable without a live
account: that `query`/`filter[name]` find a lead right after it was created (search indexing may lag; the
uploader looks only after a backoff wait), and that a complex write is atomic (lead, contact and company all
or nothing). Leads without a name get "Сделка #id" from AmoCRM and cannot be found by 2 or 3: if 1 does not
work, such a batch is left to a person (UnverifiableBatch) rather than risk a duplicate. Notes carry no
tags: they are found by `GET /{entity}/notes?filter[entity_id][]=…` and their text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..client import AmoClient, TooManyPages
from .journal import Created

#: the values compared between what was sent and what a found record holds
FINGERPRINT = ("name", "first_name", "last_name", "price", "status_id", "pipeline_id", "responsible_user_id",
               "created_at")  # fmt: skip
MAX_SEARCH_PAGES = 40  # 10,000 records of one name: beyond that, a person has to look
MAX_FILTER_PAGES = 40


@dataclass
class Expected:
    """One row of an unconfirmed batch: what was sent for it (the rebuilt payload item)."""

    row: int
    item: dict[str, Any]


class UnverifiableBatch(Exception):
    """The API gives no way to tell what a batch created; a person has to look."""


class Finder:
    """Looks up what unconfirmed batches created; remembers which filters the account ignores."""

    def __init__(self, client: AmoClient, warn: Callable[[str], None] | None = None) -> None:
        self.client = client
        self.warn = warn or (lambda m: None)
        self.working = {"tags": True, "name": True}

    def entities(self, entity: str, tag: str, expected: list[Expected], known: set[int], *,
                 complex_: bool = False) -> list[Created]:  # fmt: skip
        """What a batch of `entity` (leads via complex, or contacts/companies) created, matched to rows."""
        found = [r for r in self._tagged(entity, tag, expected) if r["id"] not in known]
        out: list[Created] = []
        for row, record in _match(expected, found).items():
            out.append(Created(row, entity, record["id"], "recovered"))
            if complex_:
                for part in ("contacts", "companies"):
                    refs = (record.get("_embedded") or {}).get(part) or []
                    if refs:
                        out.append(Created(row, part, refs[0]["id"], "recovered"))
        return out

    def notes(self, entity: str, expected: Iterable[tuple[int, int, str]], known: set[int]) -> list[Created]:
        """Notes of (row, entity_id, text) already on their records, not yet journalled."""
        wanted = list(expected)
        if not wanted:
            return []
        params = {"filter[entity_id][]": sorted({eid for _, eid, _ in wanted}), "filter[note_type]": "common"}
        notes = [n for n in self.client.pages(f"/api/v4/{entity}/notes", "notes", params) if n["id"] not in known]
        out = []
        for row, eid, text in wanted:
            hit = next((n for n in notes if n.get("entity_id") == eid and (n.get("params") or {}).get("text") == text),
                       None)  # fmt: skip
            if hit is not None:
                notes.remove(hit)
                out.append(Created(row, f"notes:{entity}", hit["id"], "recovered"))
        return out

    # --- the three ways to look ---------------------------------------------------------------------------
    def _tagged(self, entity: str, tag: str, expected: list[Expected]) -> list[dict[str, Any]]:
        try:
            return self._look(entity, tag, expected)
        except TooManyPages:
            raise UnverifiableBatch(
                f"The names of a {entity} batch tagged {tag!r} are shared by too many records to search through. "
                f"Look in AmoCRM for records tagged {tag!r}: delete them, then run the same command again."
            ) from None

    def _look(self, entity: str, tag: str, expected: list[Expected]) -> list[dict[str, Any]]:
        params = {"with": "contacts"} if entity == "leads" else {}
        if self.working["tags"]:
            found = self._filtered(entity, params, "tags", [tag], lambda r: _has_tag(r, tag), len(expected))
            if found is not None:
                return found
        names = list(dict.fromkeys(e.item.get("name") or "" for e in expected))
        if "" in names:
            raise UnverifiableBatch(
                f"A {entity} batch tagged {tag!r} has rows without a name, which the API cannot search for. Look "
                f"in AmoCRM for records tagged {tag!r}: delete them, then run the same command again."
            )
        if self.working["name"]:
            found = self._filtered(entity, params, "name", names, lambda r: r.get("name") in names, None)
            if found is not None:
                return [r for r in found if _has_tag(r, tag)]
        out: dict[int, dict[str, Any]] = {}
        for name in names:
            pages = self.client.pages(f"/api/v4/{entity}", entity, {**params, "query": name},
                                      max_pages=MAX_SEARCH_PAGES)  # fmt: skip
            out.update({r["id"]: r for r in pages if _has_tag(r, tag)})
        return list(out.values())

    def _filtered(self, entity: str, params: dict[str, Any], key: str, values: list[str],
                  fits: Callable[[dict[str, Any]], bool], most: int | None) -> list[dict[str, Any]] | None:  # fmt: skip
        """`filter[key][]=values`, trusted only while every answer fits it; None once it is seen ignored."""
        out: list[dict[str, Any]] = []
        query = {**params, f"filter[{key}][]": values}
        for record in self.client.pages(f"/api/v4/{entity}", entity, query, max_pages=MAX_FILTER_PAGES):
            if not fits(record) or (most is not None and len(out) >= most):
                self.working[key] = False
                self.warn(f"The account ignores filter[{key}]; unconfirmed batches are looked up another way.")
                return None
            out.append(record)
        return out


def _has_tag(record: dict[str, Any], tag: str) -> bool:
    return any(t.get("name") == tag for t in (record.get("_embedded") or {}).get("tags") or [])


def _same(item: dict[str, Any], record: dict[str, Any]) -> bool:
    return all(record.get(k) == item[k] for k in FINGERPRINT if k in item)


def _match(expected: list[Expected], found: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Each found record to the first row whose sent values it has; identical rows are interchangeable."""
    pool = sorted(found, key=lambda r: r["id"])
    out: dict[int, dict[str, Any]] = {}
    for e in expected:
        hit = next((r for r in pool if _same(e.item, r)), None)
        if hit is not None:
            pool.remove(hit)
            out[e.row] = hit
    return out
