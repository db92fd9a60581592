"""BaseReport: one report over every file of a manifest — each file's Report, and the cross-file counts.

A caller may rely on: `files` (entity → that file's Report, in run order, each reconciling on its own:
read = exported + rejected), `counts` (records per entity, comments, tasks, links resolved / dangling /
of unknown type, records merged across files), `to_frame()` (the fixed Report columns plus `entity` and
`source` first), `to_dict()`/`to_json()` and `summary()`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.json_stream import json_pieces
from ..core.report import COLUMNS, Report

_COUNT_LABELS = (
    ("companies", "companies"), ("contacts", "contacts"), ("leads", "leads"), ("comments", "comments"),
    ("tasks", "tasks"), ("links_resolved", "links resolved"), ("links_dangling", "links dangling"),
    ("links_unknown", "links of unknown type"), ("merged_across_files", "records merged across files"),
)  # fmt: skip


@dataclass
class BaseReport:
    """What validating a whole base found. `files`: entity → Report of that entity's file."""

    manifest: str
    files: dict[str, Report]
    counts: dict[str, int]
    outputs: dict[str, list[Path]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what a step could not do, for the user (export: tasks)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.files.values())

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.files.values())

    @property
    def warnings(self) -> int:
        return sum(r.warnings for r in self.files.values())

    def reconciliation(self, verb: str = "exported") -> str:
        """One line per file: `leads: read N = exported X + rejected Y`."""
        return "\n".join(f"{entity}: {r.reconciliation(verb)}" for entity, r in self.files.items())

    def cross_file(self) -> str:
        return ", ".join(f"{label} {self.counts.get(key, 0)}" for key, label in _COUNT_LABELS if key in self.counts)

    def to_frame(self, severity: str | None = None) -> pd.DataFrame:
        frames = [r.to_frame(severity=severity).assign(entity=e, source=r.source) for e, r in self.files.items()]
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
        return frame[["entity", "source", *COLUMNS]] if frames else frame

    def to_dict(self) -> dict[str, Any]:
        return self._json_fields() | {"files": {e: r.to_dict() for e, r in self.files.items()}}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def json_pieces(self, indent: int = 2) -> Iterator[str]:
        """`to_json(indent)` a piece at a time, each file's issues and duplicate lines read as they are written
        (`Report.json_pieces`): a base holding a million-row file has its hundreds of thousands of issues."""
        return json_pieces(self._json_fields(), indent)

    def _json_fields(self) -> dict[str, Any]:
        return {
            "manifest": self.manifest,
            "ok": self.ok,
            "counts": dict(self.counts),
            "files": {e: r._json_fields() for e, r in self.files.items()},
            "notes": list(self.notes),
            "outputs": {k: [str(p) for p in v] for k, v in self.outputs.items()},
        }

    def summary(self, limit: int = 5) -> str:
        parts = [f"{self.manifest}: {self.errors} errors, {self.warnings} warnings", self.cross_file()]
        parts += [f"\n[{entity}] " + r.summary(limit) for entity, r in self.files.items()]
        return "\n".join(parts + self.notes)

    def __repr__(self) -> str:
        return f"<BaseReport {self.manifest}: {len(self.files)} files, {self.errors} errors, {self.cross_file()}>"
