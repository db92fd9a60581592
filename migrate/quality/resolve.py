"""Resolve user text against the account's closed lists: owners, list options, pipelines and stages.

Each resolver works once per *distinct* value and broadcasts the answer to the rows, so its cost grows
with the number of different owners or stages, not with the number of rows. A value is accepted when it
equals a choice once trivia are folded (`fuzzy.normalise`: case, ё, look-alike letters, spacing) and is then
written in the account's exact spelling; anything else is an error whose suggestion is the closest choice.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.column_codes import factorized
from ..core.issues import Issue, IssueCode, ProfileError, make_issue
from ..core.roles import is_role, role_pipeline, role_stage
from ..core.schema import AccountSchema, Pipeline, User
from .fuzzy import Matcher, normalise


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer for one distinct value: what to write, and the problem (if any) to report per row."""

    value: str
    code: IssueCode | None = None
    suggestion: str | None = None
    context: tuple[tuple[str, str], ...] = ()


def broadcast(
    series: pd.Series,
    decide: Callable[[str], Verdict],
    *,
    column: str,
    field: str,
    shown: pd.Series | None = None,
) -> tuple[pd.Series, list[Issue]]:
    """Apply `decide` once per distinct value; return the new values and one Issue per affected row.

    `shown`: the text to quote in issues when `series` holds composite keys rather than what the user typed.
    """
    # each row's distinct value as an int: broadcasting is then one take, not a hash lookup per row
    shared = factorized(series)  # a block's source column, factorized once for every step (`column_codes`)
    codes, distinct = shared if shared is not None else pd.factorize(series, use_na_sentinel=False)
    verdicts = {v: decide(v) for v in distinct}
    lookup = np.empty(len(distinct), dtype=object)
    lookup[:] = [verdicts[v].value for v in distinct]
    values = pd.Series(lookup[codes], index=series.index, dtype=object)
    bad = {v: d for v, d in verdicts.items() if d.code is not None}
    issues: list[Issue] = []
    if bad:
        is_bad = np.array([verdicts[v].code is not None for v in distinct], dtype=bool)
        hit = series[is_bad[codes]]
        quoted = hit.array if shown is None else shown.loc[hit.index].array
        for row, value, text in zip(hit.index, hit.array, quoted, strict=True):
            d = bad[value]
            issues.append(
                make_issue(d.code, row=int(row), column=column, field=field, value=text,  # type: ignore[arg-type]
                           suggestion=d.suggestion, **dict(d.context))
            )  # fmt: skip
    return values, issues


def map_values(series: pd.Series, values: dict[str, str]) -> pd.Series:
    """The profile's value map: exact text first, then the folded key (so "новая " finds "Новая")."""
    if not values:
        return series
    by_key = {normalise(k): v for k, v in values.items()}

    def one(v: str) -> str:
        s = v.strip()
        if s in values:
            return values[s]
        return by_key.get(normalise(s), v) if s else v

    return series.map({v: one(v) for v in series.unique()})


# --- owners --------------------------------------------------------------------------------------


class OwnerResolver:
    """Owner text → an account user, through `owners.map` first, then the schema's users.

    With no users in the schema (the bundled default) owners cannot be checked: they pass through with
    spacing normalised and one UNCHECKED_OWNER warning per distinct owner.
    """

    def __init__(self, schema: AccountSchema, owner_map: dict[str, str | int],
                 default: str | int | None, owner_as: str = "name") -> None:  # fmt: skip
        self.users = schema.users
        self.owner_as = owner_as
        self.matcher = Matcher([u.name for u in self.users], names=True)
        self._by_name = {u.name: u for u in self.users}
        self._map = {str(k).strip(): v for k, v in owner_map.items()}
        self._map_keys = {normalise(k): v for k, v in self._map.items()}
        self._check_profile_targets(default)
        self.default = None if default is None else self._write(self._user_for(str(default)), str(default))

    def _check_profile_targets(self, default: str | int | None) -> None:
        if not self.users:
            return
        wanted = list(self._map.values()) + ([default] if default is not None else [])
        bad = sorted({str(v) for v in wanted if not ((u := self._user_for(str(v))) and u.active)})
        if bad:
            hints = [
                f"{b!r}" + (f" (did you mean {m.choice!r}?)" if (m := self.matcher.suggest(b)) else "") for b in bad
            ]
            raise ProfileError(
                "Profile owners name users the account does not have (or has deactivated): " + ", ".join(hints) + "."
            )

    def _user_for(self, text: str) -> User | None:
        text = text.strip()
        for u in self.users:
            if text == str(u.id) or (u.email and text.casefold() == u.email.casefold()):
                return u
        name = self.matcher.exact(text)
        return self._by_name.get(name) if name else None

    def _write(self, user: User | None, text: str) -> str:
        if user is None:
            return " ".join(text.split())
        if self.owner_as == "email" and user.email:
            return user.email
        return user.name

    def decide(self, value: str) -> Verdict:
        text = " ".join(value.split())
        if not text:
            if self.default is not None:
                return Verdict(self.default)
            return Verdict("", IssueCode.EMPTY_OWNER)
        mapped = self._map.get(text, self._map_keys.get(normalise(text)))
        target = str(mapped) if mapped is not None else text
        if not self.users:
            return Verdict(target, IssueCode.UNCHECKED_OWNER)
        user = self._user_for(target)
        if user is not None and not user.active:
            return Verdict(value, IssueCode.INACTIVE_OWNER)
        if user is not None:
            return Verdict(self._write(user, target))
        match = self.matcher.suggest(target)
        return Verdict(value, IssueCode.UNKNOWN_OWNER, match.choice if match else None)


def resolve_owners(
    series: pd.Series, resolver: OwnerResolver, *, column: str, field: str
) -> tuple[pd.Series, list[Issue]]:
    values, issues = broadcast(series, resolver.decide, column=column, field=field)
    # "cannot be checked" is said once per distinct owner, at its first row, not on every row
    seen: set[str | None] = set()
    kept = []
    for issue in issues:
        if issue.code is IssueCode.UNCHECKED_OWNER:
            if issue.value in seen:
                continue
            seen.add(issue.value)
        kept.append(issue)
    return values, kept


# --- list options ----------------------------------------------------------------------------------

_LIST_SPLIT = re.compile(r"\s*[,;\n]\s*")


def option_decider(options: Iterable[str], field: str, multi: bool) -> Callable[[str], Verdict]:
    """Decide select/multiselect cells: exact or folded match → the option's spelling, else an error."""
    matcher = Matcher(list(options))

    def one(part: str) -> tuple[str | None, str | None]:
        hit = part if part in matcher.choices else matcher.exact(part)
        if hit is not None:
            return hit, None
        m = matcher.suggest(part)
        return None, (m.choice if m else None)

    def decide(value: str) -> Verdict:
        text = value.strip()
        if not text:
            return Verdict("")
        parts = [p for p in _LIST_SPLIT.split(text) if p] if multi else [text]
        found = [one(p) for p in parts]
        if all(hit is not None for hit, _ in found):
            return Verdict(", ".join(dict.fromkeys(hit for hit, _ in found if hit)))
        hints = [s for hit, s in found if hit is None and s]
        return Verdict(value, IssueCode.VALUE_NOT_IN_LIST, ", ".join(hints) or None)

    return decide


# --- pipelines and stages ------------------------------------------------------------------------------


class StageResolver:
    """Pipeline and stage names → the account's, per distinct (pipeline, stage) pair.

    An empty pipeline means the main one, as the importer does; an unknown pipeline is an error (the
    importer would silently put the deal at the first stage of the first pipeline). Roles (`@main`,
    `@won`, `@lost`, `@first`, `@first+N`: core/roles.py) become the account's own names here.
    """

    def __init__(self, schema: AccountSchema) -> None:
        self.schema = schema
        self.pipelines = Matcher([p.name for p in schema.pipelines])
        self._by_name = {p.name: p for p in schema.pipelines}
        self._stages = {p.name: Matcher(p.status_names()) for p in schema.pipelines}

    def pipeline(self, value: str) -> Verdict:
        text = value.strip()
        if not text:
            return Verdict("")
        if is_role(text):
            found = role_pipeline(self.schema, text)
            return Verdict(found.name) if found else Verdict(value, IssueCode.UNKNOWN_PIPELINE, "@main")
        hit = self.pipelines.exact(text)
        if hit:
            return Verdict(hit)
        m = self.pipelines.suggest(text)
        return Verdict(value, IssueCode.UNKNOWN_PIPELINE, m.choice if m else None)

    def pipeline_of(self, name: str) -> Pipeline | None:
        return self._by_name.get(name) if name else self.schema.main_pipeline

    def stage(self, pipeline: Pipeline, value: str) -> Verdict:
        text = value.strip()
        if not text:
            return Verdict("")
        if is_role(text):
            stage = role_stage(pipeline, text)
            if stage is not None:
                return Verdict(stage.name)
            return Verdict(value, IssueCode.UNKNOWN_STATUS, None, (("pipeline", pipeline.name),))
        matcher = self._stages[pipeline.name]
        hit = matcher.exact(text)
        if hit:
            return Verdict(hit)
        m = matcher.suggest(text)
        return Verdict(value, IssueCode.UNKNOWN_STATUS, m.choice if m else None, (("pipeline", pipeline.name),))

    def status_id(self, pipeline: Pipeline | None, name: str) -> int | None:
        if pipeline is None or not name:
            return None
        return next((s.id for s in pipeline.statuses if s.name == name), None)
