"""The upload journal: an SQLite file that makes an upload resumable and never-duplicating.

The protocol (see upload.py for the recovery it enables):

1. before a batch is sent, `begin()` commits it as *pending*: its kind, source rows, batch tag and the hash
   of its exact payload;
2. after AmoCRM answers, `finish()` commits, in one transaction, the IDs created (or the rows refused) and
   marks the batch *done*.

A crash between 1 and 2 leaves a pending batch. It may have been applied or not; the next run (or the same
run, after a lost answer) asks AmoCRM what it created before sending those rows again, records it, and
only then resends the rest. A row with its main entity recorded is never sent again.

Entity keys: the `entity_keys` table maps (entity, key) → AmoCRM id — "the company with INN 7707083893 is
id 123", "the contact of source ID 42 is id 987". A key is any stable string naming one record of the source
(client keys of repeated clients, `migrate.quality.clients`; source IDs for records linked across files). It
is committed in the same transaction as the batch that created the record, so after a crash a key is known
exactly when its record is, and every later row naming it links to that id instead of creating it again.

Commits are synchronous (SQLite's default rollback journal, `synchronous=FULL`), so a SIGKILL or power cut
after a commit keeps it. The journal holds no secrets: no token, no payloads — only hashes, rows and IDs.

One run at a time: a run holds an exclusive lock (journal_lock.py) on the journal from open to close, so a
second run of the same upload stops at once instead of sending the same rows again. A journal is checked
when opened (SQLite's integrity check, its layout version, and that batches recorded as done kept their
IDs): a damaged journal is refused, because resuming from it would re-send rows AmoCRM already has.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from ...core.issues import MigrateError
from .journal_lock import JournalLock

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS batches (
    seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, rows TEXT NOT NULL, payload_hash TEXT NOT NULL,
    tag TEXT, state TEXT NOT NULL, started REAL NOT NULL, finished REAL);
CREATE TABLE IF NOT EXISTS created (
    row INTEGER NOT NULL, entity TEXT NOT NULL, id INTEGER NOT NULL, how TEXT NOT NULL, batch INTEGER,
    PRIMARY KEY (row, entity));
CREATE TABLE IF NOT EXISTS refused (
    row INTEGER NOT NULL, what TEXT NOT NULL, header TEXT, reason TEXT NOT NULL, batch INTEGER,
    PRIMARY KEY (row, what));
CREATE TABLE IF NOT EXISTS entity_keys (
    entity TEXT NOT NULL, key TEXT NOT NULL, id INTEGER NOT NULL, row INTEGER, batch INTEGER,
    PRIMARY KEY (entity, key));
"""
PENDING, DONE, REFUSED = "pending", "done", "refused"
#: the journal's layout; bump it (and migrate in `_check_layout`) when the tables change
VERSION = 1
TABLES = ("meta", "batches", "created", "refused")


@dataclass(frozen=True)
class Batch:
    seq: int
    kind: str
    rows: list[int]
    payload_hash: str
    tag: str | None
    state: str


@dataclass(frozen=True)
class Created:
    row: int
    entity: str  # leads | contacts | companies | notes:<entity>
    id: int
    how: str  # created | linked (to an existing record) | repeat (to one an earlier row created) | merged | recovered


@dataclass(frozen=True)
class KeyRecord:
    """`key` of `entity` is AmoCRM record `id`; `row` is the source row that created (or first linked) it."""

    entity: str
    key: str
    id: int
    row: int | None = None


class Journal:
    """One upload's journal. `identity` (source + profile + account) must match the file's, or it refuses."""

    def __init__(self, path: str | Path, identity: dict[str, str], *, snapshot: bool = False) -> None:
        """`snapshot=True` (dry runs): work on an in-memory copy of the file, which is never written."""
        self.path = Path(path)
        self.lock: JournalLock | None = None
        try:
            if snapshot:
                self.db = sqlite3.connect(":memory:", isolation_level=None)
                if self.path.exists():
                    with closing(sqlite3.connect(self.path)) as src:
                        src.backup(self.db)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self.lock = JournalLock.acquire(self.path)
                self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA synchronous=FULL")
            self._check_layout()
            self.db.executescript(SCHEMA)
            self._check_identity(identity)
        except sqlite3.DatabaseError as e:
            self.close()
            raise MigrateError(
                f"Journal {self.path} is not a usable SQLite file ({e}): it is damaged or not a journal. Nothing "
                "was sent. Restore it from a backup to resume; starting with a new --journal instead may create "
                "again what this one recorded (look for the run tag in AmoCRM first)."
            ) from None
        except BaseException:
            self.close()
            raise

    def _check_layout(self) -> None:
        """Refuse a damaged journal before anything is read from it (see the module docstring)."""
        tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            self.db.execute(f"PRAGMA user_version = {VERSION}")
            return
        problems = [r[0] for r in self.db.execute("PRAGMA integrity_check").fetchall() if r[0] != "ok"]
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > VERSION:
            problems.append(f"it was written by a newer amomigrate (layout {version}, this one reads {VERSION})")
        missing = [t for t in TABLES if t not in tables]
        if missing:
            problems.append(f"table(s) {', '.join(missing)} are missing")
        elif done := self._done_batches_without_ids(tables):
            problems.append(f"{done} batch(es) are recorded as sent and answered, but none of their IDs is")
        if problems:
            raise MigrateError(
                f"Journal {self.path} is damaged: {'; '.join(problems)[:400]}. Nothing was sent: resuming from it "
                "could create again the records AmoCRM already has. Restore the journal from a backup (or a copy "
                "taken before it was edited) and run again; if you are sure nothing was created, look for the run "
                "tag in AmoCRM, then move the file aside and give a new --journal."
            )
        if version < VERSION:
            self.db.execute(f"PRAGMA user_version = {VERSION}")

    def _done_batches_without_ids(self, tables: set[str]) -> int:
        """Batches recorded as sent and answered whose IDs the journal has lost. A single-file batch always
        records its rows in `created`; a whole-base (`base:`) batch records in `created` or `entity_keys`
        (a table older journals lack)."""
        if self.db.execute("SELECT COUNT(*) FROM created").fetchone()[0]:
            return 0
        has_keys = "entity_keys" in tables and self.db.execute("SELECT COUNT(*) FROM entity_keys").fetchone()[0]
        kinds = " AND kind NOT LIKE 'base:%'" if has_keys else ""
        return self.db.execute("SELECT COUNT(*) FROM batches WHERE state = ?" + kinds, (DONE,)).fetchone()[0]

    def _check_identity(self, identity: dict[str, str]) -> None:
        stored = dict(self.db.execute("SELECT key, value FROM meta").fetchall())
        if not stored:
            with self.db:
                self.db.execute("BEGIN")
                self.db.executemany("INSERT INTO meta VALUES (?, ?)", identity.items())
            return
        differ = [k for k, v in identity.items() if k in stored and stored[k] != v]
        if differ:
            what = ", ".join(f"{k} (journal: {stored[k]!r}, now: {identity[k]!r})" for k in differ)
            raise MigrateError(
                f"Journal {self.path} belongs to another upload: {what}. Resuming with it could duplicate or "
                "misattribute records. Restore the original file/profile/account, or give a new --journal."
            )

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # --- batches ----------------------------------------------------------------------------------------
    def next_seq(self) -> int:
        return (self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM batches").fetchone()[0]) + 1

    def begin(self, kind: str, rows: list[int], payload_hash: str, tag: str | None, seq: int | None = None) -> int:
        """Commit the batch as pending *before* it is sent; returns its sequence number."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            seq = seq or self.next_seq()  # inside the write transaction: two writers can never take one number
            self.db.execute(
                "INSERT INTO batches (seq, kind, rows, payload_hash, tag, state, started) VALUES (?,?,?,?,?,?,?)",
                (seq, kind, json.dumps(rows), payload_hash, tag, PENDING, time.time()),
            )
        return seq

    def finish(self, seq: int | None, created: Iterable[Created] = (),
               refused: Iterable[tuple[int, str | None, str]] = (), what: str = "row",
               keys: Iterable[KeyRecord] = ()) -> None:  # fmt: skip
        """Commit what a batch created (and the rows refused: `what` = row | note), the entity keys it
        resolved, and mark it done, atomically. A key already recorded keeps its first id.

        `seq=None` records what needed no request (refusals found before sending, rows linked to a key)."""
        created = list(created)
        keys = list(keys)
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany(
                "INSERT OR REPLACE INTO created VALUES (?,?,?,?,?)",
                [(c.row, c.entity, c.id, c.how, seq) for c in created],
            )
            self.db.executemany(
                "INSERT OR REPLACE INTO refused VALUES (?,?,?,?,?)", [(r, what, h, why, seq) for r, h, why in refused]
            )
            self.db.executemany(
                "INSERT OR IGNORE INTO entity_keys VALUES (?,?,?,?,?)",
                [(k.entity, k.key, k.id, k.row, seq) for k in keys],
            )
            if seq is not None:
                # a batch wholly refused is REFUSED, not DONE: "done but no IDs" then means damage (_check_layout)
                state = DONE if created or keys else REFUSED
                self.db.execute("UPDATE batches SET state = ?, finished = ? WHERE seq = ?", (state, time.time(), seq))

    def pending(self) -> list[Batch]:
        """Batches begun and never finished: each may or may not have been applied by AmoCRM."""
        cur = self.db.execute(
            "SELECT seq, kind, rows, payload_hash, tag, state FROM batches WHERE state = ? ORDER BY seq", (PENDING,)
        )
        return [Batch(s, k, json.loads(r), h, t, st) for s, k, r, h, t, st in cur.fetchall()]

    def batch_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM batches").fetchone()[0]

    # --- rows ---------------------------------------------------------------------------------------------
    def created(self, entity: str | None = None) -> dict[int, dict[str, Created]]:
        """row → entity → Created, for every row with anything recorded."""
        sql = "SELECT row, entity, id, how FROM created" + (" WHERE entity = ?" if entity else "")
        out: dict[int, dict[str, Created]] = {}
        for row, ent, eid, how in self.db.execute(sql, (entity,) if entity else ()).fetchall():
            out.setdefault(row, {})[ent] = Created(row, ent, eid, how)
        return out

    def known_ids(self, entity: str) -> set[int]:
        return {r[0] for r in self.db.execute("SELECT id FROM created WHERE entity = ?", (entity,)).fetchall()}

    # --- entity keys ----------------------------------------------------------------------------------------
    def key_ids(self, entity: str) -> dict[str, int]:
        """key → AmoCRM id of every key recorded for `entity`."""
        cur = self.db.execute("SELECT key, id FROM entity_keys WHERE entity = ?", (entity,))
        return dict(cur.fetchall())

    def key_id(self, entity: str, key: str) -> int | None:
        row = self.db.execute("SELECT id FROM entity_keys WHERE entity = ? AND key = ?", (entity, key)).fetchone()
        return row[0] if row else None

    def record_keys(self, keys: Iterable[KeyRecord]) -> None:
        """Record keys outside a batch (e.g. found by a lookup); a key already recorded keeps its first id."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR IGNORE INTO entity_keys VALUES (?,?,?,?,NULL)",
                                [(k.entity, k.key, k.id, k.row) for k in keys])  # fmt: skip

    def refused(self, what: str = "row") -> dict[int, tuple[str | None, str]]:
        cur = self.db.execute("SELECT row, header, reason FROM refused WHERE what = ?", (what,))
        return {r: (h, why) for r, h, why in cur.fetchall()}

    def forget_refusals(self) -> None:
        """A re-run tries refused rows again: the account (or the file) may have been fixed meanwhile."""
        self.db.execute("DELETE FROM refused")

    def close(self) -> None:
        db = getattr(self, "db", None)
        if db is not None:
            db.close()
        if self.lock is not None:
            self.lock.release()
            self.lock = None
