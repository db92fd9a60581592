"""apply_profile: a SourceTable and a Profile become a MappedTable — target headers, normalised values.

Pure code over DataFrames: no files, no network. Every value decision is made once per distinct value
(transforms, owners, options, stages) and broadcast, so cost grows linearly with rows. Problems found on
the way become Issues with the physical row and the source column; nothing is dropped here — deciding
which rows are exported is `validate`'s job.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from ..quality.resolve import (
    OwnerResolver,
    StageResolver,
    Verdict,
    broadcast,
    map_values,
    option_decider,
    resolve_owners,
)
from ..quality.transforms import TransformContext, apply_transform
from ..quality.transforms.more import split_person_name
from .columns import REJECT_META as REJECT_META
from .columns import REJECT_REASONS as REJECT_REASONS
from .columns import REJECT_ROW as REJECT_ROW
from .columns import column_issues, resolve_profile
from .combine import (
    can_combine,
    combine_sources,
    drop_repeated_contacts,
    join_text,
    keeps_line_breaks,
    overflow_header,
)
from .issues import Issue, IssueCode, ProfileError, make_issue
from .profile import ColumnSpec, Profile
from .schema import AccountSchema, Target
from .table import SourceTable

_BAD_CODE = {
    "number": IssueCode.BAD_NUMBER,
    "phone": IssueCode.BAD_PHONE,
    "email": IssueCode.BAD_EMAIL,
    "date": IssueCode.BAD_DATE,
    "datetime": IssueCode.BAD_DATE,
    "checkbox": IssueCode.BAD_CHECKBOX,
    "url": IssueCode.BAD_URL,
}


@dataclass
class MappedTable:
    """The source under target headers. `frame` index = physical source rows, values = text to write.

    `sources` maps each target header to the source column it came from (absent for columns we added,
    such as the overflow of a second phone). `stages` holds each row's `stage_key(pipeline_id, status_id)`
    ("" where unresolved) when a stage column was mapped, for the per-stage required-field rule.
    """

    frame: pd.DataFrame
    entity: str
    targets: dict[str, Target]
    sources: dict[str, str]
    issues: list[Issue]
    table: SourceTable
    stages: pd.Series | None = None
    unmapped: list[str] = field(default_factory=list)
    profile: Profile | None = None  # the profile resolved against the file: its keys are the file's headers
    inputs: list[str] = field(default_factory=list)  # every source column that was mapped, in profile order


def apply_profile(
    table: SourceTable,
    profile: Profile,
    schema: AccountSchema,
    *,
    owner_as: str = "name",
    tick: Callable[[int], object] | None = None,
) -> MappedTable:
    """Rename, clean and resolve every mapped column; report unmapped, missing and unknown columns.

    Raises ProfileError for a profile that cannot be applied at all (two columns on one target, owners
    naming users the account lacks). `tick(1)` is called once per column, for progress bars.
    """
    targets = schema.targets(profile.entity)
    profile, issues = resolve_profile(table, profile)
    issues += column_issues(table, profile, targets, schema.ambiguous(profile.entity))
    plan = _plan(table, profile, targets)
    owners = OwnerResolver(schema, profile.owners, profile.owner_default, owner_as)
    ctx = TransformContext(region=schema.country)
    out: dict[str, pd.Series] = {}
    overflow: dict[str, pd.Series] = {}
    for header, group in _by_target(plan).items():
        parts = []
        for source, spec, target in group:
            series = map_values(table.frame[source], spec.values)
            values, found = _convert(series, spec, target, source, owners, ctx, targets, overflow)
            parts.append(values)
            issues += found
            if tick:
                tick(1)
        out[header] = parts[0] if len(parts) == 1 else combine_sources(parts, group[0][2], targets, overflow)
    _merge_overflow(out, overflow, table.frame.index)
    drop_repeated_contacts(out, targets)
    _split_names(out, plan, targets)
    mapped = MappedTable(
        frame=pd.DataFrame(out, index=table.frame.index),
        entity=profile.entity,
        targets={h: targets[h] for h in out},
        sources={t.header: s for s, _, t in reversed(plan)},
        issues=issues,
        table=table,
        unmapped=[i.column for i in issues if i.code is IssueCode.UNMAPPED_COLUMN and i.column],
        profile=profile,
        inputs=[source for source, _, _ in plan],
    )
    _add_default_owner(mapped, targets, owners, profile)
    _resolve_stages(mapped, schema)
    mapped.frame = _as_text(mapped.frame)
    return mapped


def _plan(table: SourceTable, profile: Profile, targets: dict[str, Target]) -> list[tuple[str, ColumnSpec, Target]]:
    """(source, spec, target) for every mapped column the file has and the account knows, in profile order.
    Several sources may share a target when their values can be joined (see `combine_sources`)."""
    plan = [(source, spec, targets[spec.field]) for source, spec in profile.mapped().items()
            if source in table.frame.columns and spec.field in targets]  # fmt: skip
    for header, group in _by_target(plan).items():
        if len(group) > 1 and not can_combine(group[0][2]):
            names = ", ".join(repr(s) for s, _, _ in group)
            raise ProfileError(
                f"Profile maps several source columns ({names}) to the same target {header!r}, which holds one "
                "value; only text, note, tag, phone and e-mail targets can take several columns (a number, date, "
                "list, user or stage cannot). "
                "Map the others elsewhere or drop them (null)."
            )
    return plan


def _by_target(plan: list[tuple[str, ColumnSpec, Target]]) -> dict[str, list[tuple[str, ColumnSpec, Target]]]:
    groups: dict[str, list[tuple[str, ColumnSpec, Target]]] = {}
    for item in plan:
        groups.setdefault(item[2].header, []).append(item)
    return groups


def _convert(
    series: pd.Series,
    spec: ColumnSpec,
    target: Target,
    source: str,
    owners: OwnerResolver,
    ctx: TransformContext,
    targets: dict[str, Target],
    overflow: dict[str, pd.Series],
) -> tuple[pd.Series, list[Issue]]:
    where = {"column": source, "field": target.header}
    if target.type == "user" or spec.owner:
        return resolve_owners(series, owners, **where)
    if target.is_list:
        return broadcast(series, option_decider(target.options, target.header, target.type == "multiselect"), **where)
    if target.type in ("status", "pipeline"):
        return series.str.strip(), []  # resolved together in _resolve_stages: a stage depends on its pipeline
    if target.type == "tags":
        return series.str.replace(r"\s*[;\n]\s*", ", ", regex=True).str.strip(" ,"), []
    name = spec.transform or target.default_transform
    if name == "raw":
        return series, []
    tctx = TransformContext(region=ctx.region, integer=target.integer, with_time=name == "datetime",
                            multiline=keeps_line_breaks(target))  # fmt: skip
    result = apply_transform(series, name, tctx)
    issues = _transform_issues(series, result, name, where)
    has_extras = result.extras.astype(bool)  # an empty tuple is False: no per-row call
    if has_extras.any():
        issues += _route_extras(series, result.extras[has_extras], target, targets, overflow, where)
    return result.values, issues


def _transform_issues(series: pd.Series, result, name: str, where: dict[str, str]) -> list[Issue]:  # noqa: ANN001
    issues = []
    if result.failed.any():
        bad = series[result.failed]
        issues += [
            make_issue(_BAD_CODE[name], row=int(r), value=v, **where) for r, v in zip(bad.index, bad.array, strict=True)
        ]
    if result.rounded.any():
        rows = result.rounded[result.rounded].index
        issues += [
            make_issue(IssueCode.NUMBER_ROUNDED, row=int(r), value=series[r], written=result.values[r], **where)
            for r in rows
        ]
    return issues


def _route_extras(
    series: pd.Series, extras: pd.Series, target: Target, targets: dict[str, Target],
    overflow: dict[str, pd.Series], where: dict[str, str],
) -> list[Issue]:  # fmt: skip
    """A second phone or e-mail in a cell goes to the entity's 'other' column of the same kind."""
    other = overflow_header(target, targets)
    joined = extras.map(", ".join)
    overflow[other] = joined if other not in overflow else join_text(overflow[other], joined)
    code = IssueCode.EXTRA_VALUES_JOINED if other == target.header else IssueCode.EXTRA_VALUES_MOVED
    return [make_issue(code, row=int(r), value=series[r], written=other, **where) for r in extras.index]


def _split_names(out: dict[str, pd.Series], plan: list[tuple[str, ColumnSpec, Target]],
                 targets: dict[str, Target]) -> None:  # fmt: skip
    """`split_name: true` on a full-name column also fills that entity's first/last name columns (once per
    distinct name), unless the profile maps those columns itself."""
    for _, spec, target in plan:
        if not spec.split_name or target.role != "name" or target.header not in out:
            continue
        parts = {t.role: t.header for t in targets.values() if t.entity == target.entity
                 and t.role in ("first_name", "last_name")}  # fmt: skip
        names = out[target.header]
        split = {v: split_person_name(v) for v in names.unique()}
        given = {v: " ".join(p for p in (n.first, n.middle) if p) for v, n in split.items()}
        for role, header in parts.items():
            if header not in out:
                out[header] = names.map(given if role == "first_name" else {v: n.last for v, n in split.items()})


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every mapped column as text (object); a column of a table with no row would otherwise come out as
    float, and the `.str` rules downstream would fail on it."""
    odd = [c for c in frame.columns if frame[c].dtype != object]
    return frame.astype(dict.fromkeys(odd, object)) if odd else frame


def stage_key(pipeline_id: int, status_id: int) -> str:
    """How `MappedTable.stages` spells a row's stage: comparable with one vectorised `==`."""
    return f"{pipeline_id}:{status_id}"


def _merge_overflow(out: dict[str, pd.Series], overflow: dict[str, pd.Series], index: pd.Index) -> None:
    for header, extra in overflow.items():
        base = out.get(header, pd.Series("", index=index, dtype=object))
        merged = join_text(base.loc[extra.index], extra)
        column = base.astype(object).copy()
        column.loc[extra.index] = merged
        out[header] = column


def _add_default_owner(
    mapped: MappedTable, targets: dict[str, Target], owners: OwnerResolver, profile: Profile
) -> None:
    owner_header = next((t.header for t in targets.values() if t.role == "responsible_user"), None)
    if owner_header is None or owner_header in mapped.frame.columns:
        return
    if owners.default is not None:
        mapped.frame[owner_header] = owners.default
        mapped.targets[owner_header] = targets[owner_header]
    else:
        mapped.issues.append(make_issue(IssueCode.NO_OWNER_COLUMN, field=owner_header))


def _resolve_stages(mapped: MappedTable, schema: AccountSchema) -> None:
    """Resolve pipeline then stage per distinct pair, and remember each row's (pipeline_id, status_id)."""
    frame = mapped.frame
    pipe_h = next((h for h, t in mapped.targets.items() if t.type == "pipeline"), None)
    stage_h = next((h for h, t in mapped.targets.items() if t.type == "status"), None)
    if pipe_h is None and stage_h is None:
        return
    stages = StageResolver(schema)
    pipes = pd.Series("", index=frame.index, dtype=object)
    if pipe_h is not None:
        pipes, found = broadcast(
            frame[pipe_h], stages.pipeline, column=mapped.sources.get(pipe_h, pipe_h), field=pipe_h
        )
        frame[pipe_h] = pipes
        mapped.issues += found
    if stage_h is None:
        return
    bad_pipes = {i.value for i in mapped.issues if i.code is IssueCode.UNKNOWN_PIPELINE}
    keys = pipes.where(~frame.get(pipe_h, pipes).isin(bad_pipes), "\x1e") + "\x1f" + frame[stage_h]
    column = mapped.sources.get(stage_h, stage_h)
    ids: dict[str, str] = {}

    def decide(key: str) -> Verdict:
        pipe_name, _, stage = key.partition("\x1f")
        pipeline = None if pipe_name == "\x1e" else stages.pipeline_of(pipe_name)
        if pipeline is None:  # the pipeline itself is unknown and already reported
            ids[key] = ""
            return Verdict(stage)
        verdict = stages.stage(pipeline, stage)
        sid = stages.status_id(pipeline, verdict.value) if verdict.code is None else None
        ids[key] = stage_key(pipeline.id, sid) if sid is not None else ""
        return verdict

    values, found = broadcast(keys, decide, column=column, field=stage_h, shown=frame[stage_h])
    frame[stage_h] = values
    mapped.issues += found
    mapped.stages = keys.map(ids)
