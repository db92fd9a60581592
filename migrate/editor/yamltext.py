"""Save: the edited profile as YAML with the comments an `init` draft has, written for the current state.

The reader is the consultant who reviews the profile later, so the file says what the editor knew: how
each column was matched ("synonym 100", "fuzzy 90", "chosen in the editor"), which columns are left
unmapped (commented out, with the closest header), which stage/list values and owners still do not
resolve (commented out, with the suggestion). Comments never change what the file loads as: it loads
equal to `session.profile`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from ..core.issues import MigrateError
from ..core.paths import same_file, write_text_atomic
from ..core.profile import ColumnSpec
from .session import DROP, NOT_MAPPED, EditSession, rows_text


def _q(text: Any) -> str:
    """A YAML scalar: text double-quoted (JSON strings are valid YAML), numbers and booleans as they are."""
    return json.dumps(text, ensure_ascii=False)


def _flow(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, default_flow_style=True, width=10_000).strip()


def profile_text(session: EditSession) -> str:
    """The commented YAML of the session's profile."""
    p, table = session.profile, session.table
    lines = [
        f"# Profile for {table.path.name}" + (f", sheet {table.sheet!r}" if table.sheet else "")
        + ", edited in the amomigrate mapping editor.",
        "# Scores: synonym 100 = a known caption; fuzzy N = text similarity. Commented lines need a decision.",
    ]
    if session.report is not None:
        lines.append(f"# Last check: {session.report.reconciliation()}.")
    lines.append("version: 1")
    for key in ("name", "description"):
        if getattr(p, key):
            lines.append(f"{key}: {_q(getattr(p, key))}")
    lines.append(f"entity: {p.entity}")
    if p.source:
        lines.append(f"source: {_flow(dict(p.source))}")
    body = [line for c in [*table.columns, *(c for c in p.columns if c not in table.columns)]
            for line in _column_lines(session, c)]  # fmt: skip
    written = any(not line.lstrip().startswith("#") for line in body)
    lines += ["columns:" if written else "columns: {}", *body]
    lines += _owner_lines(session)
    if p.duplicates is not None:
        lines.append(f"duplicates: {_q(p.duplicates) if isinstance(p.duplicates, str) else _flow(p.duplicates)}")
    return "\n".join(lines) + "\n"


def _column_lines(session: EditSession, column: str) -> list[str]:
    target = session.target_of(column)
    note = session.notes.get(column)
    if target == NOT_MAPPED:
        hint = (session.target_choices(column) or [None])[0]
        why = f"closest header {_q(hint)}" if hint not in (None, NOT_MAPPED, DROP) else "no close header"
        return [f"  # {_q(column)}: null  # not mapped ({why}): map it, or uncomment to drop it on purpose"]
    if target == DROP:
        return [f"  {_q(column)}: null  # dropped on purpose"]
    spec = session.spec_of(column)
    assert spec is not None
    comment = f"  # {note}" if note else ""
    if session.value_kind(column) in ("status", "pipeline", "list") and (spec.values or session.values(column)):
        return _column_with_values(session, column, spec, comment)
    return [f"  {_q(column)}: {_spec_flow(spec)}{comment}"]


def _spec_flow(spec: ColumnSpec) -> str:
    data = spec.to_data()
    if isinstance(data, str):
        return _q(data)
    parts = [f"{k}: {_q(v) if k == 'field' else _flow_value(v)}" for k, v in data.items() if k != "values"]
    return "{" + ", ".join(parts) + "}"


def _flow_value(v: Any) -> str:
    return "true" if v is True else _q(v) if isinstance(v, str) and not v.isidentifier() else str(v)


def _column_with_values(session: EditSession, column: str, spec: ColumnSpec, comment: str) -> list[str]:
    lines = [f"  {_q(column)}:{comment}"]
    lines += [f"    {k}: {_q(v) if k == 'field' else _flow_value(v)}" for k, v in _plain(spec).items()]
    open_values = [v for v in session.values(column) if v.state in ("fuzzy", "unknown") and v.mapped_to is None]
    if not spec.values:
        lines.append("    values: {}" + ("  # review the values below" if open_values else ""))
    else:
        lines.append("    values:")
        lines += [f"      {_q(k)}: {_q(v)}" for k, v in spec.values.items()]
    for v in open_values:
        if v.suggestion:
            lines.append(f"      # {_q(v.value)}: {_q(v.suggestion)}  # fuzzy suggestion, {rows_text(v.rows)} — review")
        else:
            lines.append(f'      # {_q(v.value)}: ""  # unknown, {rows_text(v.rows)}: map it by hand')
    return lines


def _plain(spec: ColumnSpec) -> dict[str, Any]:
    data = spec.to_data()
    data = {"field": data} if isinstance(data, str) else dict(data)
    data.pop("values", None)
    return data


def _owner_lines(session: EditSession) -> list[str]:
    p = session.profile
    owner_columns = [c for c in session.table.columns if session.value_kind(c) == "owner"]
    open_values = [v for c in owner_columns for v in session.values(c)
                   if v.state in ("fuzzy", "unknown", "inactive") and v.mapped_to is None]  # fmt: skip
    if not (p.owners or p.owner_default is not None or open_values):
        return []
    lines = ["owners:", "  map:" if p.owners else "  map: {}"]
    lines += [f"    {_q(k)}: {_q(v)}" for k, v in p.owners.items()]
    for v in open_values:
        if v.suggestion:
            lines.append(f"    # {_q(v.value)}: {_q(v.suggestion)}  # fuzzy suggestion, {rows_text(v.rows)} — review")
        else:
            why = "a deactivated user" if v.state == "inactive" else "no such user"
            lines.append(f'    # {_q(v.value)}: ""  # {why}, {rows_text(v.rows)}')
    if p.owner_default is not None:
        lines.append(f"  default: {_q(p.owner_default)}")
    else:
        lines.append('  # default: ""  # a user for empty owner cells')
    return lines


def save_text(text: str, path: str | Path, inputs: list[Path]) -> Path:
    """Write atomically (a temporary file beside it, then rename), never over one of the session's inputs."""
    out = Path(path)
    if any(same_file(out, i) for i in inputs):  # by name, symlink or hard link (core/paths.py)
        raise MigrateError(f"Refusing to save the profile over {out}: it is an input of this session.")
    return write_text_atomic(out, text)
