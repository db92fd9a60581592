"""The upload: validated rows → batches → AmoCRM, journalled so a re-run resumes and nothing is duplicated.

Phases by layout: leads → `/leads/complex` (≤ 50 rows a request: each lead with its new or linked
contact and company); contacts → their companies first (`/companies`), then `/contacts` linked to them;
companies → `/companies`. Then the notes of every created record (`/{entity}/notes`).

Every batch follows the journal protocol (journal.py): begin (pending) → send → finish (IDs or refusals).
Its outcome decides what comes next:

- answered: the IDs are journalled; rows the answer does not mention are looked up as below;
- 400 `validation-errors`: nothing was saved; the named rows are refused (with the source column the error
  path maps to) and the others go again in a new batch;
- no usable answer (5xx, timeout, dropped connection): after a backoff, what the batch created is looked up
  through the API (recovery.py) and journalled, and only the rows not found go again — never a blind resend;
- 401/402/403 and exhausted retries stop the run; the pending batch is looked up on the next run.

One record per client: rows naming the same contact or company (`migrate.quality.clients`: INN, phone,
e-mail, folded name) create it once. A batch never holds two rows creating one client — the later row waits
for the next batch — and once a client's record exists (its key journalled with the batch that created it),
every later row links to it by id. A resumed run reads the keys back, so a crash never splits a client.

Rows with validation errors are never sent. A run tag (`amomigrate-<6 hex>`, derived from the source's
content and the profile, so a resumed run reuses it) goes on every created lead, contact and company, with
the batch's own tag `<run tag>-<seq>` beside it: together they let a person find (and remove) a run in the
AmoCRM UI and let recovery find a batch.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ...core.issues import AmoApiError
from ...core.mapping import MappedTable
from ...core.report import Report
from ...core.schema import AccountSchema
from ...quality.clients import client_keys
from ..client import AmoClient, ValidationFailed, WriteOutcomeUnknown
from .dryrun import DryRunClient
from .eta import UploadProgress
from .journal import Created, Journal, KeyRecord
from .matching import Matcher
from .payload import Built, PayloadBuilder, RowProblem
from .recovery import Expected, Finder, UnverifiableBatch
from .results import UploadResult

COMPLEX_MAX = 50
BATCH_MAX = 50
NOTES_MAX = 250  # notes are small; 250 is the API's hard limit per write (amocrm.md §2.2)
PHASES = {"leads": [("complex", "leads")], "contacts": [("entities", "companies"), ("entities", "contacts")],
          "companies": [("entities", "companies")]}  # fmt: skip
Refusal = tuple[int, str | None, str]


@dataclass
class UploadOptions:
    batch_size: int = BATCH_MAX
    match_existing: bool = False
    progress: bool = False
    max_unknown: int = 8  # lost answers for one batch's rows before the run gives up
    recovery_wait: float = 1.0  # seconds before looking up a batch whose answer was lost (doubles each time)
    dry_run: bool = False


def run_tag_for(content_hash: str, profile_hash: str) -> str:
    return "amomigrate-" + hashlib.sha256(f"{content_hash}:{profile_hash}".encode()).hexdigest()[:6]


def payload_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


class Uploader:
    """One upload run over a MappedTable whose Report says which rows are sendable."""

    def __init__(self, mapped: MappedTable, report: Report, schema: AccountSchema,
                 client: AmoClient | DryRunClient, journal: Journal, run_tag: str,
                 options: UploadOptions | None = None, warn: Callable[[str], None] | None = None) -> None:  # fmt: skip
        self.mapped, self.report, self.client, self.journal = mapped, report, client, journal
        self.options = options or UploadOptions()
        self.warn = warn or (lambda m: None)
        self.run_tag = run_tag
        self.primary = mapped.entity
        self.builder = PayloadBuilder(mapped, schema)
        self.finder = Finder(client, self.warn)
        self.matcher = Matcher(schema) if self.options.match_existing else None
        rejected = set(report.rejected_rows)
        self.valid = [int(r) for r in mapped.frame.index if r not in rejected]
        self.keys = client_keys(mapped, self.valid)  # entity → row → client key
        self._known: dict[str, dict[str, int]] = {}  # entity → client key → AmoCRM id (the journal's, cached)
        self._repeat: set[tuple[int, str]] = set()  # (row, entity) linked to a client an earlier row created
        self._members: dict[str, dict[str, list[int]]] = {}  # entity → client key → its rows, in order
        for entity, by_row in self.keys.items():
            for row, key in by_row.items():
                self._members.setdefault(entity, {}).setdefault(key, []).append(row)
        self.recovered_batches = 0
        self.recovery_waited = 0.0
        self.progress = UploadProgress(False, 0, 0, client.pacer.period)
        self.size = min(self.options.batch_size, COMPLEX_MAX)

    # --- the run ------------------------------------------------------------------------------------------
    def run(self) -> UploadResult:
        started = time.monotonic()
        self.journal.forget_refusals()
        self._recover_pending()
        if self.matcher is not None:
            self.matcher.load(self.client)
        todo = self._todo(self.primary)
        notes = sum(1 for r in self.valid if self.builder.notes(r))
        requests = -(-len(todo) // self.size) + -(-notes // NOTES_MAX)
        self.progress = UploadProgress(self.options.progress, len(todo), requests, self.client.pacer.period)
        self.client.on_wait = self.progress.waiting
        try:
            for kind, entity in PHASES[self.primary]:
                for batch in self._batches(kind, entity, self._todo(entity, need=entity != self.primary)):
                    self._send(kind, entity, batch)
            self._notes()
        finally:
            self.progress.close()
        return self._result(time.monotonic() - started)

    def _todo(self, entity: str, need: bool = False) -> list[int]:
        """Valid rows with no `entity` recorded yet (for a secondary entity: only rows that have one)."""
        done = self.journal.created(entity)
        primary_done = self.journal.created(self.primary)
        return [r for r in self.valid if r not in done and r not in primary_done
                and (not need or self.builder.has(r, entity))]  # fmt: skip

    def _batches(self, kind: str, entity: str, rows: list[int]) -> Any:
        """Batches of ≤ size rows in which no client is created twice. A row naming a client that a row of
        this batch creates waits for the next batch, and is linked to the record by then. In a phase of
        its own (companies of a contacts file) a row whose client exists is journalled as linked, unsent."""
        parts = ("contacts", "companies") if kind == "complex" else (entity,) if entity != self.primary else ()
        pending = list(rows)
        while pending:
            batch: list[int] = []
            later: list[int] = []
            creating: set[tuple[str, str]] = set()
            linked: list[Created] = []
            for i, row in enumerate(pending):
                if len(batch) >= self.size:
                    later += pending[i:]
                    break
                keys = [(p, k) for p in parts if (k := self.keys.get(p, {}).get(row)) and self.builder.has(row, p)]
                new = {(p, k) for p, k in keys if k not in self.known(p)}
                if kind == "entities" and keys and not new:
                    linked.append(Created(row, entity, self.known(entity)[keys[0][1]], "repeat"))
                elif new & creating:
                    later.append(row)
                else:
                    creating |= new
                    batch.append(row)
            if linked:
                self.journal.finish(None, created=linked)
            if batch:
                yield batch
            pending = later

    def known(self, entity: str) -> dict[str, int]:
        """Client key → AmoCRM id for `entity`: the journal's keys, read once, kept current by `_finish`."""
        if entity not in self._known:
            self._known[entity] = self.journal.key_ids(entity)
        return self._known[entity]

    def _finish(self, seq: int | None, created: list[Created]) -> None:
        """Journal a batch's records with the client keys they resolve (one transaction)."""
        keys = [KeyRecord(c.entity, k, c.id, c.row) for c in created
                if (k := self.keys.get(c.entity, {}).get(c.row)) is not None]  # fmt: skip
        self.journal.finish(seq, created=created, keys=keys)
        for k in keys:
            self.known(k.entity).setdefault(k.key, k.id)

    def _result(self, seconds: float) -> UploadResult:
        stats = self.client.stats
        numbers = {
            "requests": stats.requests,
            "retries": stats.retries,
            "throttled": stats.throttled,
            "waited": round(stats.waited + self.recovery_waited, 2),
            "seconds": round(seconds, 2),
            "recovered_batches": self.recovered_batches,
            "rate_limit": self.client.pacer.rate,
        }
        return UploadResult(self.report, self.primary, self.journal.created(), self.journal.refused("row"),
                            self.journal.refused("note"), self.run_tag, dry_run=self.options.dry_run,
                            stats=numbers)  # fmt: skip

    # --- one batch ------------------------------------------------------------------------------------------
    def _send(self, kind: str, entity: str, rows: list[int]) -> None:
        unknown = 0
        while rows:
            seq = self.journal.next_seq()
            tag = f"{self.run_tag}-{seq}"
            built, problems = self._build(kind, entity, rows, tag)
            if problems:
                self.journal.finish(None, refused=problems)
            if not built:
                return
            sent = [r for r, _ in built]
            payload = [b.item for _, b in built]
            self.journal.begin(f"{kind}:{entity}", sent, payload_hash(payload), tag, seq)
            path = "/api/v4/leads/complex" if kind == "complex" else f"/api/v4/{entity}"
            try:
                answer = self.client.post(path, payload)
            except ValidationFailed as e:
                refused = self._refusals(e, built)
                self.journal.finish(seq, refused=refused)
                rows = [r for r in sent if r not in {x[0] for x in refused}]
                self.progress.request(len(refused))
                self.progress.add_requests(1 if rows else 0)
                continue
            except WriteOutcomeUnknown as e:
                unknown += 1
                if unknown > self.options.max_unknown:
                    raise AmoApiError(
                        f"{e} This happened {unknown} times for the same rows; giving up. Run the same command "
                        "again later: it resumes and checks this batch first."
                    ) from None
                wait = self.options.recovery_wait * 2 ** (unknown - 1)
                self.progress.waiting(wait, "an answer was lost: checking what was created")
                time.sleep(wait)
                self.recovery_waited += wait
                created = self._recover(kind, entity, tag, built)
            else:
                created = self._parse(kind, entity, answer, built)
                missing = [(r, b) for r, b in built if r not in {c.row for c in created if c.entity == entity}]
                if missing:
                    created += self._recover(kind, entity, tag, missing)
            self._finish(seq, created)
            done = {c.row for c in created if c.entity == entity}
            self._remember(created, built)
            self.progress.request(len(done))
            rows = [r for r in sent if r not in done]
            self.progress.add_requests(1 if rows else 0)

    def _build(
        self, kind: str, entity: str, rows: list[int], tag: str
    ) -> tuple[list[tuple[int, Built]], list[Refusal]]:
        built, problems = [], []
        companies = self.journal.created("companies") if entity == "contacts" else {}
        for row in rows:
            try:
                built.append((row, self._item(kind, entity, row, tag, companies)))
            except RowProblem as p:
                problems.append((row, self._column(p.header), p.message))
        return built, problems

    def _item(self, kind: str, entity: str, row: int, tag: str, companies: dict[int, dict[str, Created]]) -> Built:
        """One row's item; a standalone contact is linked to the company made for it in the phase before."""
        tags = [self.run_tag, tag]
        if kind == "complex":
            links = self._links(row)
            also = {e: self._also(row, e) for e in ("contacts", "companies") if e not in links}
            return self.builder.complex_item(row, tags, links, also)
        owner = self.builder.owner_id(row) if entity != self.primary else None
        built = self.builder.entity_item(row, entity, tags, owner=owner, also=self._also(row, entity))
        company = companies.get(row, {}).get("companies")
        if company is not None:
            built.item.setdefault("_embedded", {})["companies"] = [{"id": company.id}]
        built.item["request_id"] = str(row)
        return built

    def _also(self, row: int, entity: str) -> list[int]:
        """The other rows of the client `row` creates: their values complete the one record made for all."""
        key = self.keys.get(entity, {}).get(row)
        return [r for r in self._members.get(entity, {}).get(key or "", []) if r != row]

    def _links(self, row: int) -> dict[str, int]:
        """Contact/company ids a complex lead links to: its client's record made for an earlier row, else
        (`--match-existing`) the account's existing record."""
        links = {}
        for entity in ("contacts", "companies"):
            if not self.builder.has(row, entity):
                continue
            key = self.keys.get(entity, {}).get(row)
            if key is not None and key in self.known(entity):
                links[entity] = self.known(entity)[key]
                self._repeat.add((row, entity))
            elif self.matcher is not None:
                found = self.matcher.find(entity, self.builder.entity_item(row, entity, []).item)
                if found is not None:
                    links[entity] = found
        return links

    def _remember(self, created: list[Created], built: list[tuple[int, Built]]) -> None:
        if self.matcher is None:
            return
        items = dict(built)
        for c in created:
            if c.entity in ("contacts", "companies") and c.how != "linked" and c.row in items:
                item = items[c.row].item
                part = (
                    item if c.entity in (self.primary,) else ((item.get("_embedded") or {}).get(c.entity) or [item])[0]
                )
                self.matcher.remember(c.entity, c.id, part)

    def _parse(self, kind: str, entity: str, answer: Any, built: list[tuple[int, Built]]) -> list[Created]:
        items = dict(built)
        out: list[Created] = []
        if kind == "complex":
            for a in answer if isinstance(answer, list) else []:
                rids = a.get("request_id")
                for rid in rids if isinstance(rids, list) else [rids]:
                    row = _row_of(rid, items)
                    if row is None or not a.get("id"):
                        continue
                    merged = bool(a.get("merged"))
                    out.append(Created(row, "leads", a["id"], "merged" if merged else "created"))
                    for part, key in (("contacts", "contact_id"), ("companies", "company_id")):
                        if a.get(key):
                            out.append(Created(row, part, a[key], self._how(row, items[row], part, merged)))
            return out
        for a in ((answer or {}).get("_embedded") or {}).get(entity) or []:
            row = _row_of(a.get("request_id"), items)
            if row is not None and a.get("id"):
                out.append(Created(row, entity, a["id"], "created"))
        return out

    def _how(self, row: int, built: Built, part: str, merged: bool) -> str:
        refs = (built.item.get("_embedded") or {}).get(part) or [{}]
        if "id" in refs[0]:
            return "repeat" if (row, part) in self._repeat else "linked"
        return "merged" if merged else "created"

    def _recover(self, kind: str, entity: str, tag: str, built: list[tuple[int, Built]]) -> list[Created]:
        """What a batch with a lost answer created, looked up through the API (recovery.py)."""
        self.recovered_batches += 1
        self.progress.add_requests(1)
        expected = [Expected(r, b.item) for r, b in built]
        try:
            found = self.finder.entities(entity, tag, expected, self.journal.known_ids(entity),
                                         complex_=kind == "complex")  # fmt: skip
        except UnverifiableBatch as e:
            raise AmoApiError(str(e)) from None
        items = dict(built)
        hows = {(c.row, c.entity): self._how(c.row, items[c.row], c.entity, False) for c in found if c.entity != entity}
        return [Created(c.row, c.entity, c.id, hows[(c.row, c.entity)])
                if hows.get((c.row, c.entity)) in ("linked", "repeat") else c for c in found]  # fmt: skip

    def _recover_pending(self) -> None:
        """Batches journalled as pending by an earlier, interrupted run: find what they created first."""
        valid = set(self.valid)
        for batch in self.journal.pending():
            kind, _, entity = batch.kind.partition(":")
            if kind == "notes":
                self.recovered_batches += 1
                self.journal.finish(batch.seq, created=self._find_notes(entity, batch.rows))
                continue
            built, _ = self._build(kind, entity, [r for r in batch.rows if r in valid], batch.tag or "")
            if self.matcher is None and payload_hash([b.item for _, b in built]) != batch.payload_hash:
                self.warn(f"Batch {batch.seq} rebuilt from the source differs from what was sent (was the account "
                          "schema changed?); its records are matched by name, price, stage and owner.")  # fmt: skip
            created = self._recover(kind, entity, batch.tag or "", built) if built else []
            self._finish(batch.seq, created)

    def _refusals(self, e: ValidationFailed, built: list[tuple[int, Built]]) -> list[Refusal]:
        items = dict(built)
        out: dict[int, Refusal] = {}
        for rid, errors in e.errors.items():
            row = _row_of(rid, items)
            if row is None:
                continue
            for code, path, detail in errors:
                header = items[row].header_for(path) if path else None
                why = f"AmoCRM refused {path or 'the record'} ({code}): {detail}".strip()
                prev = out.get(row)
                out[row] = (row, prev[1] if prev else self._column(header), (prev[2] + "; " if prev else "") + why)
        if not out:  # the 400 named no row of ours: refuse the batch rather than loop on it
            out = {r: (r, None, f"AmoCRM refused the whole batch: {e}") for r, _ in built}
        return list(out.values())

    def _column(self, header: str | None) -> str | None:
        return self.mapped.sources.get(header, header) if header else None

    # --- notes ------------------------------------------------------------------------------------------------
    def _notes(self) -> None:
        created = self.journal.created()
        refused = self.journal.refused("note")
        wanted: dict[str, list[tuple[int, int, str, str]]] = {}
        for row in self.valid:
            for entity, (header, text) in self.builder.notes(row).items():
                have = created.get(row, {})
                if entity in have and f"notes:{entity}" not in have and row not in refused:
                    wanted.setdefault(entity, []).append((row, have[entity].id, header, text))
        for entity, notes in wanted.items():
            for i in range(0, len(notes), NOTES_MAX):
                self._send_notes(entity, notes[i : i + NOTES_MAX])

    def _send_notes(self, entity: str, notes: list[tuple[int, int, str, str]]) -> None:
        for _attempt in range(self.options.max_unknown + 1):
            if not notes:
                return
            payload = [{"entity_id": eid, "note_type": "common", "params": {"text": text}, "request_id": str(row)}
                       for row, eid, _, text in notes]  # fmt: skip
            seq = self.journal.begin(f"notes:{entity}", [n[0] for n in notes], payload_hash(payload), None)
            try:
                answer = self.client.post(f"/api/v4/{entity}/notes", payload)
            except ValidationFailed as e:
                bad = {int(r) for r in e.errors if str(r).isdigit()} or {n[0] for n in notes}
                why = {int(r): "; ".join(f"{c}: {d} ({p})" for c, p, d in errs) for r, errs in e.errors.items()
                       if str(r).isdigit()}  # fmt: skip
                self.journal.finish(seq, refused=[(n[0], self._column(n[2]), why.get(n[0], str(e)))
                                                  for n in notes if n[0] in bad], what="note")  # fmt: skip
                notes = [n for n in notes if n[0] not in bad]
                continue
            except WriteOutcomeUnknown:
                time.sleep(self.options.recovery_wait)
                self.recovered_batches += 1
                answer = None
            made = {int(a["request_id"]): a["id"] for a in ((answer or {}).get("_embedded") or {}).get("notes") or []
                    if str(a.get("request_id", "")).isdigit()}  # fmt: skip
            created = [Created(r, f"notes:{entity}", nid, "created") for r, nid in made.items()]
            lost = [n for n in notes if n[0] not in made]
            if lost:
                created += self.finder.notes(entity, [(r, eid, t) for r, eid, _, t in lost],
                                             self.journal.known_ids(f"notes:{entity}"))  # fmt: skip
            self.journal.finish(seq, created=created)
            self.progress.request()
            done = {c.row for c in created}
            notes = [n for n in notes if n[0] not in done]
        if notes:
            raise AmoApiError(f"Notes for rows {[n[0] for n in notes][:10]} could not be confirmed; run again later.")

    def _find_notes(self, entity: str, rows: list[int]) -> list[Created]:
        created = self.journal.created(entity)
        expected = [(r, created[r][entity].id, self.builder.notes(r)[entity][1]) for r in rows
                    if r in created and entity in self.builder.notes(r)]  # fmt: skip
        return self.finder.notes(entity, expected, self.journal.known_ids(f"notes:{entity}"))


def _row_of(rid: Any, items: dict[int, Built]) -> int | None:
    try:
        row = int(str(rid))
    except ValueError:
        return None
    return row if row in items else None
