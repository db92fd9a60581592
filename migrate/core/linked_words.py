"""The words of a duplicate member's issue: why its row is in the cluster, and the Issue itself.

Why here, in the core, apart from the search: the linked-row warnings of a big deals file (368,214 on the
million-row benchmark) are worded in a helper process (`migrate.end_wording`) that imports this module and
the issue spool only — no pandas, no numpy: a fresh interpreter of ~15 MB instead of a second copy of the
run's libraries. `quality.linked_warnings.linked_batches` compares the cells and makes the batches; the
searches' other issues (`quality.duplicates_policy`) are worded by `member_issue` too.

What a caller may rely on: `worded(batch)` gives the batch's warnings in its order, whatever process runs
it; a LinkedBatch is plain data (lists, dicts, strs and numbers) and pickles as such.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .issues import Issue, IssueCode, rendered

__all__ = ["WHAT", "LinkedBatch", "because", "member_issue", "worded"]

#: an entity as the messages name one of its records
WHAT = {"contacts": "contact", "companies": "company"}
_LABEL = {"phone": "phone", "email": "e-mail", "inn": "INN", "name": "name", "fuzzy-name": "similar name"}


@dataclass
class LinkedBatch:
    """Linked cluster members that write their client differently from the row they join, with what is
    needed to word them, as columns (a list per field: fewer objects to pickle than a tuple per member).

    Per member: `rows`, `kinds` (key kind), `keys`, `scores`, `headers` (the key's target column), `vias`
    (None for none), `firsts` (the row it is compared with: its via, else its cluster's first), `values`
    (the key's source cell), `ends`: its differing cells are `these[k]` here and `those[k]` there, in
    compared column `which[k]`, for k from the previous member's end to its own. `named`: the compared
    headers quoted; `columns`: each key header's source column."""

    what: str
    named: list[str]
    columns: dict[str, str | None]
    rows: list[int]
    kinds: list[str]
    keys: list[str]
    scores: list[float]
    headers: list[str]
    vias: list[int | None]
    firsts: list[int]
    values: list[object]
    ends: list[int]
    which: list[int]
    these: list[object]
    those: list[object]

    def __len__(self) -> int:
        return len(self.rows)


def worded(batch: LinkedBatch) -> Iterator[Issue]:
    """The batch's `repeated_in_rows` warnings, in its order: what differs (three columns at most, then
    "…"), and why the rows hold one client."""
    b = batch
    named, which, these, those, columns = b.named, b.which, b.these, b.those, b.columns
    start = 0
    found = zip(b.rows, b.kinds, b.keys, b.scores, b.headers, b.vias, b.firsts, b.values, b.ends, strict=True)
    for row, kind, key, score, header, via, first, value, end in found:
        shown = range(start, min(end, start + 3))
        differs = "; ".join([f"{named[which[k]]} {these[k]!r} here, {those[k]!r} there" for k in shown])
        differs += "; …" if end - start > 3 else ""
        start = end
        yield member_issue(IssueCode.REPEATED_IN_ROWS, b.what, columns.get(header), row, header, value, first,
                           because(kind, key, score, via, first), {"differs": differs})  # fmt: skip


def member_issue(code: IssueCode, what: str, column: str | None, row: int, header: str, value: object, first: int,
                 why: str, context: dict[str, str]) -> Issue:  # fmt: skip
    """One member's issue: the key's source cell as `value`, "row N" as the suggestion. One Issue built,
    its suggestion kept out of the message: this runs once per member row."""
    context.update(first=first, what=what, because=why)  # type: ignore[dict-item]
    severity, message = rendered(code, row, column, header, value, context)  # type: ignore[arg-type]
    return Issue(code, severity, row, column, header, value, f"row {first}", message)  # type: ignore[arg-type]


def because(kind: str, key: str, score: float, via: int | None, first: int) -> str:
    """Why a member is in its cluster, for messages: `phone '+79161234567'`, `similar name 'x', 96% alike`."""
    text = f"{_LABEL[kind]} {key!r}"
    if kind == "fuzzy-name":
        text += f", {score:.0f}% alike"
    if via is not None and via != first:
        text += f", through row {via}"
    return text
