"""What an upload did, row by row: the `UploadResult`, and the success and error workbooks.

The success workbook says, per source row, which lead, contact and company it became in AmoCRM and
whether the contact/company was created, linked to the one created for an earlier row naming the same
client ("связан (как в строке N)"), or linked to one the account had. The error workbook holds every
row that did not get there — refused by validation or by AmoCRM — *as it was in the source*, with its row
number and reasons in the same two leading columns as the export's rejects file, so it can be fixed and
uploaded again with the same profile (the mapping ignores those two columns).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ...core.issues import ERROR
from ...core.mapping import REJECT_REASONS, REJECT_ROW
from ...core.report import Report
from ...core.table import SourceTable
from ...sinks.xlsx import write_sheets
from .journal import Created

HOW = {
    "created": "создан",
    "linked": "связан с существующим",
    "merged": "объединён контролем дублей",
    "recovered": "создан (найден после сбоя)",
    "repeat": "связан (как в строке {row})",
}
CREATED = ("created", "merged", "recovered")
ENTITY_COLUMNS = {"leads": "Сделка", "contacts": "Контакт", "companies": "Компания"}


@dataclass
class UploadResult:
    """The outcome of one `upload` run (including what earlier runs of the same journal did).

    `read = uploaded + rejected + pending`: rejected = rows with validation errors + rows AmoCRM (or the
    payload builder) refused; pending = rows not reached because the run stopped early (0 normally).
    """

    report: Report
    primary: str
    created: dict[int, dict[str, Created]]
    refused: dict[int, tuple[str | None, str]]
    notes_refused: dict[int, tuple[str | None, str]]
    run_tag: str
    dry_run: bool = False
    outputs: dict[str, list[Path]] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def read(self) -> int:
        return self.report.read

    @property
    def uploaded_rows(self) -> list[int]:
        return sorted(r for r, ents in self.created.items() if self.primary in ents)

    @property
    def uploaded(self) -> int:
        return len(self.uploaded_rows)

    @property
    def rejected_rows(self) -> list[int]:
        done = set(self.uploaded_rows)
        return sorted((set(self.report.rejected_rows) | set(self.refused)) - done)

    @property
    def rejected(self) -> int:
        return len(self.rejected_rows)

    @property
    def pending(self) -> int:
        return 0 if self.dry_run else self.read - self.uploaded - self.rejected

    @property
    def ok(self) -> bool:
        return self.rejected == 0 and self.pending == 0 and not self.notes_refused

    def reconciliation(self) -> str:
        if self.dry_run:
            return f"read {self.read} = would upload {self.read - self.rejected} + rejected {self.rejected} (dry run)"
        line = f"read {self.read} = uploaded {self.uploaded} + rejected {self.rejected}"
        return line + (f" + pending {self.pending}" if self.pending else "")

    def clients(self) -> dict[str, dict[str, int]]:
        """Per linked entity (contacts, companies): records `created`, rows `repeat` (linked to a record an
        earlier row of this upload created: the same client) and rows `linked` to the account's records."""
        out: dict[str, dict[str, int]] = {}
        for ents in self.created.values():
            for entity, c in ents.items():
                if entity in ("contacts", "companies") and entity != self.primary:
                    how = "created" if c.how in CREATED else c.how
                    counts = out.setdefault(entity, {"created": 0, "repeat": 0, "linked": 0})
                    counts[how] = counts.get(how, 0) + 1
        return out

    def clients_line(self) -> str:
        """One line, e.g. `contacts: 115 created, 149 rows linked to them (repeat clients); companies: …`."""
        parts = []
        for entity, n in self.clients().items():
            text = f"{entity}: {n['created']} created"
            if n["repeat"]:
                text += f", {n['repeat']} rows linked to them (repeat clients)"
            if n["linked"]:
                text += f", {n['linked']} rows linked to existing records"
            parts.append(text)
        return "; ".join(parts)

    def success_frame(self) -> pd.DataFrame:
        rows = []
        first_row: dict[tuple[str, int], int] = {}
        for r in sorted(self.created):
            for entity, c in self.created[r].items():
                first_row.setdefault((entity, c.id), r)
        for r in self.uploaded_rows:
            ents = self.created[r]
            line: dict[str, Any] = {REJECT_ROW: r}
            for entity, title in ENTITY_COLUMNS.items():
                c = ents.get(entity)
                line[f"{title} ID"] = c.id if c else None
                line[title] = HOW.get(c.how, c.how).format(row=first_row.get((entity, c.id), r)) if c else ""
            note = next((c for e, c in ents.items() if e.startswith("notes:")), None)
            line["Примечание ID"] = note.id if note else None
            rows.append(line)
        columns = [REJECT_ROW] + [c for t in ENTITY_COLUMNS.values() for c in (f"{t} ID", t)] + ["Примечание ID"]
        frame = pd.DataFrame(rows, columns=columns)
        return frame.drop(columns=[c for c in columns[1:] if frame[c].isna().all() or (frame[c] == "").all()])

    def errors_frame(self, table: SourceTable) -> pd.DataFrame:
        """Rejected rows as in the source, with reasons; rows whose note alone failed are listed too."""
        reasons: dict[int, list[str]] = {}
        for i in self.report.issues:
            if i.severity == ERROR and i.row is not None:
                reasons.setdefault(i.row, []).append((f"{i.column}: " if i.column else "") + i.message)
        for r, (column, why) in self.refused.items():
            reasons.setdefault(r, []).append((f"{column}: " if column else "") + why)
        for r, (column, why) in self.notes_refused.items():
            reasons.setdefault(r, []).append(f"(the record was created; its note was not) {column or ''}: {why}")
        rows = sorted(set(self.rejected_rows) | set(self.notes_refused))
        body = table.frame.loc[rows]
        meta = pd.DataFrame({REJECT_ROW: rows, REJECT_REASONS: ["\n".join(reasons.get(r, [])) for r in rows]},
                            index=body.index)  # fmt: skip
        return pd.concat([meta, body.drop(columns=[c for c in meta.columns if c in body.columns])], axis=1)

    def write(self, table: SourceTable, success: Path, errors: Path) -> None:
        self.outputs["success"] = [write_sheets(success, {"Загружено": self.success_frame()})]
        self.outputs["errors"] = [write_sheets(errors, {table.sheet or "Ошибки": self.errors_frame(table)})]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.report.source,
            "run_tag": self.run_tag,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "counts": {
                "read": self.read,
                "uploaded": self.uploaded,
                "rejected": self.rejected,
                "pending": self.pending,
                "validation_rejected": self.report.rejected,
                "api_refused": len(set(self.refused) - set(self.report.rejected_rows)),
                "notes_refused": len(self.notes_refused),
            },  # fmt: skip
            "clients": self.clients(),
            "stats": self.stats,
            "outputs": {k: [str(p) for p in v] for k, v in self.outputs.items()},
            "rows": [
                {"row": r, **{e: {"id": c.id, "how": c.how} for e, c in self.created[r].items()}}
                for r in self.uploaded_rows
            ],  # fmt: skip
            "refused": [{"row": r, "column": c, "reason": why} for r, (c, why) in sorted(self.refused.items())],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def summary(self) -> str:
        lines = [f"{self.report.source} → AmoCRM {self.primary} (run tag {self.run_tag})", self.reconciliation()]
        if self.clients_line():
            lines.append(self.clients_line())
        if self.stats:
            s = self.stats
            lines.append(f"{s.get('requests', 0)} requests in {s.get('seconds', 0):.1f} s; "
                         f"{s.get('retries', 0)} retries, {s.get('throttled', 0)} throttled, "
                         f"{s.get('recovered_batches', 0)} unconfirmed batches checked")  # fmt: skip
        for kind, paths in self.outputs.items():
            lines += [f"{kind}: {p}" for p in paths]
        return "\n".join(lines)
