"""The cell ledger: where every non-empty source cell went.

A migration is trusted only when nothing vanishes unannounced. For every source column the ledger
counts the non-empty cells read and puts each in exactly one bucket:

- `exported`: in a mapped column, in a row written to the import file;
- `rejected`: in a mapped column, in a row written to the rejects workbook (fix it and run again);
- `merged`: in a mapped column, in a row merged into the row it duplicates (`duplicates: merge`);
- `linked`: in a column the profile reads as the record's `key` or as a link to another entity
  (`key`/`links`): used to tie records together, not written as a field;
- `dropped`: in a column the profile drops on purpose (`null`);
- `unmapped`: in a column the profile does not mention, or maps to a target the account lacks.

Invariant (property-tested): `read = exported + rejected + merged + linked + dropped + unmapped` per
column.
The two columns a rejects workbook adds (its row numbers and reasons) are ours, not the user's data,
and are left out. The counts are plain integers per column, so ledgers of chunks of one file add up (`Ledger.__add__`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from .blank import filled_cells
from .columns import REJECT_META
from .profile import Profile

BUCKETS = ("exported", "rejected", "merged", "linked", "dropped", "unmapped")
COLUMNS = ["column", "read", *BUCKETS]
#: the buckets that leave the import file without the cell
NOT_EXPORTED = ("rejected", "merged", "linked", "dropped", "unmapped")


@dataclass
class Ledger:
    """Per source column (in file order): the non-empty cells read and each bucket's count."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def frame(self) -> pd.DataFrame:
        """One row per source column: column, read, then one count per bucket (see BUCKETS)."""
        rows = [[c, n["read"], *(n[b] for b in BUCKETS)] for c, n in self.counts.items()]
        return pd.DataFrame(rows, columns=COLUMNS).astype({k: "int64" for k in COLUMNS[1:]})

    def __add__(self, other: Ledger) -> Ledger:
        """The ledger of two chunks of one file (same columns, disjoint rows)."""
        out = {c: dict(n) for c, n in self.counts.items()}
        for c, n in other.counts.items():
            mine = out.setdefault(c, dict.fromkeys(("read", *BUCKETS), 0))
            for k, v in n.items():
                mine[k] = mine.get(k, 0) + v
        return Ledger(out)

    def not_exported(self) -> dict[str, dict[str, int]]:
        """Columns with non-empty cells that are not in the import file: column → {bucket: count}."""
        out = {}
        for c, n in self.counts.items():
            lost = {b: n[b] for b in NOT_EXPORTED if n[b]}
            if lost:
                out[c] = lost
        return out

    def line(self, limit: int = 5) -> str | None:
        """`not exported: 1,234 non-empty cells in 3 columns: 'A' 1,000 unmapped, …`, or None."""
        lost = self.not_exported()
        if not lost:
            return None
        total = sum(sum(b.values()) for b in lost.values())
        ranked = sorted(lost.items(), key=lambda kv: -sum(kv[1].values()))
        parts = [f"{c!r} " + " + ".join(f"{n:,} {b}" for b, n in buckets.items()) for c, buckets in ranked[:limit]]
        more = f", … {len(lost) - limit} more" if len(lost) > limit else ""
        noun = "column" if len(lost) == 1 else "columns"
        return f"not exported: {total:,} non-empty cells in {len(lost)} {noun}: " + ", ".join(parts) + more

    def to_dict(self) -> dict[str, dict[str, int]]:
        return {c: dict(n) for c, n in self.counts.items()}


def cell_ledger(
    frame: pd.DataFrame,
    profile: Profile,
    used: Iterable[str],
    rejected_rows: Iterable[int],
    merged_rows: Iterable[int] = (),
) -> Ledger:
    """The ledger of `frame` (a SourceTable's frame) under a profile resolved against it.

    `used`: the source columns actually mapped (present, target known); `rejected_rows`/`merged_rows`:
    physical row numbers (the frame's index) that are not exported. Cost: one comparison per column.
    """
    used = set(used)
    linked = profile.link_columns()
    rejected = frame.index.isin(list(rejected_rows))
    merged = frame.index.isin(list(merged_rows)) & ~rejected
    counts = {}
    for column in frame.columns:
        if column in REJECT_META:
            continue
        filled = filled_cells(frame[column])
        n = dict.fromkeys(("read", *BUCKETS), 0)
        n["read"] = int(filled.sum())
        if column in used:
            n["rejected"] = int((filled & rejected).sum())
            n["merged"] = int((filled & merged).sum())
            n["exported"] = n["read"] - n["rejected"] - n["merged"]
        elif column in linked:
            n["linked"] = n["read"]
        elif column in profile.columns and profile.columns[column] is None:
            n["dropped"] = n["read"]
        else:
            n["unmapped"] = n["read"]
        counts[str(column)] = n
    return Ledger(counts)
