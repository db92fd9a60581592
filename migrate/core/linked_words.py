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
    needed to word them. `members` are the Members' fields (row, key kind, key, score, header, via) as
    tuples; `firsts` the row each is compared with (its via, else its cluster's first); `values` the key's
    source cell; `these`/`those` the compared columns' cells here and there, `differ` which of them
    differ (both non-empty); `named` the compared headers quoted; `columns` each key header's source column."""

    what: str
    named: list[str]
    columns: dict[str, str | None]
    members: list[tuple[int, str, str, float, str, int | None]]
    firsts: list[int]
    values: list[object]
    these: list[list[object]]
    those: list[list[object]]
    differ: list[list[bool]]

    def __len__(self) -> int:
        return len(self.members)


def worded(batch: LinkedBatch) -> Iterator[Issue]:
    """The batch's `repeated_in_rows` warnings, in its order: what differs (three columns at most, then
    "…"), and why the rows hold one client."""
    named, what, columns = batch.named, batch.what, batch.columns
    found = zip(batch.members, batch.firsts, batch.values, batch.these, batch.those, batch.differ, strict=True)
    for (row, kind, key, score, header, via), first, value, this, that, differ in found:
        where = [j for j, d in enumerate(differ) if d]
        differs = "; ".join([f"{named[j]} {this[j]!r} here, {that[j]!r} there" for j in where[:3]])
        differs += "; …" if len(where) > 3 else ""
        yield member_issue(IssueCode.REPEATED_IN_ROWS, what, columns.get(header), row, header, value, first,
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
