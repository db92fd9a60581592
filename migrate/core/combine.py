"""Several source columns into one target: how their values share the one import column.

Exports often spread one kind of value over several columns (Bitrix24: «Рабочий телефон», «Номер
пейджера», «Телефон для рассылок»; a comment in two columns). A profile may map each of them to the
same target instead of dropping all but one. Phones and e-mails follow the overflow rule of a cell with
several values: the first non-empty one stays, the others go to the entity's "other" phone/e-mail
column (or are comma-joined when there is none). Text joins with a line break, tags with a comma. Equal
values are written once. Other targets hold one value, so the profile is refused (`can_combine`).

Everything is vectorised over whole columns: joining costs a few string operations per column.
"""

from __future__ import annotations

import pandas as pd

from .schema import Target

_JOINED = {"text": "\n", "textarea": "\n", "tags": ", "}
#: one-line fields: a line break in them is folded into a space (names, positions); others keep theirs
_ONE_LINE_ROLES = ("name", "first_name", "last_name")
_ONE_LINE_CODES = ("POSITION", "PHONE", "EMAIL", "WEB", "IM")


def can_combine(target: Target) -> bool:
    """True when several source columns can share `target` without losing a value."""
    if target.code in ("PHONE", "EMAIL"):
        return True
    return target.type in _JOINED and target.role not in _ONE_LINE_ROLES and target.code not in _ONE_LINE_CODES


def keeps_line_breaks(target: Target) -> bool:
    """Text and note fields keep the line breaks of their cells; names and other one-line fields fold them."""
    return target.type in ("text", "textarea") and target.role not in _ONE_LINE_ROLES and \
        target.code not in _ONE_LINE_CODES


def overflow_header(target: Target, targets: dict[str, Target]) -> str:
    """Where a second phone or e-mail goes: the entity's OTHER column of that kind, else the target itself."""
    return next(
        (t.header for t in targets.values() if t.entity == target.entity and t.code == target.code
         and t.code and t.enum == "OTHER"),
        target.header,
    )  # fmt: skip


def join_text(left: pd.Series, right: pd.Series, sep: str = ", ") -> pd.Series:
    """Join two text columns row by row over the union of their rows, skipping empty sides."""
    index = left.index.union(right.index)
    a = left.reindex(index).fillna("").astype(object)
    b = right.reindex(index).fillna("").astype(object)
    return (a + sep + b).where((a != "") & (b != ""), a + b)


def combine_sources(parts: list[pd.Series], target: Target, targets: dict[str, Target],
                    overflow: dict[str, pd.Series]) -> pd.Series:  # fmt: skip
    """One column from the converted values of several source columns (same index, text values)."""
    if target.code in ("PHONE", "EMAIL"):
        return _first_and_overflow(parts, target, targets, overflow)
    sep = _JOINED.get(target.type, "\n")
    out = parts[0].astype(object)
    for part in parts[1:]:
        part = part.astype(object)
        same = (part == "") | (part == out)
        out = out.where(same, out.where(out == "", out + sep) + part)
    return out


def _first_and_overflow(parts: list[pd.Series], target: Target, targets: dict[str, Target],
                        overflow: dict[str, pd.Series]) -> pd.Series:  # fmt: skip
    other = overflow_header(target, targets)
    out = parts[0].astype(object)
    for part in parts[1:]:
        part = part.astype(object)
        fill = (out == "") & (part != "")
        extra = ~fill & (part != "") & (part != out)
        out = out.where(~fill, part)
        if not extra.any():
            continue
        if other == target.header:
            out = join_text(out, part.where(extra, ""))
        else:
            overflow[other] = part[extra] if other not in overflow else join_text(overflow[other], part[extra])
    return out
