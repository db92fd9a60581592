"""Several source columns into one target: how their values share the one import column.

Exports often spread one kind of value over several columns (Bitrix24: «Рабочий телефон», «Номер
пейджера», «Телефон для рассылок»; a comment in two columns). A profile may map each of them to the
same target instead of dropping all but one. Phones and e-mails follow the overflow rule of a cell with
several values: the first non-empty one stays, the others go to the entity's "other" phone/e-mail
column (or are comma-joined when there is none), and a phone or e-mail already in another column of its
kind in that row is not written twice. Text joins with a line break, names with a space (Имя + Отчество),
other one-line text and tags with a comma. Equal values are written once. Numbers, dates, lists, users
and stages hold one value, so a profile mapping several columns to one of them is refused (`can_combine`).

Everything is vectorised over whole columns: joining costs a few string operations per column.
"""

from __future__ import annotations

import pandas as pd

from .schema import Target

_JOINED = ("text", "textarea", "tags", "multitext")
#: one-line fields: a line break in them is folded into a space (names, positions); others keep theirs
_ONE_LINE_ROLES = ("name", "first_name", "last_name")
_ONE_LINE_CODES = ("POSITION", "PHONE", "EMAIL", "WEB", "IM")


def can_combine(target: Target) -> bool:
    """True when several source columns can share `target` without losing a value."""
    return target.code in ("PHONE", "EMAIL") or target.type in _JOINED


def separator(target: Target) -> str:
    """How the values of several columns are joined in `target`'s cell."""
    if target.role in _ONE_LINE_ROLES:
        return " "
    return "\n" if keeps_line_breaks(target) else ", "


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
    sep = separator(target)
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


def drop_repeated_contacts(out: dict[str, pd.Series], targets: dict[str, Target]) -> None:
    """In each entity's OTHER phone/e-mail column, leave out the values its row already has in another
    column of that kind (Bitrix24's aggregate «Телефон» repeats the typed columns)."""
    for header, target in targets.items():
        if header not in out or target.code not in ("PHONE", "EMAIL") or target.enum != "OTHER":
            continue
        others = [h for h, t in targets.items() if h in out and h != header and t.entity == target.entity
                  and t.code == target.code]  # fmt: skip
        column = out[header].astype(object)
        rows = column.index[column.ne("")]
        if not others or len(rows) == 0:
            continue
        seen = pd.concat([out[h].loc[rows].astype(object) for h in others], axis=1).agg(", ".join, axis=1)
        kept = [_without(column.at[r], seen.at[r]) for r in rows]
        column.loc[rows] = kept
        out[header] = column


def _without(cell: str, seen: str) -> str:
    have = {v.strip().casefold() for v in seen.split(",") if v.strip()}
    values = [v.strip() for v in cell.split(",") if v.strip()]
    return ", ".join(dict.fromkeys(v for v in values if v.casefold() not in have))
